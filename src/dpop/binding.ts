import { memoryAdapter } from '../storage/adapters.js';
import { indexedDbAdapter } from '../storage/indexeddb.js';
import { estimateSkew } from '../tokens.js';
import type { StorageAdapter } from '../types.js';
import type { DPoPKey } from './key.js';
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
	 *
	 * @example
	 * const response = await binding.send(key, token, 'GET', url, (authorization, proof) => fetch(url, { headers: { authorization, dpop: proof } }));
	 */
	send(key: DPoPKey, token: string, method: string, url: string, send: (authorization: string, proof: string) => Promise<Response>): Promise<Response>;
	/**
	 * A fresh proof for one send of a resource request with a bound token (for hooks that cannot retry by themselves).
	 *
	 * @example
	 * request.headers.set('DPoP', await binding.proof(key, token, request.method, request.url));
	 */
	proof(key: DPoPKey, token: string | undefined, method: string, url: string): Promise<string>;
	/**
	 * Whether `response` answered a nonce retry: it is final, whatever it says (no refresh and replay for its 401).
	 *
	 * @example
	 * if (response.status === 401 && !binding.final(response)) replayAfterRefresh();
	 */
	final(response: Response): boolean;
	/**
	 * Keeps the key of a redirect login until its callback, a page load later (IndexedDB holds the `CryptoKey` as
	 * it is; without IndexedDB, this page's memory).
	 *
	 * @example
	 * await binding.keepLoginKey('default', key); // then navigate to the authorization endpoint with dpop_jkt
	 */
	keepLoginKey(name: string, key: DPoPKey): Promise<void>;
	/**
	 * The key {@link keepLoginKey} kept, taken out (one callback per login); `DPOP_KEY_UNAVAILABLE` when it is gone.
	 *
	 * @example
	 * const key = await binding.takeLoginKey('default');
	 */
	takeLoginKey(name: string): Promise<DPoPKey>;
}

/** The methods fetch upper-cases (Fetch standard, "normalize a method"); others are sent as written, and `htm` must match. */
const NORMALISED = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
const normalise = (method: string) => (NORMALISED.includes(method.toUpperCase()) ? method.toUpperCase() : method);
const absolute = (url: string) => new URL(url, globalThis.location?.href).href;

/**
 * The binding of `seam` over `fetch`.
 *
 * @example
 * const binding = bindDPoP(dpop(), fetch);
 */
export function bindDPoP(seam: DPoP, fetch: typeof globalThis.fetch): DPoPBinding {
	/** The server's clock minus ours (ms), from the `Date` of its latest answer (the estimate the keeper makes for expiry). */
	let skew = 0;
	/** The answers to nonce retries. */
	const retriedAnswers = new WeakSet<Response>();
	const proof: DPoPBinding['proof'] = (key, accessToken, method, url) => seam.proof({ key, method: normalise(method), url: absolute(url), accessToken, now: Date.now() + skew });

	/** Sends once, and once more with a fresh proof on a nonce challenge; every answer's nonce and `Date` are learned first. */
	async function withProof(url: string, where: 'token' | 'resource', send: () => Promise<Response>): Promise<Response> {
		for (let retried = false; ; retried = true) {
			const sentAt = Date.now();
			const response = await send();
			if (retried) retriedAnswers.add(response);
			const date = Date.parse(response.headers.get('date') ?? '');
			if (Number.isFinite(date)) skew = estimateSkew(date, { sentAt, receivedAt: Date.now() });
			seam.learnNonce(absolute(url), response);
			if (retried || !(await seam.isNonceChallenge(response, where))) return response;
			void response.body?.cancel().catch(() => undefined);
		}
	}

	let pending: StorageAdapter | undefined;
	const logins = () => (pending ??= typeof indexedDB === 'undefined' ? memoryAdapter() : indexedDbAdapter(new AbortController().signal));
	const loginKey = (name: string) => `tokenkeeper:${name}:dpop-login`;

	return {
		proof,
		final: (response) => retriedAnswers.has(response),
		keepLoginKey: async (name, key) => logins().set(loginKey(name), key),
		async takeLoginKey(name) {
			const record = await logins().get(loginKey(name));
			await logins().delete(loginKey(name));
			return seam.restoreKey(record);
		},
		tokenFetch: (key) => (input, init) => {
			const request = input instanceof Request ? input : undefined;
			const method = init?.method ?? request?.method ?? 'GET';
			if (normalise(method) !== 'POST') return fetch(input, init);
			const url = request?.url ?? String(input);
			return withProof(url, 'token', async () => {
				const headers = new Headers(init?.headers ?? request?.headers);
				headers.set('DPoP', await proof(key, undefined, method, url));
				// a Request's body is read by a send: each send gets its own clone of the untouched original
				return fetch(request ? request.clone() : input, { ...init, headers });
			});
		},
		send: (key, token, method, url, send) => withProof(url, 'resource', async () => send(`DPoP ${token}`, await proof(key, token, method, url))),
	};
}
