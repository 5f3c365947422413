import { sha256 } from './encoding.js';
import { TokenKeeperError } from '../errors.js';

/** The JWS algorithm of the proofs: ES256 (ECDSA P-256, everywhere) or EdDSA (Ed25519, where WebCrypto has it). */
export type DPoPAlgorithm = 'ES256' | 'EdDSA';

/** The public half of a DPoP key, as it goes in a proof's header: public members only. */
export type DPoPPublicJwk = {
	readonly kty: string;
	readonly crv: string;
	readonly x: string;
	readonly y?: string;
};

/**
 * A DPoP key pair as the keeper keeps it: the non-extractable private `CryptoKey`, the public JWK and
 * its thumbprint. A plain object of structured-cloneable members, so it is its own storage record:
 * IndexedDB holds it as it is, and a BroadcastChannel carries it to another tab of the same origin;
 * JSON cannot (a `CryptoKey` has no JSON form, which is what keeps it in the browser).
 *
 * @example
 * const key = await dpop().newKey();
 * await set('session', { tokens, key }); // idb-keyval: the CryptoKey is stored, not its bytes
 */
export interface DPoPKey {
	readonly alg: DPoPAlgorithm;
	/** Non-extractable: it signs, and no script can read its bytes. */
	readonly privateKey: CryptoKey;
	readonly jwk: DPoPPublicJwk;
	/** RFC 7638 thumbprint of `jwk`: `dpop_jkt` and `cnf.jkt`. */
	readonly thumbprint: string;
}

/**
 * WebCrypto's parameters of each algorithm, for key generation and signing alike: WebCrypto reads
 * the members of the dictionary each operation takes and ignores the rest (`namedCurve` for
 * generateKey, `hash` for sign; WebCrypto "normalize an algorithm").
 */
export const ALGORITHM: Record<DPoPAlgorithm, Algorithm | (EcKeyGenParams & EcdsaParams)> = {
	ES256: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
	EdDSA: { name: 'Ed25519' },
};

/**
 * A new key pair, the private key non-extractable (RFC 9449 section 2: the key stays with the client).
 * Throws `DPOP_KEY_UNAVAILABLE` where WebCrypto is missing (a plain-http page) or lacks the algorithm.
 *
 * @example
 * const key = await generateDPoPKey('EdDSA');
 */
export async function generateDPoPKey(alg: DPoPAlgorithm): Promise<DPoPKey> {
	let pair: CryptoKeyPair;
	try {
		pair = (await crypto.subtle.generateKey(ALGORITHM[alg], false, ['sign'])) as CryptoKeyPair;
	} catch (cause) {
		throw new TokenKeeperError('DPOP_KEY_UNAVAILABLE', `DPoP: WebCrypto here makes no ${alg} key`, { cause });
	}
	// The public half of a pair is always exportable, whatever `extractable` says, and needs no usage to be (WebCrypto
	// generateKey: it gets the asked usages that fit it, none here).
	const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
	// The required members only, in lexicographic order (JSON leaves out an OKP key's undefined `y`): the input of
	// the RFC 7638 thumbprint (section 3.2; RFC 8037 section 2 for OKP), and, parsed, the header's `jwk`.
	const json = JSON.stringify({ crv, kty, x, y });
	return { alg, privateKey: pair.privateKey, jwk: JSON.parse(json) as DPoPPublicJwk, thumbprint: await sha256(json) };
}

/**
 * Why a stored record or a tab message holds no key that can sign any more (storage wiped, a JSON storage that kept
 * `{}` of the `CryptoKey`, an older record): `DPOP_KEY_UNAVAILABLE`; `undefined` when it is a key.
 *
 * @example
 * const error = lostDPoPKey(await get('session').then((s) => s?.key));
 */
// `key` is whatever was stored or received (typed by what it should hold): a CryptoKey that JSON flattened is `{}`,
// no `type`. No instanceof, so that a page without WebCrypto (no CryptoKey global) gets this error too.
export const lostDPoPKey = (key: Partial<DPoPKey> | null | undefined): TokenKeeperError | undefined =>
	key?.privateKey?.type === 'private' && Object.hasOwn(ALGORITHM, key.alg as string) && key.jwk?.x && typeof key.thumbprint === 'string'
		? undefined
		: new TokenKeeperError('DPOP_KEY_UNAVAILABLE', 'DPoP: key gone');
