import { http, HttpResponse, type RequestHandler } from 'msw';
import { createMockDPoPCheck } from './dpop.js';
import { applyFault, createFaults, type FaultTarget } from './faults.js';
import { startMockHttpServer } from './http-server.js';
import { hs256, randomToken, sha256 } from './jwt.js';
import type { CallCounts, IssuedTokens, MockAuthServer, MockAuthServerOptions, Verified } from './types.js';

interface Family {
	readonly sub: string;
	readonly scope: string;
	current: string;
	revoked: boolean;
	/** The DPoP key the family's tokens are bound to (RFC 9449 section 5). */
	readonly jkt?: string | undefined;
}

interface AuthorizationCode {
	readonly clientId: string;
	readonly redirectUri: string;
	readonly challenge: string;
	readonly sub: string;
	readonly scope: string;
	readonly expiresAt: number;
	used: boolean;
	family?: Family | undefined;
	/** The authorization request's `dpop_jkt` (RFC 9449 section 10): the exchange's proof must be of that key. */
	readonly dpopJkt?: string | undefined;
}

interface RefreshRecord {
	readonly family: Family;
	readonly expiresAt: number;
	spent: boolean;
}

type GrantResult = { tokens: IssuedTokens } | { error: string; description: string; status?: number } | { response: Response };

const CORS = {
	'access-control-allow-origin': '*',
	'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
	'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
	'access-control-expose-headers': 'WWW-Authenticate, Retry-After, Date, DPoP-Nonce',
};

/**
 * A mock auth server that behaves like a real one: HS256 JWT access tokens with `sub`, `scope`, `iat`,
 * `exp` and `jti`; refresh-token rotation with reuse detection (a spent token presented again revokes
 * its whole family); revocation; a skewable clock. It speaks two dialects over one state:
 * - JSON: `POST /auth/login` `{username, password}`, `POST /auth/refresh` `{refresh_token}`, `POST /auth/logout` `{refresh_token}`;
 * - OAuth 2.0: `POST /oauth/token` (`authorization_code` with PKCE, `password` and `refresh_token` grants, RFC 6749),
 *   `POST /oauth/revoke` (RFC 7009), `GET /oauth/authorize` (signs the first user in at once and redirects back with a code),
 *   `GET /oauth/logout` (RP-initiated logout) and `GET /.well-known/oauth-authorization-server` (RFC 8414).
 * Protected routes: `GET /me` and `/echo` (any method; echoes method, content type, body and Authorization).
 *
 * @example
 * const server = createMockAuthServer({ accessTokenTtl: 60 });
 * setupServer(...server.handlers).listen();
 * // … exercise the app …
 * expect(server.calls.refresh).toBe(1);
 * expect(server.reuses).toBe(0);
 */
export function createMockAuthServer(options: MockAuthServerOptions = {}): MockAuthServer {
	const origin = (options.origin ?? 'https://api.example.com').replace(/\/+$/, '');
	const users = options.users ?? { alice: 'wonderland' };
	const clients = options.clients ?? { spa: {}, backend: { secret: 's3cret' } };
	const defaultScope = options.scope ?? 'read write';
	const refreshTtl = (options.refreshTokenTtl ?? 86_400) * 1000;
	const jwt = hs256(options.secret ?? 'test-secret');
	const faults = createFaults();

	let clockOffset = options.clockOffsetMs ?? 0;
	let accessTtl = options.accessTokenTtl ?? 300;
	let calls: CallCounts = { login: 0, refresh: 0, revoke: 0, resource: 0 };
	let reuses = 0;
	let presented: string[] = [];
	let refreshTokens = new Map<string, RefreshRecord>();
	let issuedJtis: string[] = [];
	let revokedJtis = new Set<string>();
	let codes = new Map<string, AuthorizationCode>();

	const now = () => Date.now() + clockOffset;
	const dpop = options.dpop ? createMockDPoPCheck(options.dpop, now) : undefined;
	const base = () => ({ ...CORS, date: new Date(now()).toUTCString() });
	const headers = () => ({ ...base(), ...dpop?.headers() });
	/** A DPoP refusal, with the CORS headers every answer has. */
	const withBase = (response: Response) => {
		for (const [name, value] of Object.entries(base())) response.headers.set(name, value);
		return response;
	};
	/** The key a token request's proof binds to, or the refusal to answer with (no `dpop` option: none). */
	const proofOf = async (request: Request, boundTo?: string): Promise<{ response: Response } | { jkt: string | undefined }> => {
		const result = dpop ? await dpop.token(request, boundTo) : { jkt: undefined };
		return 'response' in result ? { response: withBase(result.response) } : { jkt: dpop?.binds ? result.jkt : undefined };
	};
	const json = (body: unknown, status = 200, extra: Record<string, string> = {}) => HttpResponse.json(body as Record<string, unknown>, { status, headers: { ...headers(), ...extra } });
	const oauthError = (error: string, description: string, status = 400) => json({ error, error_description: description }, status, { 'cache-control': 'no-store' });

	async function issue(family: Family): Promise<IssuedTokens> {
		const iat = Math.floor(now() / 1000);
		const jti = randomToken().slice(0, 16);
		issuedJtis.push(jti);
		const refreshToken = randomToken();
		family.current = refreshToken;
		refreshTokens.set(refreshToken, { family, expiresAt: now() + refreshTtl, spent: false });
		return {
			access_token: await jwt.sign({ sub: family.sub, scope: family.scope, iat, exp: iat + accessTtl, jti, ...(family.jkt && { cnf: { jkt: family.jkt } }) }),
			refresh_token: refreshToken,
			token_type: family.jkt ? 'DPoP' : 'Bearer',
			expires_in: accessTtl,
			refresh_expires_in: refreshTtl / 1000,
			scope: family.scope,
		};
	}

	const startFamily = (sub: string, scope = defaultScope, jkt?: string) => issue({ sub, scope, current: '', revoked: false, jkt });

	function revokeFamily(family: Family) {
		family.revoked = true;
	}

	async function passwordGrant(request: Request, username: unknown, password: unknown, scope?: string): Promise<GrantResult> {
		calls.login++;
		const proof = await proofOf(request);
		if ('response' in proof) return proof;
		if (typeof username !== 'string' || typeof password !== 'string') return { error: 'invalid_request', description: 'username and password are required' };
		if (users[username] !== password) return { error: 'invalid_grant', description: 'wrong username or password' };
		return { tokens: await startFamily(username, scope || undefined, proof.jkt) };
	}

	async function refreshGrant(request: Request, refreshToken: unknown): Promise<GrantResult> {
		calls.refresh++;
		if (typeof refreshToken !== 'string' || refreshToken === '') return { error: 'invalid_request', description: 'refresh_token is required' };
		const record = refreshTokens.get(refreshToken);
		if (!record) {
			presented.push(refreshToken);
			return { error: 'invalid_grant', description: 'unknown refresh token' };
		}
		// RFC 9449 section 5: a bound refresh token is refreshed only with a proof of its key. An attempt refused for its
		// proof (a nonce to learn, say) has not used the token: it does not count as presented.
		const proof = record.family.jkt === undefined ? undefined : await proofOf(request, record.family.jkt);
		if (proof && 'response' in proof) return { response: proof.response };
		presented.push(refreshToken);
		if (record.spent) {
			reuses++;
			revokeFamily(record.family);
			return { error: 'invalid_grant', description: 'refresh token reuse detected; session revoked' };
		}
		if (record.family.revoked) return { error: 'invalid_grant', description: 'refresh token revoked' };
		if (now() >= record.expiresAt) return { error: 'invalid_grant', description: 'refresh token expired' };
		record.spent = true;
		return { tokens: await issue(record.family) };
	}

	async function revokeToken(token: unknown) {
		calls.revoke++;
		if (typeof token !== 'string') return;
		const record = refreshTokens.get(token);
		if (record) return revokeFamily(record.family);
		const claims = await jwt.verify(token);
		if (typeof claims?.jti === 'string') revokedJtis.add(claims.jti);
	}

	/** Runs a handler behind the fault injector. */
	const guarded =
		(target: FaultTarget, handle: (request: Request) => Promise<Response>) =>
		async ({ request }: { request: Request }) => {
			const fault = faults.pick(target, request);
			const faulted = fault === undefined ? undefined : await applyFault(fault, request, headers());
			return faulted ?? handle(request);
		};

	const tokenAnswer = (result: GrantResult, jsonDialectLogin = false) => {
		if ('response' in result) return result.response;
		if ('tokens' in result) return json(result.tokens, 200, { 'cache-control': 'no-store' });
		if (jsonDialectLogin && result.error === 'invalid_grant') return oauthError('invalid_credentials', result.description, 401);
		return oauthError(result.error, result.description, result.status);
	};

	const readJson = async (request: Request): Promise<Record<string, unknown>> => {
		const body: unknown = await request.json().catch(() => null);
		return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
	};

	/** RFC 6749 section 2.3.1: Basic authentication, or client_id (and client_secret) in the body. The client's id, or `null`. */
	function authenticateClient(request: Request, form: URLSearchParams): string | null {
		let id = form.get('client_id');
		let secret = form.get('client_secret');
		const basic = /^Basic (.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
		if (basic) {
			const [user = '', pass = ''] = atob(basic).split(':');
			const decode = (value: string) => decodeURIComponent(value.replaceAll('+', ' '));
			id = decode(user);
			secret = decode(pass);
		}
		const client = id === null ? undefined : clients[id];
		return client !== undefined && (client.secret ?? null) === (secret ?? null) ? id : null;
	}

	/** RFC 6749 section 4.1.3 with PKCE (RFC 7636 section 4.6); a code used twice revokes what it gave (section 4.1.2). */
	async function authorizationCodeGrant(form: URLSearchParams, clientId: string, request: Request): Promise<GrantResult> {
		calls.login++;
		const code = codes.get(form.get('code') ?? '');
		const proof = await proofOf(request, code?.dpopJkt);
		if ('response' in proof) return proof;
		const verifier = form.get('code_verifier');
		if (!code || now() >= code.expiresAt) return { error: 'invalid_grant', description: 'unknown or expired authorization code' };
		if (code.used) {
			if (code.family) revokeFamily(code.family);
			return { error: 'invalid_grant', description: 'authorization code already used; tokens revoked' };
		}
		code.used = true;
		if (code.clientId !== clientId) return { error: 'invalid_grant', description: 'the code was issued to another client' };
		if (form.get('redirect_uri') !== code.redirectUri) return { error: 'invalid_grant', description: 'redirect_uri does not match' };
		if (!verifier || (await sha256(verifier)) !== code.challenge) return { error: 'invalid_grant', description: 'PKCE verification failed' };
		const tokens = await startFamily(code.sub, code.scope, proof.jkt);
		code.family = refreshTokens.get(tokens.refresh_token)?.family;
		return { tokens };
	}

	const grants: Record<string, (form: URLSearchParams, clientId: string, request: Request) => Promise<GrantResult>> = {
		password: (form, _client, request) => passwordGrant(request, form.get('username'), form.get('password'), form.get('scope') ?? undefined),
		refresh_token: (form, _client, request) => refreshGrant(request, form.get('refresh_token')),
		authorization_code: authorizationCodeGrant,
	};

	function issueAuthorizationCode({
		codeChallenge,
		redirectUri,
		clientId = 'spa',
		sub = Object.keys(users)[0] ?? 'alice',
		scope = defaultScope,
		dpopJkt,
	}: Parameters<MockAuthServer['issueAuthorizationCode']>[0]) {
		const code = randomToken();
		codes.set(code, { clientId, redirectUri, challenge: codeChallenge, sub, scope, expiresAt: now() + 60_000, used: false, dpopJkt });
		return code;
	}
	const targetOfGrant = (grant: string | null): FaultTarget => (grant === 'refresh_token' ? 'refresh' : 'login');
	/** The issuer: the origin, or with origin '*' the origin the request came to. */
	const issuerOf = (request: Request, at: string) => (at === '*' ? new URL(request.url).origin : at);

	/** RFC 6750 section 3: the bearer token's signature, expiry (server clock) and revocation; a 401 with `WWW-Authenticate` otherwise. */
	async function verify(request: Request): Promise<Verified> {
		calls.resource++;
		const [, scheme, token] = /^(Bearer|DPoP) (.+)$/i.exec(request.headers.get('authorization') ?? '') ?? [];
		const reject = (challenge: string): Verified => ({ ok: false, response: json({ error: 'invalid_token' }, 401, { 'www-authenticate': challenge }) });
		if (token === undefined) return reject('Bearer realm="api"');
		const claims = await jwt.verify(token);
		const invalid = 'Bearer realm="api", error="invalid_token"';
		if (!claims || typeof claims.exp !== 'number') return reject(invalid);
		if (now() >= claims.exp * 1000 || revokedJtis.has(String(claims.jti))) return reject(invalid);
		// RFC 9449 section 7: a bound token goes with the DPoP scheme and a proof of its key, an unbound one as Bearer
		const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
		if (typeof jkt === 'string') {
			const refused = dpop ? await dpop.resource(request, token, jkt) : withBase(json({ error: 'invalid_token' }, 401));
			if (refused) return { ok: false, response: withBase(refused) };
		} else if (scheme?.toLowerCase() !== 'bearer') return reject(invalid);
		return { ok: true, claims };
	}

	/** An msw resolver behind the `resource` faults and `verify`: `resolver` runs only for a valid token. */
	const protect =
		<Info extends { request: Request }>(resolver: (info: Info & { claims: Record<string, unknown> }) => Response | Promise<Response>) =>
		async (info: Info): Promise<Response> => {
			const fault = faults.pick('resource', info.request);
			const faulted = fault === undefined ? undefined : await applyFault(fault, info.request, headers());
			if (faulted) return faulted;
			const verified = await verify(info.request);
			return verified.ok ? resolver({ ...info, claims: verified.claims }) : verified.response;
		};

	/** The routes, answering at `at` (an origin, or `'*'`): every origin shares the one state. */
	const routes = (at: string): RequestHandler[] => [
		http.options(`${at}/*`, () => new HttpResponse(null, { status: 204, headers: headers() })),
		// JSON dialect
		http.post(
			`${at}/auth/login`,
			guarded('login', async (request) => {
				const body = await readJson(request.clone());
				return tokenAnswer(await passwordGrant(request, body.username, body.password), true);
			}),
		),
		http.post(
			`${at}/auth/refresh`,
			guarded('refresh', async (request) => tokenAnswer(await refreshGrant(request, (await readJson(request.clone())).refresh_token))),
		),
		http.post(
			`${at}/auth/logout`,
			guarded('revoke', async (request) => {
				await revokeToken((await readJson(request)).refresh_token);
				return new HttpResponse(null, { status: 204, headers: headers() });
			}),
		),
		// OAuth 2.0 dialect
		http.post(`${at}/oauth/token`, async ({ request }) => {
			const form = new URLSearchParams(await request.clone().text());
			const grant = form.get('grant_type');
			return guarded(targetOfGrant(grant), async () => {
				const client = authenticateClient(request, form);
				if (client === null) return oauthError('invalid_client', 'unknown client or bad credentials', 401);
				const handle = grant === null ? undefined : grants[grant];
				if (!handle) return oauthError(grant === null ? 'invalid_request' : 'unsupported_grant_type', `grant_type ${grant ?? '(missing)'} is not supported`);
				return tokenAnswer(await handle(form, client, request));
			})({ request });
		}),
		http.post(
			`${at}/oauth/revoke`,
			guarded('revoke', async (request) => {
				const form = new URLSearchParams(await request.text());
				if (authenticateClient(request, form) === null) return oauthError('invalid_client', 'unknown client or bad credentials', 401);
				await revokeToken(form.get('token'));
				return new HttpResponse(null, { status: 200, headers: headers() });
			}),
		),
		// authorization server metadata (RFC 8414) and the browser-facing endpoints: a login page that signs in
		// the first user at once, and RP-initiated logout
		http.get(`${at}/.well-known/oauth-authorization-server`, ({ request }) => {
			const issuer = issuerOf(request, at);
			return json({
				issuer,
				authorization_endpoint: `${issuer}/oauth/authorize`,
				token_endpoint: `${issuer}/oauth/token`,
				revocation_endpoint: `${issuer}/oauth/revoke`,
				end_session_endpoint: `${issuer}/oauth/logout`,
				response_types_supported: ['code'],
				grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
				code_challenge_methods_supported: ['S256'],
				authorization_response_iss_parameter_supported: true,
			});
		}),
		http.get(`${at}/oauth/authorize`, ({ request }) => {
			const query = new URL(request.url).searchParams;
			const redirectUri = query.get('redirect_uri');
			const clientId = query.get('client_id') ?? '';
			if (!redirectUri || clients[clientId] === undefined) return json({ error: 'invalid_request', error_description: 'unknown client or no redirect_uri' }, 400);
			const back = new URL(redirectUri);
			const state = query.get('state');
			if (state !== null) back.searchParams.set('state', state);
			back.searchParams.set('iss', issuerOf(request, at));
			const challenge = query.get('code_challenge');
			if (query.get('response_type') !== 'code' || !challenge || query.get('code_challenge_method') !== 'S256') {
				back.searchParams.set('error', 'invalid_request');
				back.searchParams.set('error_description', 'response_type=code with an S256 code_challenge is required');
			} else {
				const scope = query.get('scope');
				const dpopJkt = query.get('dpop_jkt') ?? undefined;
				back.searchParams.set('code', issueAuthorizationCode({ codeChallenge: challenge, redirectUri, clientId, dpopJkt, ...(scope ? { scope } : {}) }));
			}
			return new HttpResponse(null, { status: 302, headers: { ...headers(), location: back.href } });
		}),
		http.get(`${at}/oauth/logout`, ({ request }) => {
			const back = new URL(request.url).searchParams.get('post_logout_redirect_uri');
			return back ? new HttpResponse(null, { status: 302, headers: { ...headers(), location: back } }) : json({ signedOut: true });
		}),
		// protected resources
		http.get(
			`${at}/me`,
			protect(async ({ claims }) => json({ sub: claims.sub, scope: claims.scope })),
		),
		http.all(
			`${at}/echo`,
			protect(async ({ request }) =>
				json({ method: request.method, contentType: request.headers.get('content-type'), body: await request.text(), authorization: request.headers.get('authorization') }),
			),
		),
	];
	const byOrigin = new Map<string, RequestHandler[]>();
	const handlersFor = (at: string) => {
		const key = at.replace(/\/+$/, '');
		const found = byOrigin.get(key) ?? routes(key);
		byOrigin.set(key, found);
		return found;
	};
	const handlers = handlersFor(origin);

	const initial = { clockOffset, accessTtl };
	const issueTokens: MockAuthServer['issueTokens'] = ({ sub = Object.keys(users)[0] ?? 'alice', scope } = {}) => startFamily(sub, scope);
	const self: MockAuthServer = {
		origin,
		handlers,
		handlersFor,
		verify,
		protect,
		get calls() {
			return calls;
		},
		get reuses() {
			return reuses;
		},
		get presented() {
			return presented;
		},
		now,
		setClockOffset: (ms) => {
			clockOffset = ms;
		},
		setAccessTokenTtl: (seconds) => {
			accessTtl = seconds;
		},
		fail: (target, rule, { times = Infinity } = {}) => faults.add(target, rule, times),
		clearFaults: faults.clear,
		revokeAll() {
			for (const record of refreshTokens.values()) revokeFamily(record.family);
			for (const jti of issuedJtis) revokedJtis.add(jti);
		},
		issueTokens,
		keeperOptions: () => ({
			...(origin === '*' ? (globalThis.location ? { apiUrl: globalThis.location.origin } : {}) : { apiUrl: origin }),
			endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
			storage: 'memory',
			crossTab: false,
		}),
		signIn: async (auth, options) => auth.setTokens(await issueTokens(options)),
		listen: (listenOptions) => startMockHttpServer(self, listenOptions),
		issueAuthorizationCode,
		signAccessToken: (claims) => jwt.sign(claims),
		reset() {
			({ clockOffset, accessTtl } = initial);
			calls = { login: 0, refresh: 0, revoke: 0, resource: 0 };
			reuses = 0;
			presented = [];
			refreshTokens = new Map();
			issuedJtis = [];
			revokedJtis = new Set();
			codes = new Map();
			faults.clear();
		},
		rotateDPoPNonce: () => dpop?.rotateNonce(),
	};
	return self;
}
