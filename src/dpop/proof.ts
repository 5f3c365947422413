import { base64url, base64urlJson, sha256, utf8 } from './encoding.js';
import { ALGORITHM, type DPoPKey } from './key.js';
import type { DPoPProofRequest } from './seam.js';

/**
 * The last access token's `ath` (RFC 9449 section 4.2: base64url(SHA-256(ASCII of the token))), per key: the keeper
 * sends one token on many requests, and a digest is a thread hop (a third of a proof's time on a busy machine).
 * Held by the key, so that it goes with the key at logout and keeps no token of an ended session alive.
 */
const lastAth = new WeakMap<DPoPKey, [token: string, ath: Promise<string>]>();

/**
 * A DPoP proof JWT (RFC 9449 section 4.2): header `typ: dpop+jwt`, `alg`, the public `jwk`; claims
 * `jti` (random, unique), `htm`, `htu` (scheme, host and path: no query, no fragment), `iat`, and
 * `ath` and `nonce` (the server's latest `DPoP-Nonce`) when given. A new `jti` and signature every call: never reuse a proof.
 *
 * @example
 * request.headers.set('DPoP', await createDPoPProof({ key, method: 'GET', url, accessToken, now: Date.now() + skewMs }, nonce));
 */
export async function createDPoPProof({ key, method, url, accessToken, now }: DPoPProofRequest, nonce?: string): Promise<string> {
	let last = lastAth.get(key);
	if (accessToken !== undefined && last?.[0] !== accessToken) {
		last = [accessToken, sha256(accessToken)];
		lastAth.set(key, last);
	}
	// The claims JSON leaves out an undefined `ath` or `nonce`. `htu`: the URL's serialisation has no `?` or `#` before its query.
	const claims = {
		jti: crypto.randomUUID(),
		htm: method,
		htu: new URL(url).href.replace(/[?#].*/, ''),
		iat: Math.floor(now / 1000),
		ath: accessToken === undefined ? undefined : await last?.[1],
		nonce,
	};
	const input = `${base64urlJson({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })}.${base64urlJson(claims)}`;
	return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign(ALGORITHM[key.alg], key.privateKey, utf8(input))))}`;
}
