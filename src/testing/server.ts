import { http, HttpResponse, type RequestHandler } from 'msw';
import { applyFault, createFaults, type FaultRule, type FaultTarget } from './faults.js';
import { hs256, randomToken } from './jwt.js';

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
}

/** An OAuth 2.0 token response, as the mock issues it. */
export interface IssuedTokens {
	access_token: string;
	refresh_token: string;
	token_type: 'Bearer';
	expires_in: number;
	scope: string;
}

/** Calls the server handled (faulted calls are not counted). */
export interface CallCounts {
	login: number;
	refresh: number;
	revoke: number;
	resource: number;
}

/** The mock auth server: msw handlers plus the knobs and counters tests need. */
export interface MockAuthServer {
	/** msw handlers: `setupServer(...server.handlers)` or `setupWorker(...server.handlers)`. */
	readonly handlers: RequestHandler[];
	/** Calls handled so far, both dialects together. */
	readonly calls: Readonly<CallCounts>;
	/** How many times a spent refresh token was presented (each revoked its family). */
	readonly reuses: number;
	/** Every refresh token presented to a refresh, in order. */
	readonly presented: readonly string[];
	/** The server clock (ms). */
	now(): number;
	setClockOffset(ms: number): void;
	setAccessTokenTtl(seconds: number): void;
	/**
	 * Injects a fault into the calls of `target`, `times` times (default: until `clearFaults`).
	 * @example server.fail('refresh', { status: 503, headers: { 'Retry-After': '5' } }, { times: 2 })
	 */
	fail(target: FaultTarget, rule: FaultRule, options?: { times?: number }): void;
	clearFaults(): void;
	/** Revokes every refresh-token family and every access token issued so far. */
	revokeAll(): void;
	/** A fresh token set for `sub`, as if that user had logged in. */
	issueTokens(options?: { sub?: string; scope?: string }): Promise<IssuedTokens>;
	/** Signs any claims with the server's key (for tokens with odd claims). */
	signAccessToken(claims: Record<string, unknown>): Promise<string>;
	/** Back to the initial options: state, counters, faults, clock and lifetime. */
	reset(): void;
}

interface Family {
	readonly sub: string;
	readonly scope: string;
	current: string;
	revoked: boolean;
}

interface RefreshRecord {
	readonly family: Family;
	readonly expiresAt: number;
	spent: boolean;
}

type GrantResult = { tokens: IssuedTokens } | { error: string; description: string; status?: number };

const CORS = {
	'access-control-allow-origin': '*',
	'access-control-allow-headers': 'Authorization, Content-Type',
	'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
	'access-control-expose-headers': 'WWW-Authenticate, Retry-After, Date',
};

/**
 * A mock auth server that behaves like a real one: HS256 JWT access tokens with `sub`, `scope`, `iat`,
 * `exp` and `jti`; refresh-token rotation with reuse detection (a spent token presented again revokes
 * its whole family); revocation; a skewable clock. It speaks two dialects over one state:
 * - JSON: `POST /auth/login` `{username, password}`, `POST /auth/refresh` `{refresh_token}`, `POST /auth/logout` `{refresh_token}`;
 * - OAuth 2.0: `POST /oauth/token` (`password` and `refresh_token` grants, RFC 6749), `POST /oauth/revoke` (RFC 7009).
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

	const now = () => Date.now() + clockOffset;
	const headers = () => ({ ...CORS, date: new Date(now()).toUTCString() });
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
			access_token: await jwt.sign({ sub: family.sub, scope: family.scope, iat, exp: iat + accessTtl, jti }),
			refresh_token: refreshToken,
			token_type: 'Bearer',
			expires_in: accessTtl,
			scope: family.scope,
		};
	}

	const startFamily = (sub: string, scope = defaultScope) => issue({ sub, scope, current: '', revoked: false });

	function revokeFamily(family: Family) {
		family.revoked = true;
	}

	async function passwordGrant(username: unknown, password: unknown, scope?: string): Promise<GrantResult> {
		calls.login++;
		if (typeof username !== 'string' || typeof password !== 'string') return { error: 'invalid_request', description: 'username and password are required' };
		if (users[username] !== password) return { error: 'invalid_grant', description: 'wrong username or password' };
		return { tokens: await startFamily(username, scope || undefined) };
	}

	async function refreshGrant(refreshToken: unknown): Promise<GrantResult> {
		calls.refresh++;
		if (typeof refreshToken !== 'string' || refreshToken === '') return { error: 'invalid_request', description: 'refresh_token is required' };
		presented.push(refreshToken);
		const record = refreshTokens.get(refreshToken);
		if (!record) return { error: 'invalid_grant', description: 'unknown refresh token' };
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
		if ('tokens' in result) return json(result.tokens, 200, { 'cache-control': 'no-store' });
		if (jsonDialectLogin && result.error === 'invalid_grant') return oauthError('invalid_credentials', result.description, 401);
		return oauthError(result.error, result.description, result.status);
	};

	const readJson = async (request: Request): Promise<Record<string, unknown>> => {
		const body: unknown = await request.json().catch(() => null);
		return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
	};

	/** RFC 6749 section 2.3.1: Basic authentication, or client_id (and client_secret) in the body. */
	function authenticateClient(request: Request, form: URLSearchParams): boolean {
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
		return client !== undefined && (client.secret ?? null) === (secret ?? null);
	}

	const grants: Record<string, (form: URLSearchParams) => Promise<GrantResult>> = {
		password: (form) => passwordGrant(form.get('username'), form.get('password'), form.get('scope') ?? undefined),
		refresh_token: (form) => refreshGrant(form.get('refresh_token')),
	};
	const targetOfGrant = (grant: string | null): FaultTarget => (grant === 'refresh_token' ? 'refresh' : 'login');

	async function authorize(request: Request): Promise<Record<string, unknown> | Response> {
		calls.resource++;
		const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
		const reject = (challenge: string) => json({ error: 'invalid_token' }, 401, { 'www-authenticate': challenge });
		if (token === undefined) return reject('Bearer realm="api"');
		const claims = await jwt.verify(token);
		const invalid = 'Bearer realm="api", error="invalid_token"';
		if (!claims || typeof claims.exp !== 'number') return reject(invalid);
		if (now() >= claims.exp * 1000 || revokedJtis.has(String(claims.jti))) return reject(invalid);
		return claims;
	}

	const resource = (respond: (claims: Record<string, unknown>, request: Request) => Promise<Response>) =>
		guarded('resource', async (request) => {
			const claims = await authorize(request);
			return claims instanceof Response ? claims : respond(claims, request);
		});

	const handlers: RequestHandler[] = [
		http.options(`${origin}/*`, () => new HttpResponse(null, { status: 204, headers: headers() })),
		// JSON dialect
		http.post(
			`${origin}/auth/login`,
			guarded('login', async (request) => {
				const body = await readJson(request);
				return tokenAnswer(await passwordGrant(body.username, body.password), true);
			}),
		),
		http.post(
			`${origin}/auth/refresh`,
			guarded('refresh', async (request) => tokenAnswer(await refreshGrant((await readJson(request)).refresh_token))),
		),
		http.post(
			`${origin}/auth/logout`,
			guarded('revoke', async (request) => {
				await revokeToken((await readJson(request)).refresh_token);
				return new HttpResponse(null, { status: 204, headers: headers() });
			}),
		),
		// OAuth 2.0 dialect
		http.post(`${origin}/oauth/token`, async ({ request }) => {
			const form = new URLSearchParams(await request.clone().text());
			const grant = form.get('grant_type');
			return guarded(targetOfGrant(grant), async () => {
				if (!authenticateClient(request, form)) return oauthError('invalid_client', 'unknown client or bad credentials', 401);
				const handle = grant === null ? undefined : grants[grant];
				if (!handle) return oauthError(grant === null ? 'invalid_request' : 'unsupported_grant_type', `grant_type ${grant ?? '(missing)'} is not supported`);
				return tokenAnswer(await handle(form));
			})({ request });
		}),
		http.post(
			`${origin}/oauth/revoke`,
			guarded('revoke', async (request) => {
				const form = new URLSearchParams(await request.text());
				if (!authenticateClient(request, form)) return oauthError('invalid_client', 'unknown client or bad credentials', 401);
				await revokeToken(form.get('token'));
				return new HttpResponse(null, { status: 200, headers: headers() });
			}),
		),
		// protected resources
		http.get(
			`${origin}/me`,
			resource(async (claims) => json({ sub: claims.sub, scope: claims.scope })),
		),
		http.all(
			`${origin}/echo`,
			resource(async (_claims, request) =>
				json({ method: request.method, contentType: request.headers.get('content-type'), body: await request.text(), authorization: request.headers.get('authorization') }),
			),
		),
	];

	const initial = { clockOffset, accessTtl };
	return {
		handlers,
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
		setClockOffset: (ms) => void (clockOffset = ms),
		setAccessTokenTtl: (seconds) => void (accessTtl = seconds),
		fail: (target, rule, { times = Infinity } = {}) => faults.add(target, rule, times),
		clearFaults: faults.clear,
		revokeAll() {
			for (const record of refreshTokens.values()) revokeFamily(record.family);
			for (const jti of issuedJtis) revokedJtis.add(jti);
		},
		issueTokens: ({ sub = Object.keys(users)[0] ?? 'alice', scope } = {}) => startFamily(sub, scope),
		signAccessToken: (claims) => jwt.sign(claims),
		reset() {
			({ clockOffset, accessTtl } = initial);
			calls = { login: 0, refresh: 0, revoke: 0, resource: 0 };
			reuses = 0;
			presented = [];
			refreshTokens = new Map();
			issuedJtis = [];
			revokedJtis = new Set();
			faults.clear();
		},
	};
}
