import { sha256 } from './encoding.js';

/** The required members of each key type, in lexicographic order (RFC 7638 section 3.2, RFC 8037 section 2). */
const REQUIRED: Record<string, string[]> = { EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'], RSA: ['e', 'kty', 'n'] };

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: the `dpop_jkt` of an authorization
 * request (RFC 9449 section 10) and the `cnf.jkt` of a bound token (section 6.1).
 *
 * @example
 * const jkt = await jwkThumbprint({ kty: 'EC', crv: 'P-256', x, y });
 */
export async function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): Promise<string> {
	const members = REQUIRED[String(jwk.kty)];
	if (!members || members.some((name) => typeof jwk[name] !== 'string')) throw new TypeError(`not a public JWK this thumbprint knows: kty ${String(jwk.kty)}`);
	// RFC 7638 section 3.3: the required members only, sorted, no whitespace; JSON.stringify keeps insertion order.
	return sha256(JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]]))));
}
