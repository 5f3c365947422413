import { base64url, base64urlJson, sha256, utf8 } from './encoding.js';
import { ALGORITHM, type DPoPKey } from './key.js';

/** What one proof is for. */
export interface DPoPProofInput {
	/** The key the tokens are bound to. */
	readonly key: DPoPKey;
	/** The request's method as it is sent: `Request.method` (fetch upper-cases `post` but not `patch`). */
	readonly method: string;
	/** The request's absolute URL; its query and fragment are left out of `htu`. */
	readonly url: string | URL;
	/** The access token the request carries: its hash becomes `ath`. Not on token endpoint calls. */
	readonly accessToken?: string | undefined;
	/** The server's latest `DPoP-Nonce`, when it gave one. */
	readonly nonce?: string | undefined;
	/** The current time in the server's clock, in milliseconds since the epoch. */
	readonly now: number;
}

/**
 * A DPoP proof JWT (RFC 9449 section 4.2): header `typ: dpop+jwt`, `alg`, the public `jwk`; claims
 * `jti` (random, unique), `htm`, `htu` (scheme, host and path: no query, no fragment), `iat`, and
 * `ath` and `nonce` when given. A new `jti` and signature every call: never reuse a proof.
 *
 * @example
 * request.headers.set('DPoP', await createDPoPProof({ key, method: 'GET', url, accessToken, now: Date.now() + skewMs }));
 */
export async function createDPoPProof({ key, method, url, accessToken, nonce, now }: DPoPProofInput): Promise<string> {
	// The claims JSON leaves out an undefined `ath` or `nonce`. `htu`: the URL's serialisation has no `?` or `#` before its query.
	const claims = {
		jti: crypto.randomUUID(),
		htm: method,
		htu: new URL(url).href.replace(/[?#].*/, ''),
		iat: Math.floor(now / 1000),
		// RFC 9449 section 4.2: base64url(SHA-256(ASCII of the access token)), hashed per proof (a few µs beside the
		// signature; a cache of the last one cost 48 B gzip)
		ath: accessToken === undefined ? undefined : await sha256(accessToken),
		nonce,
	};
	const input = `${base64urlJson({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })}.${base64urlJson(claims)}`;
	return `${input}.${base64url(new Uint8Array(await crypto.subtle.sign(ALGORITHM[key.alg], key.privateKey, utf8(input))))}`;
}
