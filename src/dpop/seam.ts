import type { RedirectContext, TokenKeeperError } from 'tokenkeeper'; // by the package's name, as the core names these types
import type { DPoPKey } from './key.js';

/**
 * What `dpop()` gives the keeper's `dpop` option: opaque to an app, which only passes it on. The keeper calls it
 * once, at creation, over its fetch and its `storage` option (JSON storages cannot hold a `CryptoKey`: a
 * `TypeError` then), and gets the {@link DPoPBinding} its token and request paths call.
 *
 * @example
 * const binding = options.dpop?.(fetch, options.storage);
 */
export type DPoP = (fetch: typeof globalThis.fetch, storage?: unknown) => DPoPBinding;

/** A bound token as the keeper hands it to requests, one object for as long as the token is current. */
export interface DPoPGrant {
	readonly token: string;
	/** The key the token is bound to. */
	readonly key: DPoPKey;
}

/**
 * Everything of DPoP (RFC 9449) that needs no session, behind the few calls the keeper makes: the keys, the proofs
 * (a fresh one per send), the nonces learned from every answer (one per origin), the one nonce retry, and `iat` in
 * the server's clock. The keeper owns the key's life (storage, tabs, login, logout); this owns the cryptography,
 * the nonces and the reading of challenges.
 *
 * Integration plan: where the keeper calls each member.
 *
 * 1. Login (password grant, `loginWithRedirect`): `newKey()` first, every login, never reusing the
 *    last session's key; its `DPOP_KEY_UNAVAILABLE` rejects the login before any request is sent.
 *    (`setTokens` cannot take a DPoP set obtained elsewhere: its key is not here.) `loginWithRedirect` sends
 *    `dpop_jkt` (section 10) and keeps the key until the callback, which exchanges the code with a proof of that
 *    same key (`redirect`). The key is stored with the token set, in the same write (IndexedDB: the record as it
 *    is; memory: in memory, and inside the tab channel's session message). A set whose key write failed is not a session.
 * 2. Every token endpoint call, every grant (code exchange, refresh, password; section 5) goes through
 *    `tokenFetch(key)`. The answer goes through `binds` (only a `'DPoP'` set is bound, and the set records that it
 *    is; a `Bearer` set under `allowBearer` is sent as Bearer, no proof). Revocation (RFC 7009) needs no proof.
 * 3. The request path, to trusted origins only, with a bound token: each attempt (the first, the replay after a
 *    401 refresh) through `send`, which makes the proof and the nonce retry. An untrusted origin gets neither. A
 *    bound token without its key is never sent as Bearer. (Across origins the browser shows the nonce only when the
 *    server sends `Access-Control-Expose-Headers: DPoP-Nonce, WWW-Authenticate`, and allows the `DPoP` and
 *    `Authorization` request headers: the README's server checklist.)
 * 4. Restoring (start-up, a tab message, the refresh flow re-reading storage): a stored DPoP set goes through
 *    `lost(record.dpop)`; its `DPOP_KEY_UNAVAILABLE` error ends the session: emit it, then a `logout`, clear the
 *    stored set; no refresh with a new key (the refresh token is bound to the old one).
 * 5. Logout (any reason, any tab): the key is deleted with the tokens, and that delete awaited before the logout
 *    resolves or is broadcast; the other tabs drop their copy on the logout message.
 */
export interface DPoPBinding {
	/**
	 * A new non-extractable key pair; `DPOP_KEY_UNAVAILABLE` where WebCrypto cannot make one.
	 *
	 * @example
	 * const key = await binding.newKey(); // at every login
	 */
	newKey(): Promise<DPoPKey>;
	/**
	 * Whether a token response binds its set to `key`: its `token_type` is `DPoP` (case-insensitive), and the access
	 * token's `cnf.jkt`, when it is a JWT that has one, is the key's thumbprint (section 6.1; else
	 * `INVALID_TOKEN_RESPONSE`). `false` for a `Bearer` answer under `allowBearer`; any other answer is
	 * `INVALID_TOKEN_RESPONSE`.
	 *
	 * @example
	 * const bound = binding.binds(body.token_type, decodeClaims(body.access_token), key);
	 */
	binds(tokenType: unknown, claims: Readonly<Record<string, unknown>> | null, key: DPoPKey): boolean;
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
	 * const response = await binding.send(grant, 'GET', url, (authorization, proof) => fetch(url, { headers: { authorization, dpop: proof } }));
	 */
	send(grant: DPoPGrant, method: string, url: string, send: (authorization: string, proof: string) => Promise<Response>): Promise<Response>;
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
	 * The redirect login's DPoP part of its context (RFC 9449 section 10): a key per login, kept until the callback,
	 * whose code exchange is signed with it; the session it starts (through `start`) is bound to it.
	 *
	 * @example
	 * const context = { ...base, ...binding.redirect('default', startSession) };
	 */
	redirect(
		name: string,
		start: (answer: Parameters<RedirectContext['startSession']>[0], key?: DPoPKey) => ReturnType<RedirectContext['startSession']>,
	): Pick<RedirectContext, 'newDPoPKey' | 'dpopExchange' | 'startSession'>;
}
