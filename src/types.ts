import type { JwtPayload } from 'jwt-decode';
import type { DPoP } from 'tokenkeeper/dpop'; // by the package's name: the types of the entries share no chunk
import type { TokenKeeperError } from './errors.js';

/**
 * What a token endpoint answers: the OAuth 2.0 JSON shape (RFC 6749 section 5.1).
 * camelCase names (`accessToken`, `refreshToken`, `expiresIn`, `tokenType`, `idToken`) are accepted too.
 *
 * @example
 * auth.setTokens({ access_token: 'eyJ…', refresh_token: 'r1', expires_in: 300, token_type: 'Bearer' });
 */
export interface TokenResponse {
	access_token?: string;
	refresh_token?: string;
	expires_in?: number | string;
	token_type?: string;
	scope?: string;
	id_token?: string;
	accessToken?: string;
	refreshToken?: string;
	expiresIn?: number | string;
	tokenType?: string;
	idToken?: string;
}

/** The claims of a decoded JWT access token. */
export type Claims = JwtPayload & Record<string, unknown>;

/**
 * Where the SDK stands: signed in, or not (yet). Read it with `auth.session`; it is a new frozen object
 * after every change. Narrow on `status` to reach the token:
 *
 * @example
 * const session = auth.session;
 * if (session.status === 'authenticated') {
 *   session.accessToken; // string
 *   session.claims?.sub; // claims are null for an opaque (non-JWT) token
 * } else {
 *   session.accessToken; // null
 * }
 */
export type Session = AuthenticatedSession | SignedOutSession;

/** A session with an access token. */
export interface AuthenticatedSession {
	readonly status: 'authenticated';
	/** The current access token. */
	readonly accessToken: string;
	/**
	 * When the access token expires, in the local clock (ms since epoch), corrected for server clock skew.
	 * `null` only when the server gave no expiry at all (no `exp`, no `expires_in`): then the token is used until a 401.
	 */
	readonly expiresAt: number | null;
	/** The decoded claims of a JWT access token; `null` only for an opaque (non-JWT) token. */
	readonly claims: Claims | null;
	/** Granted scopes, from the token response's `scope` or the token's `scope`/`scp` claim. */
	readonly scopes: readonly string[];
}

/** No session: `loading` until stored tokens are read, then `unauthenticated` until a login. */
export interface SignedOutSession {
	readonly status: 'loading' | 'unauthenticated';
	readonly accessToken: null;
	readonly expiresAt: null;
	readonly claims: null;
	/** Always empty. */
	readonly scopes: readonly string[];
}

/** What caused a refresh. */
export type RefreshTrigger = 'timer' | 'request' | 'unauthorized' | 'manual';

/** Why a session ended. */
export type LogoutReason = 'user' | 'expired' | 'revoked' | 'other-tab';

/** A page event that made the SDK check its token (timers do not run in sleeping or frozen tabs). */
export type WakeEvent = 'visibilitychange' | 'online' | 'pageshow';

/** An event, as passed to `auth.subscribe` listeners. Every event has `at` (ms since epoch, local clock). */
export type AuthEvent =
	| { readonly type: 'login'; readonly at: number }
	| {
			readonly type: 'refresh';
			readonly at: number;
			readonly trigger: RefreshTrigger;
			/** `true` when the new token came from another tab (through storage) instead of the refresh endpoint. */
			readonly adopted: boolean;
			/** For `trigger: 'timer'`: the page event that found the token due, when it was not the timer itself. */
			readonly wakeEvent?: WakeEvent;
	  }
	| {
			readonly type: 'logout';
			readonly at: number;
			readonly reason: LogoutReason;
			/** The refresh error that ended the session, for `expired` and `revoked`. */
			readonly error?: TokenKeeperError;
	  }
	| {
			readonly type: 'sync';
			readonly at: number;
			/** `storage`: read at start-up; `other-tab`: another tab logged in or refreshed. */
			readonly source: 'storage' | 'other-tab';
	  }
	| {
			readonly type: 'error';
			readonly at: number;
			readonly error: TokenKeeperError;
			/** When the SDK retries by itself: in how many milliseconds. */
			readonly retryInMs?: number;
			/** The refresh trigger, when the error came from a refresh. */
			readonly trigger?: RefreshTrigger;
	  };

/** Listener for `auth.subscribe`. */
export type Listener = (session: Session, event: AuthEvent) => void;

/**
 * Where tokens are kept. Any object with these methods works (sync or async).
 * Values are plain objects (structured-cloneable); an adapter for a string store must serialise them.
 *
 * @example
 * const storage: StorageAdapter = {
 *   get: (key) => myVault.read(key),
 *   set: (key, value) => myVault.write(key, value),
 *   delete: (key) => myVault.remove(key),
 * };
 */
export interface StorageAdapter {
	get(key: string): unknown;
	set(key: string, value: unknown): void | Promise<void>;
	delete(key: string): void | Promise<void>;
	/** Optional atomic read-modify-write; used to replace a rotated token set safely. */
	update?(key: string, updater: (current: unknown) => unknown): void | Promise<void>;
}

/** What an endpoint function gets. Pass `signal` to your fetch: it aborts on logout and on timeout. */
export interface EndpointContext {
	readonly signal: AbortSignal;
	/** The `fetch` the keeper was configured with. */
	readonly fetch: typeof globalThis.fetch;
}

/**
 * An endpoint function may answer a token response, or a `Response` (then its status, JSON body,
 * `Retry-After` and `Date` headers are read for you).
 */
export type TokenResult = TokenResponse | Response;

/** Credentials for `auth.login`: whatever your login endpoint takes, as JSON. */
export type Credentials = Record<string, unknown>;

/** Endpoint functions, for servers that do not take the default JSON bodies. */
export interface EndpointFunctions {
	/** @example login: ({ credentials, signal }) => fetch('/login', { method: 'POST', body: JSON.stringify(credentials), signal }) */
	login?: ((context: EndpointContext & { readonly credentials: Credentials }) => Promise<TokenResult>) | undefined;
	/** @example refresh: ({ refreshToken, signal }) => myClient.refresh(refreshToken, { signal }) */
	refresh?: ((context: EndpointContext & { readonly refreshToken: string }) => Promise<TokenResult>) | undefined;
	/** Revocation at logout (best effort); a `Response` that is not ok counts as a failure. @example logout: ({ refreshToken }) => myClient.revoke(refreshToken) */
	logout?: ((context: EndpointContext & { readonly refreshToken: string | undefined; readonly accessToken: string }) => Promise<unknown>) | undefined;
}

/**
 * The auth endpoints: a URL (resolved against `apiUrl`, JSON bodies) or a function each.
 *
 * @example
 * endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' }
 */
export interface Endpoints {
	/** POST JSON credentials, answers a token response. */
	login?: string | NonNullable<EndpointFunctions['login']>;
	/** POST `{ refresh_token }`, answers a token response. */
	refresh?: string | NonNullable<EndpointFunctions['refresh']>;
	/** POST `{ refresh_token }` at logout to revoke it. Optional; failures are reported, never block the logout. */
	logout?: string | NonNullable<EndpointFunctions['logout']>;
}

/** Options of `auth.loginWithRedirect`. */
export interface LoginWithRedirectOptions {
	/**
	 * Scopes for this login, instead of the preset's.
	 * @example scope: 'openid profile offline_access'
	 */
	scope?: string;
	/**
	 * The OpenID Connect `prompt`.
	 * @example prompt: 'login'
	 */
	prompt?: string;
	/**
	 * More parameters for the authorization request.
	 * @example params: { login_hint: 'alice@example.com', ui_locales: 'fr' }
	 */
	params?: Record<string, string>;
	/**
	 * Anything JSON: given back by `handleRedirectCallback` (where to return to, say).
	 * @example appState: { returnTo: '/orders' }
	 */
	appState?: unknown;
	/**
	 * How to go to the server. Default: `location.assign(url)`.
	 * @example openUrl: (url) => window.location.replace(url)
	 */
	openUrl?: (url: string) => void | Promise<void>;
}

/** Options of `auth.logout`. */
export interface LogoutOptions {
	/**
	 * After the local logout, end the server's own session too (OpenID Connect RP-Initiated Logout), then come back here.
	 * Needs an end-session endpoint, given or discovered.
	 * @example returnTo: 'https://app.example.com/'
	 */
	returnTo?: string;
	/**
	 * How to go to the server. Default: `location.assign(url)`.
	 * @example openUrl: (url) => window.location.replace(url)
	 */
	openUrl?: (url: string) => void | Promise<void>;
}

/**
 * What a keeper lends its redirect login: part of the redirect-login extension seam (see {@link RedirectLogin}).
 *
 * @example
 * // inside a RedirectLogin's handleRedirectCallback(url, context):
 * const answer = { body: await response.json(), receipt: { sentAt, receivedAt: Date.now() } };
 * const session = await context.startSession(answer);
 */
export interface RedirectContext {
	readonly name: string;
	readonly fetch: typeof globalThis.fetch;
	/** A signal aborted after the keeper's `timeout`, or when the keeper is destroyed. */
	timed(): AbortSignal;
	/** Settles once the keeper has loaded its stored tokens. */
	readonly ready: Promise<void>;
	/** Starts a session with a token endpoint's answer, as `login()` does; throws `INVALID_TOKEN_RESPONSE` for an unusable one. */
	startSession(answer: { readonly body: unknown; readonly receipt: { readonly sentAt: number; readonly receivedAt: number; readonly serverDate?: number | undefined } }): Promise<Session>;
	/** Reports a failure as an `error` event. */
	reportError(error: TokenKeeperError): void;
	/**
	 * With the `dpop` option: a new DPoP key for this login, kept until the callback; resolves to its RFC 7638
	 * thumbprint, the authorization request's `dpop_jkt` (RFC 9449 section 10).
	 * @example if (context.newDPoPKey) url.searchParams.set('dpop_jkt', await context.newDPoPKey());
	 */
	newDPoPKey?(): Promise<string>;
	/**
	 * With the `dpop` option: the fetch of the code exchange, with proofs of the key {@link newDPoPKey} kept; the next
	 * `startSession` binds the tokens to it. `DPOP_KEY_UNAVAILABLE` when the key is gone.
	 * @example const fetch = (await context.dpopExchange?.()) ?? context.fetch;
	 */
	dpopExchange?(): Promise<typeof globalThis.fetch>;
}

/**
 * The redirect-login extension seam: what stands behind `auth.loginWithRedirect`, `auth.handleRedirectCallback`
 * and `auth.logout({ returnTo })`. `oauth2()` provides the standard one (authorization code with PKCE, RFC 9700);
 * implement it only for a flow that is not that one (a popup, a native shell's own browser), passed as the
 * `redirectLogin` option. It is public and kept stable for that reason; an implementation must check its own
 * answers (state, issuer, ID token) before calling `context.startSession`, as `oauth2()`'s does.
 *
 * @example
 * const popupLogin: RedirectLogin = {
 *   async loginWithRedirect(options, context) { window.open(myAuthorizeUrl(options)); },
 *   async handleRedirectCallback(url, context) {
 *     const answer = await myCodeExchange(url, context.fetch, context.timed());
 *     return { session: await context.startSession(answer), appState: undefined };
 *   },
 *   async endSession() {},
 * };
 * createTokenKeeper({ redirectLogin: popupLogin, endpoints: { refresh: myRefresh } });
 */
export interface RedirectLogin {
	loginWithRedirect(options: LoginWithRedirectOptions, context: RedirectContext): Promise<void>;
	handleRedirectCallback(url: string, context: RedirectContext): Promise<{ session: Session; appState: unknown }>;
	/** After the local logout: with `returnTo`, ends the server's session when an end-session endpoint is known. */
	endSession(options: LogoutOptions, idToken: string | undefined, context: RedirectContext): Promise<void>;
}

/** Options of `createTokenKeeper`. Every one is optional. */
export interface TokenKeeperOptions {
	/**
	 * Prefix of the ky client (`createApi` from `tokenkeeper/ky`); its origin receives the token. Endpoint paths are resolved against it.
	 * @example apiUrl: 'https://api.example.com/v1'
	 */
	apiUrl?: string;
	/**
	 * The auth endpoints (see {@link Endpoints}), or spread `oauth2({ … })` into the options instead.
	 * @example endpoints: { login: '/auth/login', refresh: '/auth/refresh' }
	 */
	endpoints?: Endpoints;
	/**
	 * Where tokens live. Default: `'indexeddb'` in browsers (falls back to `'memory'` with an `error` event
	 * when IndexedDB is unusable), `'memory'` where there is no IndexedDB (Node, SSR, some workers).
	 * @example storage: 'sessionStorage'
	 */
	storage?: 'indexeddb' | 'localStorage' | 'sessionStorage' | 'memory' | StorageAdapter;
	/**
	 * Namespaces storage keys, the tab channel and the Web Lock, so several keepers can share an origin. Default `'default'`.
	 * @example name: 'admin'
	 */
	name?: string;
	/**
	 * Extra origins that may receive the token. The page's origin and `apiUrl`'s origin always may.
	 * @example trustedOrigins: ['https://files.example.com']
	 */
	trustedOrigins?: readonly string[];
	/**
	 * How long before expiry (ms) to refresh. Default: a fifth of the token's lifetime, at most 60 s.
	 * Requests keep using the old token while that refresh runs, until 5 s (or `refreshBefore`, if smaller) before expiry.
	 * @example refreshBefore: 120_000
	 */
	refreshBefore?: number;
	/**
	 * Share tokens, refreshes and logout with the other tabs of this origin (BroadcastChannel and Web Locks).
	 * Default `true` in pages and workers, `false` elsewhere (a server rendering for many users must not share their tokens).
	 * @example crossTab: false
	 */
	crossTab?: boolean;
	/**
	 * Timeout for calls to the auth endpoints, in ms. Default 10 000. A tab waits for another tab's refresh at most this plus 2 s.
	 * @example timeout: 5_000
	 */
	timeout?: number;
	/**
	 * The `fetch` to use for every call. Default: `globalThis.fetch`, looked up at call time (so mocks installed later work).
	 * @example fetch: (input, init) => window.fetch(input, init)
	 */
	fetch?: typeof globalThis.fetch;
	/**
	 * The redirect login behind `loginWithRedirect` (see {@link RedirectLogin}, the extension seam). Usually set by
	 * spreading `oauth2({ … })` into the options.
	 * @example redirectLogin: oauth2({ issuer, clientId }).redirectLogin
	 */
	redirectLogin?: RedirectLogin;
	/**
	 * Sender-constrained tokens (DPoP, RFC 9449): `dpop()` from `tokenkeeper/dpop`. Tokens are bound to a key made at
	 * each login that cannot leave the browser; every token endpoint call and every request with a bound token
	 * carries a fresh proof. Needs a storage that holds a `CryptoKey` (`'indexeddb'`, `'memory'`): with
	 * `'localStorage'` or `'sessionStorage'` the keeper throws a `TypeError` at creation.
	 * @example
	 * import { dpop } from 'tokenkeeper/dpop';
	 * createTokenKeeper({ ...oauth2({ issuer, clientId }), apiUrl, dpop: dpop() });
	 */
	dpop?: DPoP;
}

/** The object `createTokenKeeper` returns. */
export interface TokenKeeper {
	/** Settles once stored tokens are loaded. Never rejects. */
	readonly ready: Promise<void>;
	/** The current session; a new object after every change (safe for `useSyncExternalStore`). */
	readonly session: Session;
	/** POSTs the credentials to the login endpoint, stores the tokens, tells other tabs. */
	login(credentials: Credentials): Promise<Session>;
	/** Starts a session with tokens obtained elsewhere (SSR, a redirect flow). */
	setTokens(response: TokenResponse): Promise<Session>;
	/** Drop-in `fetch` that attaches the token to trusted origins, refreshes when due and replays once after a 401. */
	fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
	/** A valid access token (refreshing first when due), or `null` when signed out. */
	getAccessToken(): Promise<string | null>;
	/** Refreshes now. Concurrent calls share one refresh. */
	refresh(): Promise<Session>;
	/** Calls `listener(session, event)` on every change. Returns the unsubscribe function. */
	subscribe(listener: Listener): () => void;
	/** Ends the session here and in every tab; revokes the refresh token when an endpoint is configured; with `returnTo`, ends the server's session too. */
	logout(options?: LogoutOptions): Promise<void>;
	/** Starts a login at the OAuth 2.0 server (authorization code with PKCE): navigates away. Needs `oauth2()`. */
	loginWithRedirect(options?: LoginWithRedirectOptions): Promise<void>;
	/** On the page the server sent the browser back to: checks the answer, exchanges the code, stores the tokens. */
	handleRedirectCallback(url?: string): Promise<{ session: Session; appState: unknown }>;
	/** Stops timers, listeners and channels. */
	destroy(): void;
}
