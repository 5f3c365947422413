import { del, get, set } from 'idb-keyval';
import { TokenKeeperError } from '../errors.js';
import { ALGORITHM, type DPoPAlgorithm, type DPoPKey, generateDPoPKey, lostDPoPKey } from './key.js';
import { type DPoPNonces, learnNonce } from './nonces.js';
import { athOf, createDPoPProof } from './proof.js';
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
	// The keeper's binding (see DPoPBinding), made once per keeper over its fetch.
	return (fetch, storage) => {
		// RegExp.prototype.test reads any value as a string
		if (/Storage$/.test(storage as string)) throw new TypeError(`dpop: ${storage} cannot keep a CryptoKey: use 'indexeddb' or 'memory'`);
		const nonces: DPoPNonces = new Map();
		/** The server's clock minus ours (ms), from the `Date` of its latest answer. */
		let skew = 0;
		/** The answers to nonce retries. */
		const retriedAnswers = new WeakSet<Response>();
		const refuse = (message: string): never => {
			throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', `DPoP: ${message}`);
		};
		const newKey = () => generateDPoPKey(algorithm);
		/**
		 * Sends with a fresh proof, and once more with another on a nonce challenge; every answer's nonce and `Date` are
		 * learned first. Without `ath` it is a token endpoint call (RFC 9449 sections 5 and 8), else a resource's
		 * (sections 7 and 9). `htm` is the method as fetch sends it: a Request normalises it (`post` but not `patch`).
		 */
		async function withProof(key: DPoPKey, method: string, url: string, send: (proof: string) => Promise<Response>, ath?: Promise<string>, retried?: boolean): Promise<Response> {
			const response = await send(await createDPoPProof(key, new Request(url, { method }).method, url, ath, Date.now() + skew, nonces));
			if (retried) retriedAnswers.add(response);
			// The server stamped its Date, to the second and rounded down, before we read the answer: its clock minus ours is
			// at least that Date minus now, and within a second and the time on the way above it. The lower bound: an iat
			// never ahead of the server's clock. No Date: Date.parse('null') is NaN, and the last estimate stays (so it does
			// for a difference of exactly 0 ms: either is such a lower bound).
			skew = Date.parse(response.headers.get('date') as string) - Date.now() || skew;
			// a resource's answer when there is an access token; the answer to the retry is final, whatever it says
			if (!(await learnNonce(nonces, url, response, ath)) || retried) return response;
			void response.body?.cancel().catch(() => undefined);
			return withProof(key, method, url, send, ath, true);
		}
		const tokenFetch =
			(key: DPoPKey): typeof globalThis.fetch =>
			async (input, init) => {
				// fetch's own reading of the call: its method normalised, its URL absolute. A GET (discovery) goes as it is.
				const request = new Request(input, init);
				if (request.method !== 'POST') return fetch(input, init);
				// a body is read by a send: each send gets its own clone of the untouched original; the init's other fields
				// (undici's dispatcher, a framework's cache option) go along
				return withProof(key, 'POST', request.url, (proof) => fetch(request.clone(), { ...init, body: null, headers: [...request.headers, ['dpop', proof]] })); // a null body keeps the clone's
			};

		return {
			newKey,
			binds(tokenType, claims, key) {
				// RFC 6749 section 5.1: token_type is case-insensitive.
				const type = `${tokenType}`.toLowerCase();
				const jkt = (claims?.cnf as { jkt?: unknown } | undefined)?.jkt;
				// not bound under allowBearer: the keeper then takes a Bearer answer, and refuses any other type
				if (type !== 'dpop') return !allowBearer && refuse(`token_type ${type} refused (allowBearer accepts Bearer)`);
				return jkt === undefined || jkt === key.thumbprint || refuse('cnf.jkt names another key');
			},
			lost: lostDPoPKey,
			// The keys of redirect logins, from the redirect to the callback a page load later: IndexedDB holds a CryptoKey
			// as it is (idb-keyval's own database, under the name the redirect login's state has in sessionStorage). Without
			// IndexedDB the callback finds no key.
			redirect(name, start) {
				const id = `tokenkeeper:${name}:redirect`;
				/** The key of the code exchange under way. */
				let exchangeKey: DPoPKey | undefined;
				return {
					async newDPoPKey() {
						const key = await newKey();
						await set(id, key);
						return key.thumbprint;
					},
					async dpopExchange() {
						// one callback per login: the key is deleted once read
						const record = await get(id)
							.finally(() => del(id).catch(() => undefined))
							.catch(() => undefined);
						const lost = lostDPoPKey(record as DPoPKey | undefined);
						if (lost) throw lost;
						exchangeKey = record as DPoPKey;
						return tokenFetch(exchangeKey);
					},
					startSession: (answer) => start(answer, exchangeKey),
				};
			},
			final: (response) => retriedAnswers.has(response),
			tokenFetch,
			send: (grant, method, url, send) => withProof(grant.key, method, url, (proof) => send(`DPoP ${grant.token}`, proof), athOf(grant)),
		};
	};
}
