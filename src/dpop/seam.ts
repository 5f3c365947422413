import type { DPoPBinding } from './binding.js';
import type { DPoPAlgorithm, DPoPKey } from './key.js';
import type { DPoPResponse } from './nonces.js';

/** A request a proof is made for; see {@link DPoP.proof}. */
export interface DPoPProofRequest {
	/** The key the session's tokens are bound to. */
	readonly key: DPoPKey;
	/** The request's method, as `Request.method` has it. */
	readonly method: string;
	/** The request's absolute URL (its query and fragment stay out of the proof). */
	readonly url: string | URL;
	/** The access token the request sends (resource requests): adds `ath`. Leave out on token endpoint calls. */
	readonly accessToken?: string | undefined;
	/** Now in the server's clock, milliseconds since the epoch: `Date.now()` plus the skew the keeper estimates. */
	readonly now: number;
}

/**
 * What `dpop()` gives the keeper: everything of DPoP (RFC 9449) that needs no session, behind the few
 * calls the keeper makes. The keeper owns the key's life (storage, tabs, login, logout); this owns the
 * cryptography, the nonces and the reading of challenges.
 *
 * Integration plan: where the keeper calls each member.
 *
 * 1. Login (password grant, `loginWithRedirect`): `newKey()` first, every login, never reusing the
 *    last session's key; its `DPOP_KEY_UNAVAILABLE` rejects the login before any request is sent.
 *    (`setTokens` cannot take a DPoP set obtained elsewhere: its key is not here.) `loginWithRedirect` sends `dpop_jkt=thumbprint(key)`
 *    (section 10) and keeps the key with the PKCE verifier until the callback, which exchanges the
 *    code with a proof of that same key. The key is stored with the token set, in the same write
 *    (IndexedDB: the record as it is; memory: in memory, and inside the tab channel's session message;
 *    localStorage/sessionStorage cannot hold a `CryptoKey`: keep the key in IndexedDB beside them, or
 *    refuse the combination at creation). A set whose key write failed is not a session.
 * 2. Every token endpoint call, every grant (code exchange, refresh, password; section 5): a header
 *    `DPoP: await proof({ key, method: 'POST', url: tokenEndpoint, now })`, no `accessToken`.
 *    The answer's `token_type` goes through `checkTokenType` (throws `INVALID_TOKEN_RESPONSE` for a
 *    Bearer answer unless `allowBearer`, and for an unknown type); only a `'DPoP'` set is bound, and
 *    the set records that it is (a `Bearer` set under `allowBearer` is sent as Bearer, no proof).
 *    When the access token is a JWT with `cnf.jkt` (section 6.1) that is not `thumbprint(key)`, the
 *    answer is `INVALID_TOKEN_RESPONSE` too. Revocation (RFC 7009) needs no proof.
 * 3. The request path, to trusted origins only, with a bound token: per attempt (the first, the
 *    replay after a 401 refresh, the nonce retry; never one proof for two sends, never in a network
 *    retry loop outside this call) `Authorization: DPoP <token>` and
 *    `DPoP: await proof({ key, method: request.method, url: request.url, accessToken, now })`,
 *    `now` being `Date.now()` corrected by the skew the keeper estimates from the server's `Date`.
 *    An untrusted origin gets neither. A bound token without its key is never sent as Bearer.
 * 4. After every answer, from the token endpoint and from resources alike:
 *    `learnNonce(url, response)`, before reading anything else of it. (Across origins the browser
 *    shows the header only when the server sends `Access-Control-Expose-Headers: DPoP-Nonce,
 *    WWW-Authenticate`, and allows the `DPoP` and `Authorization` request headers: the README's
 *    server checklist.)
 * 5. The nonce retry: `await isNonceChallenge(response, 'token' | 'resource')` true, and this attempt
 *    was not itself the nonce retry: send once more with a fresh proof (it carries the new nonce),
 *    the body replayed as for the 401 replay; its answer is final, whatever it says. On the request path
 *    a nonce challenge is not an expired token: no refresh for it. A refresh's nonce retry happens
 *    inside the single flight (under the tab lock).
 * 6. Restoring (start-up, a tab message, the refresh flow re-reading storage): a stored DPoP set goes
 *    with `restoreKey(record.key)`; its `DPOP_KEY_UNAVAILABLE` error ends the session: emit it, then a
 *    `logout`, clear the stored set; no refresh with a new key (the refresh token is bound to the old one).
 * 7. Logout (any reason, any tab): delete the key with the tokens and await that delete before the
 *    logout resolves or is broadcast; the other tabs drop their copy on the logout message.
 *
 * @example
 * const seam: DPoP = dpop();
 * const key = await seam.newKey();
 * const response = await fetch(url, { headers: { Authorization: `DPoP ${token}`, DPoP: await seam.proof({ key, method: 'GET', url, accessToken: token, now: Date.now() }) } });
 * seam.learnNonce(url, response);
 */
export interface DPoP {
	/** The algorithm of new keys. A restored key keeps the algorithm it was made with. */
	readonly algorithm: DPoPAlgorithm;
	/** Whether a `Bearer` answer to a DPoP token request is accepted (as an unbound set). */
	readonly allowBearer: boolean;
	/**
	 * A new non-extractable key pair; `DPOP_KEY_UNAVAILABLE` where WebCrypto cannot make one.
	 *
	 * @example
	 * const key = await seam.newKey(); // at every login
	 */
	newKey(): Promise<DPoPKey>;
	/**
	 * The key in a stored or received record; `DPOP_KEY_UNAVAILABLE` when it is not one.
	 *
	 * @example
	 * const key = seam.restoreKey(stored.key); // throws for a wiped or JSON-flattened record
	 */
	restoreKey(record: unknown): DPoPKey;
	/**
	 * The key's RFC 7638 thumbprint: `dpop_jkt`, and what a bound token's `cnf.jkt` must equal.
	 *
	 * @example
	 * authorizeUrl.searchParams.set('dpop_jkt', seam.thumbprint(key));
	 */
	thumbprint(key: DPoPKey): string;
	/**
	 * A fresh proof for one send, with the origin's latest nonce.
	 *
	 * @example
	 * headers.set('DPoP', await seam.proof({ key, method: request.method, url: request.url, accessToken, now: Date.now() + skewMs }));
	 */
	proof(request: DPoPProofRequest): Promise<string>;
	/**
	 * Remembers the `DPoP-Nonce` of an answer for its origin.
	 *
	 * @example
	 * seam.learnNonce(request.url, response);
	 */
	learnNonce(url: string | URL, response: Pick<Response, 'headers' | 'url'>): void;
	/**
	 * Whether the answer is a nonce challenge that carries a new nonce (one retry, never more).
	 *
	 * @example
	 * if (!retried && (await seam.isNonceChallenge(response, 'resource'))) return send(true);
	 */
	isNonceChallenge(response: DPoPResponse, where: 'token' | 'resource'): Promise<boolean>;
	/**
	 * `'DPoP'` or `'Bearer'` for a token response's `token_type`, or `INVALID_TOKEN_RESPONSE`.
	 *
	 * @example
	 * const bound = seam.checkTokenType(body.token_type) === 'DPoP';
	 */
	checkTokenType(tokenType: unknown): 'DPoP' | 'Bearer';
	/**
	 * Whether a token response binds its set to `key`: `checkTokenType` says `'DPoP'`, and the access token's
	 * `cnf.jkt`, when it is a JWT that has one, is the key's thumbprint (section 6.1; else `INVALID_TOKEN_RESPONSE`).
	 *
	 * @example
	 * const bound = seam.binds(body.token_type, decodeClaims(body.access_token), key);
	 */
	binds(tokenType: unknown, claims: Readonly<Record<string, unknown>> | null, key: DPoPKey): boolean;
	/**
	 * Steps 2-5 over the keeper's fetch: the token endpoint's `context.fetch` and the request path's sends
	 * (see {@link DPoPBinding}). The keeper calls it once, at creation.
	 *
	 * @example
	 * const binding = seam.bind(fetch, options.storage);
	 */
	bind(fetch: typeof globalThis.fetch, storage?: unknown): DPoPBinding;
}
