import { TokenKeeperError } from '../errors.js';
import { bindDPoP } from './binding.js';
import { ALGORITHM, type DPoPAlgorithm, generateDPoPKey, restoreDPoPKey } from './key.js';
import { isNonceChallenge } from './nonces.js';
import { createDPoPProof } from './proof.js';
import type { DPoP } from './seam.js';

/** Options of {@link dpop}. */
export interface DPoPOptions {
	/**
	 * The proofs' algorithm: `'ES256'` (default, every browser) or `'EdDSA'` (Ed25519, where WebCrypto
	 * has it; elsewhere the login fails with `DPOP_KEY_UNAVAILABLE`).
	 *
	 * @example
	 * dpop({ algorithm: 'EdDSA' })
	 */
	algorithm?: DPoPAlgorithm;
	/**
	 * Accept a `Bearer` answer to a DPoP token request, as an unbound session (RFC 9449 section 5 lets
	 * a server do that). Off by default: such an answer is `INVALID_TOKEN_RESPONSE`.
	 *
	 * @example
	 * dpop({ allowBearer: true }) // while the server's DPoP support rolls out
	 */
	allowBearer?: boolean;
}

/**
 * Sender-constrained tokens (RFC 9449): pass as the keeper's `dpop` option, and the tokens are bound to
 * a key that cannot leave the browser.
 *
 * @example
 * import { dpop } from 'tokenkeeper/dpop';
 * const auth = createTokenKeeper({ ...oauth2({ issuer, clientId, redirectUri }), apiUrl, dpop: dpop() });
 */
export function dpop({ algorithm = 'ES256', allowBearer = false }: DPoPOptions = {}): DPoP {
	if (!Object.hasOwn(ALGORITHM, algorithm)) throw new TypeError(`dpop: unknown algorithm ${algorithm}`);
	// The servers' nonces, one per origin (RFC 9449 sections 8 and 9: a nonce is its server's).
	const nonces = new Map<string, string>();
	const refuse = (message: string): never => {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', `DPoP: ${message}`);
	};
	const origin = (url: string | URL) => new URL(url).origin;
	const seam: DPoP = {
		algorithm,
		allowBearer,
		newKey: () => generateDPoPKey(algorithm),
		restoreKey: restoreDPoPKey,
		thumbprint: (key) => key.thumbprint,
		proof: (request) => createDPoPProof(request, nonces.get(origin(request.url))),
		learnNonce(url, response) {
			// The origin that sent it: the final URL of a redirected answer.
			const nonce = response.headers.get('DPoP-Nonce');
			if (nonce) nonces.set(origin(response.url || url), nonce);
		},
		isNonceChallenge,
		checkTokenType(tokenType) {
			// RFC 6749 section 5.1: token_type is case-insensitive.
			const type = String(tokenType).toLowerCase();
			return type === 'dpop' ? 'DPoP' : type === 'bearer' && allowBearer ? 'Bearer' : refuse(`token_type ${type} refused (allowBearer accepts Bearer)`);
		},
		binds(tokenType, claims, key) {
			const jkt = (claims?.cnf as { jkt?: unknown } | undefined)?.jkt;
			return seam.checkTokenType(tokenType) === 'DPoP' && (jkt === undefined || jkt === key.thumbprint || refuse('cnf.jkt names another key'));
		},
		bind: (fetch, storage) => bindDPoP(seam, fetch, storage),
	};
	return seam;
}
