import { base64url, base64urlJson, sha256, utf8 } from './encoding.js';
import { ALGORITHM, type DPoPKey } from './key.js';
import type { DPoPNonces } from './nonces.js';
import type { DPoPGrant } from './seam.js';

/**
 * The `ath` of each grant the keeper hands out (RFC 9449 section 4.2: base64url(SHA-256(ASCII of the token))): the
 * keeper sends one grant on many requests, and a digest is a thread hop (a third of a proof's time on a busy machine).
 * Held by the grant, so that it goes with it and keeps no token of an ended session alive.
 */
const aths = new WeakMap<DPoPGrant, Promise<string>>();

/**
 * The `ath` of a grant's access token, digested once per grant.
 *
 * @example
 * const ath = athOf({ key, token });
 */
export const athOf = (grant: DPoPGrant): Promise<string> => aths.get(grant) ?? (aths.set(grant, sha256(grant.token)).get(grant) as Promise<string>);

/**
 * A DPoP proof JWT (RFC 9449 section 4.2): header `typ: dpop+jwt`, `alg`, the public `jwk`; claims
 * `jti` (random, unique), `htm`, `htu` (scheme, host and path: no query, no fragment), `iat`, and
 * `ath` (the digest of the access token, see {@link athOf}: resource requests, not token endpoint calls) and `nonce` (the latest `DPoP-Nonce` of
 * the URL's origin in `nonces`) when there is one. A new `jti` and signature every call: never reuse a proof.
 * `method` as `Request.method` has it; `now` in the server's clock, milliseconds since the epoch.
 *
 * @example
 * request.headers.set('DPoP', await createDPoPProof(key, 'GET', url, athOf(grant), Date.now() + skewMs, nonces));
 */
export async function createDPoPProof(key: DPoPKey, method: string, url: string | URL, ath: Promise<string> | undefined, now: number, nonces: DPoPNonces): Promise<string> {
	const target = new URL(url);
	// The claims JSON leaves out an undefined `ath` or `nonce`. `htu`: the URL up to its path, no query, no fragment (fetch
	// refuses a URL with credentials, so its origin is how its serialisation begins).
	const claims = {
		jti: crypto.randomUUID(),
		htm: method,
		htu: target.origin + target.pathname,
		iat: Math.floor(now / 1000),
		ath: await ath,
		nonce: nonces.get(target.origin),
	};
	const input = `${base64urlJson({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })}.${base64urlJson(claims)}`;
	return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign(ALGORITHM[key.alg], key.privateKey, utf8(input))))}`;
}
