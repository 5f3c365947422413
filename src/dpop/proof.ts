import { base64url, base64urlJson, sha256, utf8 } from './encoding.js';
import { ALGORITHM, type DPoPKey } from './key.js';
import type { DPoPNonces } from './nonces.js';

/**
 * The last access token's `ath` (RFC 9449 section 4.2: base64url(SHA-256(ASCII of the token))), per key: the keeper
 * sends one token on many requests, and a digest is a thread hop (a third of a proof's time on a busy machine).
 * Held by the key, so that it goes with the key at logout and keeps no token of an ended session alive.
 */
const lastAth = new WeakMap<DPoPKey, [token: string, ath: Promise<string>]>();

/**
 * A DPoP proof JWT (RFC 9449 section 4.2): header `typ: dpop+jwt`, `alg`, the public `jwk`; claims
 * `jti` (random, unique), `htm`, `htu` (scheme, host and path: no query, no fragment), `iat`, and
 * `ath` (with an access token: resource requests, not token endpoint calls) and `nonce` (the latest `DPoP-Nonce` of
 * the URL's origin in `nonces`) when there is one. A new `jti` and signature every call: never reuse a proof.
 * `method` as `Request.method` has it; `now` in the server's clock, milliseconds since the epoch.
 *
 * @example
 * request.headers.set('DPoP', await createDPoPProof(key, 'GET', url, accessToken, Date.now() + skewMs, nonces));
 */
export async function createDPoPProof(key: DPoPKey, method: string, url: string | URL, accessToken: string | undefined, now: number, nonces: DPoPNonces): Promise<string> {
	const target = new URL(url);
	// an access token is never empty: none means a token endpoint call, no `ath`
	let last = lastAth.get(key);
	if (accessToken && last?.[0] !== accessToken) lastAth.set(key, (last = [accessToken, sha256(accessToken)]));
	// The claims JSON leaves out an undefined `ath` or `nonce`. `htu`: the URL up to its path, no query, no fragment (fetch
	// refuses a URL with credentials, so its origin is how its serialisation begins).
	const claims = {
		jti: crypto.randomUUID(),
		htm: method,
		htu: target.origin + target.pathname,
		iat: Math.floor(now / 1000),
		ath: accessToken && (await last?.[1]),
		nonce: nonces.get(target.origin),
	};
	const input = `${base64urlJson({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })}.${base64urlJson(claims)}`;
	return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign(ALGORITHM[key.alg], key.privateKey, utf8(input))))}`;
}
