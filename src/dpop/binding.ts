import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { RedirectContext, TokenKeeperError } from 'tokenkeeper'; // by the package's name, as the core names these types
import { type DPoPKey, restoreDPoPKey } from './key.js';
import { isNonceChallenge } from './nonces.js';
import type { DPoP } from './seam.js';

/**
 * What the keeper calls on its token and request paths, made once per keeper by {@link DPoP.bind} over the
 * keeper's fetch: the proofs (a fresh one per send), the nonces learned from every answer, the one nonce
 * retry, and `iat` in the server's clock.
 */
export interface DPoPBinding {
	/**
	 * The `context.fetch` of token endpoint calls: each POST carries a proof of `key` (RFC 9449 section 5), and
	 * a `400 use_dpop_nonce` is sent once more with a fresh proof (section 8). Other requests (discovery) go as they are.
	 *
	 * @example
	 * await login({ credentials, signal, fetch: binding.tokenFetch(key) });
	 */
	tokenFetch(key: DPoPKey): typeof globalThis.fetch;
	/**
	 * One attempt of a resource request with a bound token: `Authorization: DPoP <token>` and a fresh proof with
	 * `ath` (section 7), once more with a fresh proof on a `401 DPoP error="use_dpop_nonce"` (section 9).
	 * `url` is absolute (the request path resolved it); `method` as the request gives it.
	 *
	 * @example
	 * const response = await binding.send(key, token, 'GET', url, (authorization, proof) => fetch(url, { headers: { authorization, dpop: proof } }));
	 */
	send(key: DPoPKey, token: string, method: string, url: string, send: (authorization: string, proof: string) => Promise<Response>): Promise<Response>;
	/**
	 * Whether `response` answered a nonce retry: it is final, whatever it says (no refresh and replay for its 401).
	 *
	 * @example
	 * if (response.status === 401 && !binding.final(response)) replayAfterRefresh();
	 */
	final(response: Response): boolean;
	/**
	 * Why a stored or received set's key cannot sign (wiped, flattened by JSON): `DPOP_KEY_UNAVAILABLE`; else `undefined`.
	 *
	 * @example
	 * const lost = binding.lost(stored.dpop); // then end the session: its refresh token is bound to that key
	 */
	lost(record: unknown): TokenKeeperError | undefined;
	/**
	 * The redirect login's DPoP part of its context (RFC 9449 section 10): a key per login, kept until the callback.
	 *
	 * @example
	 * const context = { ...base, ...binding.redirect('default') };
	 */
	redirect(name: string): Pick<RedirectContext, 'newDPoPKey' | 'dpopExchange'>;
	/**
	 * The key of the code exchange under way, taken out: the session it starts is bound to it.
	 *
	 * @example
	 * startSession(answer, binding.takeExchangeKey());
	 */
	takeExchangeKey(): DPoPKey | undefined;
}

/**
 * The binding of `seam` over `fetch`; `storage` is the keeper's option (JSON storages cannot hold a `CryptoKey`).
 *
 * @example
 * const binding = bindDPoP(dpop(), fetch, 'indexeddb');
 */
export function bindDPoP(seam: DPoP, fetch: typeof globalThis.fetch, storage?: unknown): DPoPBinding {
	if (/Storage$/.test(String(storage))) throw new TypeError(`dpop: ${storage} cannot keep a CryptoKey: use 'indexeddb' or 'memory'`);
	/** The server's clock minus ours (ms), from the `Date` of its latest answer. */
	let skew = 0;
	/** The answers to nonce retries. */
	const retriedAnswers = new WeakSet<Response>();
	/** The key of the code exchange under way. */
	let exchangeKey: DPoPKey | undefined;
	// The keys of redirect logins, from the redirect to the callback a page load later: IndexedDB holds a CryptoKey as it
	// is (a database of their own, so the core's is left to the core). Without IndexedDB the callback finds no key.
	let store: UseStore | undefined;
	const logins = () => (store ??= createStore('tokenkeeper-dpop', 'logins'));
	/**
	 * Sends with a fresh proof, and once more with another on a nonce challenge; every answer's nonce and `Date` are
	 * learned first. Without `accessToken` it is a token endpoint call (RFC 9449 sections 5 and 8), else a resource's
	 * (sections 7 and 9). `htm` is the method as fetch sends it: a Request normalises it (`post` but not `patch`).
	 */
	async function withProof(key: DPoPKey, accessToken: string | undefined, method: string, url: string, send: (proof: string) => Promise<Response>, retried?: boolean): Promise<Response> {
		const response = await send(await seam.proof({ key, method: new Request(url, { method }).method, url, accessToken, now: Date.now() + skew }));
		if (retried) retriedAnswers.add(response);
		// The server stamped its Date, to the second and rounded down, before we read the answer: its clock minus ours is
		// at least that Date minus now, and within a second and the time on the way above it. The lower bound: an iat
		// never ahead of the server's clock.
		const date = Date.parse(response.headers.get('date') ?? '');
		if (date) skew = date - Date.now();
		seam.learnNonce(url, response);
		if (retried || !(await isNonceChallenge(response, accessToken ? 'resource' : 'token'))) return response;
		void response.body?.cancel().catch(() => undefined);
		return withProof(key, accessToken, method, url, send, true);
	}

	const binding: DPoPBinding = {
		lost(record) {
			try {
				restoreDPoPKey(record);
			} catch (error) {
				return error as TokenKeeperError;
			}
		},
		redirect(name) {
			const id = `tokenkeeper:${name}:dpop-login`;
			return {
				async newDPoPKey() {
					const key = await seam.newKey();
					await set(id, key, logins());
					return key.thumbprint;
				},
				async dpopExchange() {
					const record = await get(id, logins()).catch(() => undefined);
					await del(id, logins()).catch(() => undefined); // one callback per login
					exchangeKey = restoreDPoPKey(record);
					return binding.tokenFetch(exchangeKey);
				},
			};
		},
		takeExchangeKey() {
			const key = exchangeKey;
			exchangeKey = undefined;
			return key;
		},
		final: (response) => retriedAnswers.has(response),
		tokenFetch: (key) => async (input, init) => {
			// fetch's own reading of the call: its method normalised, its URL absolute. A GET (discovery) goes as it is.
			const request = new Request(input, init);
			if (request.method !== 'POST') return fetch(input, init);
			// a body is read by a send: each send gets its own clone of the untouched original; the init's other fields
			// (undici's dispatcher, a framework's cache option) go along
			return withProof(key, undefined, 'POST', request.url, (proof) => fetch(request.clone(), { ...init, body: null, headers: [...request.headers, ['DPoP', proof]] })); // a null body keeps the clone's
		},
		send: (key, token, method, url, send) => withProof(key, token, method, url, (proof) => send(`DPoP ${token}`, proof)),
	};
	return binding;
}
