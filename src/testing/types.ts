// The test kit's public types: the mock server's options, its answers and its members.
import type { RequestHandler } from 'msw';
import type { Session, TokenKeeper, TokenKeeperOptions } from 'tokenkeeper';
import type { MockDPoPOptions } from './dpop.js';
import type { FaultRule, FaultTarget } from './faults.js';
import type { ListenOptions, RunningServer } from './http-server.js';

/** Options of the mock auth server. */
export interface MockAuthServerOptions {
	/**
	 * Origin of every route, or `'*'` for any (handy over HTTP on a port chosen at start). Default `'https://api.example.com'`.
	 * @example origin: 'http://127.0.0.1:4000'
	 */
	origin?: string;
	/**
	 * Access-token lifetime in seconds. Default 300.
	 * @example accessTokenTtl: 10
	 */
	accessTokenTtl?: number;
	/**
	 * Refresh-token lifetime in seconds (each rotation starts it again). Default 86 400.
	 * @example refreshTokenTtl: 3600
	 */
	refreshTokenTtl?: number;
	/**
	 * The server clock's offset from this machine's clock (ms). Default 0.
	 * @example clockOffsetMs: 2 * 3600_000 // the server is two hours ahead
	 */
	clockOffsetMs?: number;
	/**
	 * Users, name to password. Default `{ alice: 'wonderland' }`.
	 * @example users: { bob: 'builder' }
	 */
	users?: Record<string, string>;
	/**
	 * The scope granted when none is asked for. Default `'read write'`.
	 * @example scope: 'api'
	 */
	scope?: string;
	/**
	 * OAuth 2.0 clients: public ones without a secret. Default `{ spa: {}, backend: { secret: 's3cret' } }`.
	 * @example clients: { web: {} }
	 */
	clients?: Record<string, { secret?: string }>;
	/**
	 * The HS256 key of the access tokens. Default `'test-secret'`.
	 * @example secret: 'another-secret'
	 */
	secret?: string;
	/**
	 * Speak DPoP (RFC 9449): a token request with a proof gets `token_type: DPoP` tokens bound to its key (`cnf.jkt`),
	 * refresh tokens are bound to it too, and `/me`, `/echo`, `verify` and `protect` check the proofs of bound tokens
	 * (signature, `htm`, `htu`, `iat` in the server's clock, `jti` replay, `ath`, the key, the nonce).
	 * @example dpop: { nonce: { rotateEvery: 2 } }
	 */
	dpop?: MockDPoPOptions;
}

/** An OAuth 2.0 token response, as the mock issues it. */
export interface IssuedTokens {
	access_token: string;
	refresh_token: string;
	token_type: 'Bearer' | 'DPoP';
	expires_in: number;
	/** Seconds the refresh token lives, as Keycloak and others say it. */
	refresh_expires_in: number;
	scope: string;
}

/** Calls the server handled (faulted calls are not counted). */
export interface CallCounts {
	login: number;
	refresh: number;
	revoke: number;
	resource: number;
}

/** What `verify` found: the token's claims, or the 401 answer to give. */
export type Verified = { readonly ok: true; readonly claims: Record<string, unknown> } | { readonly ok: false; readonly response: Response };

/** The options `keeperOptions()` gives: a keeper that talks to this server in the JSON dialect, in memory, in one tab. */
export type MockKeeperOptions = Pick<TokenKeeperOptions, 'apiUrl' | 'endpoints' | 'storage' | 'crossTab'>;

/** The mock auth server: msw handlers plus the knobs and counters tests need. */
export interface MockAuthServer {
	/** The origin its `handlers` answer at (`'*'`: any). */
	readonly origin: string;
	/** msw handlers: `setupServer(...server.handlers)` or `setupWorker(...server.handlers)`. */
	readonly handlers: RequestHandler[];
	/**
	 * The same routes, over the same state, answering at another origin (or `'*'`).
	 * @example setupServer(...server.handlers, ...server.handlersFor('https://login.example.com'))
	 */
	handlersFor(origin: string): RequestHandler[];
	/**
	 * Checks a request's bearer token as `/me` does: its signature, its expiry by the server clock, its revocation
	 * (RFC 6750 section 3). Counts as a `resource` call.
	 * @example
	 * http.get('https://api.example.com/orders', async ({ request }) => {
	 *   const verified = await server.verify(request);
	 *   return verified.ok ? HttpResponse.json(ordersOf(verified.claims.sub)) : verified.response;
	 * });
	 */
	verify(request: Request): Promise<Verified>;
	/**
	 * Wraps an msw resolver so that it runs only for a valid token (else the 401 `/me` gives), with the token's `claims`;
	 * `resource` faults apply to it too.
	 * @example http.get('https://api.example.com/orders', server.protect(({ claims }) => HttpResponse.json(ordersOf(claims.sub))))
	 */
	protect<Info extends { request: Request }>(resolver: (info: Info & { claims: Record<string, unknown> }) => Response | Promise<Response>): (info: Info) => Promise<Response>;
	/**
	 * Options for `createTokenKeeper` that talk to this server (JSON dialect), with memory storage and no tab sync, so tests
	 * stay apart. With origin `'*'` the `apiUrl` is the page's origin.
	 * @example const auth = createTokenKeeper(server.keeperOptions());
	 */
	keeperOptions(): MockKeeperOptions;
	/**
	 * Signs `auth` in as `sub` (default: the first user) with fresh tokens from this server, as a login would; resolves to the session.
	 * @example await server.signIn(auth, { sub: 'bob' });
	 */
	signIn(auth: Pick<TokenKeeper, 'setTokens'>, options?: { sub?: string; scope?: string }): Promise<Session>;
	/**
	 * Serves this server over real HTTP on 127.0.0.1 (Node only), whatever its `origin`; `startMockHttpServer(server, options)`.
	 * @example const { url, close } = await server.listen();
	 */
	listen(options?: ListenOptions): Promise<RunningServer>;
	/** Calls handled so far, both dialects together. */
	readonly calls: Readonly<CallCounts>;
	/** How many times a spent refresh token was presented (each revoked its family). */
	readonly reuses: number;
	/** Every refresh token presented to a refresh, in order (with DPoP, an attempt refused for its proof or nonce has not used the token and is not listed). */
	readonly presented: readonly string[];
	/**
	 * The server clock (ms since epoch): this machine's clock plus the offset. Follows fake timers that fake `Date`.
	 * @example expect(auth.session.expiresAt).toBeLessThan(server.now() + 60_000)
	 */
	now(): number;
	setClockOffset(ms: number): void;
	setAccessTokenTtl(seconds: number): void;
	/**
	 * Injects a fault into the calls of `target`, `times` times (default: until `clearFaults`).
	 * @example server.fail('refresh', { status: 503, headers: { 'Retry-After': '5' } }, { times: 2 })
	 */
	fail(target: FaultTarget, rule: FaultRule, options?: { times?: number }): void;
	/**
	 * Removes every fault armed with `fail`, spent or not.
	 * @example server.fail('resource', 'network'); … server.clearFaults();
	 */
	clearFaults(): void;
	/** Revokes every refresh-token family and every access token issued so far. */
	revokeAll(): void;
	/** A fresh token set for `sub`, as if that user had logged in. */
	issueTokens(options?: { sub?: string; scope?: string }): Promise<IssuedTokens>;
	/**
	 * An authorization code for the OAuth 2.0 dialect, as `/oauth/authorize` would issue after a login: exchange it at
	 * `/oauth/token` with the PKCE verifier of `codeChallenge` (S256). Valid once, for 60 s. With `dpopJkt` (the
	 * authorization request's `dpop_jkt`), only a proof of that key exchanges it (RFC 9449 section 10).
	 * @example const code = await server.issueAuthorizationCode({ codeChallenge, redirectUri: 'https://app.test/callback' });
	 */
	issueAuthorizationCode(options: { codeChallenge: string; redirectUri: string; clientId?: string; sub?: string; scope?: string; dpopJkt?: string | undefined }): string;
	/** Signs any claims with the server's key (for tokens with odd claims). */
	signAccessToken(claims: Record<string, unknown>): Promise<string>;
	/**
	 * With the `dpop` option and nonces on: a new nonce, so that proofs with the old one get `use_dpop_nonce`.
	 * @example server.rotateDPoPNonce(); await auth.fetch(`${server.origin}/me`); // one nonce retry
	 */
	rotateDPoPNonce(): void;
	/** Back to the initial options: state, counters, faults, clock and lifetime. */
	reset(): void;
}
