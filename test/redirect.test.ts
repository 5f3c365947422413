// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { oauth2, type OAuth2Options } from '../src/index.js';
import { metadataUrls } from '../src/oauth2/discovery.js';
import { randomString, s256 } from '../src/oauth2/pkce.js';
import { ALICE, API, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi();
const ISSUER = API; // the mock serves its metadata at its origin
const CALLBACK = `${location.origin}/callback`;
const settings: OAuth2Options = { issuer: ISSUER, clientId: 'spa', redirectUri: CALLBACK, scope: 'openid read' };

/** Counts the requests that reach the token endpoint, whatever their answer. */
function watchTokenEndpoint() {
	const seen: string[] = [];
	msw.events.on('request:start', ({ request }) => {
		if (request.url === `${API}/oauth/token`) seen.push(request.url);
	});
	return seen;
}

/** Starts a login and plays the server's part: the URL the browser would come back to. */
async function startLogin(auth: ReturnType<typeof keeper>['auth'], extra: Record<string, string> = {}) {
	let authorizeUrl = '';
	await auth.loginWithRedirect({ appState: { returnTo: '/orders' }, prompt: 'login', params: { login_hint: 'alice' }, openUrl: (url) => void (authorizeUrl = url) });
	const request = new URL(authorizeUrl);
	const code = server.issueAuthorizationCode({ codeChallenge: request.searchParams.get('code_challenge')!, redirectUri: request.searchParams.get('redirect_uri')! });
	const back = new URL(CALLBACK);
	back.search = new URLSearchParams({ keep: 'me', code, state: request.searchParams.get('state')!, iss: ISSUER, session_state: 'xyz', ...extra }).toString();
	back.hash = '#section';
	return { request, callback: back.href };
}

beforeEach(() => {
	sessionStorage.clear();
	msw.events.removeAllListeners();
	history.replaceState(null, '', '/');
});

describe('PKCE', () => {
	it('matches RFC 7636 appendix B', async () => {
		expect(await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
	});
	it('verifiers and states are 43 base64url characters (256 random bits) and never repeat', () => {
		const values = Array.from({ length: 100 }, () => randomString());
		for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(new Set(values).size).toBe(100);
	});
});

describe('loginWithRedirect and handleRedirectCallback', () => {
	it('sends an authorization request with PKCE, exchanges the code once, and cleans the address bar', async () => {
		const { auth, events } = keeper(oauth2(settings));
		const { request, callback } = await startLogin(auth);
		expect(`${request.origin}${request.pathname}`).toBe(`${API}/oauth/authorize`);
		expect(Object.fromEntries(request.searchParams)).toMatchObject({
			response_type: 'code',
			client_id: 'spa',
			redirect_uri: CALLBACK,
			scope: 'openid read',
			code_challenge_method: 'S256',
			prompt: 'login',
			login_hint: 'alice',
		});
		expect(request.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
		expect(request.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
		expect(Object.keys(sessionStorage).filter((key) => key.endsWith(':redirect'))).toHaveLength(1); // the pending flow, in this tab only

		history.replaceState(null, '', callback);
		const { session, appState } = await auth.handleRedirectCallback();
		expect(session).toMatchObject({ status: 'authenticated', claims: { sub: 'alice' } });
		expect(appState).toEqual({ returnTo: '/orders' });
		expect(events.at(-1)).toMatchObject({ type: 'login' });
		expect(location.href).toBe(`${CALLBACK}?keep=me#section`);
		expect(server.calls.login).toBe(1);
		expect((await auth.fetch(`${API}/me`)).status).toBe(200);
	});

	it('a forged state is LOGIN_FAILED, and the token endpoint never sees the code', async () => {
		const seen = watchTokenEndpoint();
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth, { state: 'forged' });
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ name: 'TokenKeeperError', code: 'LOGIN_FAILED', message: expect.stringMatching(/state/) });
		expect(seen).toEqual([]);
		expect(auth.session.status).toBe('unauthenticated');
	});

	it.each([
		['the server answered access_denied', { error: 'access_denied', error_description: 'The user said no' }, /access_denied: The user said no/],
		['the answer comes from another issuer', { iss: 'https://evil.example.net' }, /issuer/],
	])('%s: LOGIN_FAILED, and an existing session is untouched', async (_, extra, message) => {
		const seen = watchTokenEndpoint();
		const { auth } = keeper(oauth2(settings));
		await auth.setTokens(await server.issueTokens({ sub: 'bob' }));
		const before = auth.session;
		const { callback } = await startLogin(auth, extra);
		const error = await auth.handleRedirectCallback(callback).catch((thrown: unknown) => thrown);
		expect(error).toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(message) });
		expect(auth.session).toBe(before);
		expect(seen).toEqual([]);
	});

	it('reports the OAuth error in the error and its cause', async () => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth, { error: 'access_denied', error_description: 'no' });
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ oauthError: 'access_denied', cause: { error: 'access_denied', error_description: 'no' } });
	});

	it('with no login pending (another tab, or none), LOGIN_FAILED', async () => {
		const { auth } = keeper(oauth2(settings));
		await expect(auth.handleRedirectCallback(`${CALLBACK}?code=abc&state=def`)).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/pending/) });
		await expect(auth.handleRedirectCallback('not a url')).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/callback URL/) });
	});

	it('the same callback handled twice: the second rejects and changes nothing', async () => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth);
		const { session } = await auth.handleRedirectCallback(callback);
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
		expect(auth.session).toBe(session);
		expect(server.calls.login).toBe(1);
	});

	it('a failed exchange is LOGIN_FAILED and keeps the session as it was', async () => {
		const { auth } = keeper(oauth2(settings));
		await auth.setTokens(await server.issueTokens({ sub: 'bob' }));
		const before = auth.session;
		const { callback } = await startLogin(auth);
		server.fail('login', { status: 400, body: { error: 'invalid_grant', error_description: 'code expired' } }, { times: 1 });
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'LOGIN_FAILED', status: 400, oauthError: 'invalid_grant' });
		expect(auth.session).toBe(before);
	});

	it('an unusable token response is LOGIN_FAILED', async () => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth);
		msw.use(http.post(`${API}/oauth/token`, () => HttpResponse.json({ token: 'x' }), { once: true }));
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'LOGIN_FAILED', cause: { code: 'INVALID_TOKEN_RESPONSE' } });
	});

	it('a login in one tab reaches the others', async () => {
		const name = 'redirect-tabs';
		const first = keeper({ ...oauth2(settings), name });
		const second = keeper({ ...oauth2(settings), name });
		const { callback } = await startLogin(first.auth);
		await first.auth.handleRedirectCallback(callback);
		await vi.waitFor(() => expect(second.auth.session.accessToken).toBe(first.auth.session.accessToken));
	});

	it('on a page without crypto.subtle (plain http), loginWithRedirect says why and does not navigate', async () => {
		const { auth } = keeper(oauth2(settings));
		const { getRandomValues } = crypto;
		vi.stubGlobal('crypto', { getRandomValues: getRandomValues.bind(crypto) });
		const openUrl = vi.fn();
		try {
			await expect(auth.loginWithRedirect({ openUrl })).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/crypto\.subtle.*secure/) });
		} finally {
			vi.unstubAllGlobals();
		}
		expect(openUrl).not.toHaveBeenCalled();
		expect(sessionStorage.length).toBe(0);
	});

	it('where sessionStorage refuses writes (a sandboxed frame), loginWithRedirect says why and does not navigate', async () => {
		const { auth } = keeper(oauth2(settings));
		const refusing = {
			getItem: () => null,
			removeItem: () => undefined,
			setItem: () => {
				throw new DOMException('The operation is insecure.', 'SecurityError');
			},
		};
		vi.stubGlobal('sessionStorage', refusing);
		const openUrl = vi.fn();
		try {
			await expect(auth.loginWithRedirect({ openUrl })).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/sessionStorage.*insecure/), cause: { name: 'SecurityError' } });
		} finally {
			vi.unstubAllGlobals();
		}
		expect(openUrl).not.toHaveBeenCalled();
	});

	it('without oauth2(), the redirect methods say what is missing', async () => {
		const { auth } = keeper();
		await expect(auth.loginWithRedirect()).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR', message: expect.stringMatching(/oauth2/) });
		await expect(auth.handleRedirectCallback(CALLBACK)).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR' });
	});
});

describe('discovery', () => {
	it('one metadata request however many calls', async () => {
		const seen: string[] = [];
		msw.events.on('request:start', ({ request }) => {
			if (request.url.includes('/.well-known/')) seen.push(request.url);
		});
		const { auth } = keeper(oauth2(settings));
		await Promise.all([auth.loginWithRedirect({ openUrl: () => undefined }), auth.loginWithRedirect({ openUrl: () => undefined })]);
		await auth.login(ALICE); // the token endpoint, discovered too
		await auth.refresh();
		await auth.logout();
		expect(seen).toEqual([`${API}/.well-known/oauth-authorization-server`]);
		expect(server.calls.revoke).toBe(1); // the discovered revocation endpoint
	});

	it('falls back to OpenID Connect discovery, with issuers that have a path', async () => {
		expect(metadataUrls('https://id.example.com/realms/shop')).toEqual([
			'https://id.example.com/.well-known/oauth-authorization-server/realms/shop',
			'https://id.example.com/realms/shop/.well-known/openid-configuration',
		]);
		msw.use(
			http.get('https://oidc.example.com/.well-known/oauth-authorization-server/tenant', () => new HttpResponse(null, { status: 404 })),
			http.get('https://oidc.example.com/tenant/.well-known/openid-configuration', () =>
				HttpResponse.json({ issuer: 'https://oidc.example.com/tenant', authorization_endpoint: 'https://oidc.example.com/tenant/auth', token_endpoint: `${API}/oauth/token` }),
			),
		);
		const { auth } = keeper(oauth2({ issuer: 'https://oidc.example.com/tenant', clientId: 'spa', redirectUri: CALLBACK }));
		let url = '';
		await auth.loginWithRedirect({ openUrl: (to) => void (url = to) });
		expect(url).toMatch(/^https:\/\/oidc\.example\.com\/tenant\/auth\?/);
	});

	it('an issuer mismatch is a configuration error, not a silent fallback', async () => {
		msw.use(
			http.get('https://id.example.org/.well-known/oauth-authorization-server', () =>
				HttpResponse.json({ issuer: 'https://attacker.example.org', authorization_endpoint: 'https://attacker.example.org/auth' }),
			),
		);
		const { auth, events } = keeper(oauth2({ issuer: 'https://id.example.org', clientId: 'spa' }));
		await expect(auth.loginWithRedirect({ openUrl: () => undefined })).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/RFC 8414/) });
		await auth.setTokens(await server.issueTokens());
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'REFRESH_FAILED', message: expect.stringMatching(/issuer/) });
		expect(events.at(-1)).toMatchObject({ type: 'error' });
		expect(events.at(-1)).not.toHaveProperty('retryInMs'); // a configuration error: no retry loop
		expect(auth.session.status).toBe('authenticated');
	});

	it('oauth2() without a token endpoint or an issuer throws at once', () => {
		expect(() => oauth2({ clientId: 'spa' })).toThrow(/tokenEndpoint or an issuer/);
	});
});

describe('RP-initiated logout', () => {
	it('logout({ returnTo }) ends the local session, revokes, then goes to the end-session endpoint', async () => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth);
		await auth.handleRedirectCallback(callback);
		let to = '';
		await auth.logout({ returnTo: `${location.origin}/bye`, openUrl: (url) => void (to = url) });
		expect(auth.session.status).toBe('unauthenticated');
		expect(server.calls.revoke).toBe(1);
		const url = new URL(to);
		expect(`${url.origin}${url.pathname}`).toBe(`${API}/oauth/logout`);
		expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'spa', post_logout_redirect_uri: `${location.origin}/bye` });
	});

	it('without an end-session endpoint it stays here', async () => {
		const open = vi.fn();
		const { auth } = keeper(oauth2({ tokenEndpoint: `${API}/oauth/token`, clientId: 'spa' }));
		await auth.login(ALICE);
		await auth.logout({ returnTo: '/bye', openUrl: open });
		expect(open).not.toHaveBeenCalled();
		expect(auth.session.status).toBe('unauthenticated');
	});
});

describe('the test kit speaks the authorization-code grant', () => {
	it('verifies PKCE, the client and the redirect URI, and a code works once', async () => {
		const verifier = randomString();
		const code = server.issueAuthorizationCode({ codeChallenge: await s256(verifier), redirectUri: CALLBACK });
		const exchange = (fields: Record<string, string>) =>
			fetch(`${API}/oauth/token`, {
				method: 'POST',
				body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: CALLBACK, code_verifier: verifier, ...fields }),
			});
		expect(await (await exchange({ code_verifier: randomString() })).json()).toMatchObject({ error: 'invalid_grant', error_description: 'PKCE verification failed' });
		expect(await (await exchange({})).json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/already used/) }); // a code is spent by any attempt
		const other = server.issueAuthorizationCode({ codeChallenge: await s256(verifier), redirectUri: CALLBACK, clientId: 'backend' });
		expect(await (await exchange({ code: other })).json()).toMatchObject({ error_description: 'the code was issued to another client' });
		const third = server.issueAuthorizationCode({ codeChallenge: await s256(verifier), redirectUri: CALLBACK });
		expect(await (await exchange({ code: third, redirect_uri: 'https://elsewhere.test/' })).json()).toMatchObject({ error_description: 'redirect_uri does not match' });
		const fourth = server.issueAuthorizationCode({ codeChallenge: await s256(verifier), redirectUri: CALLBACK });
		const ok = await exchange({ code: fourth });
		expect(ok.status).toBe(200);
		const tokens = (await ok.json()) as { refresh_token: string };
		// using the code again revokes what it gave
		expect((await exchange({ code: fourth })).status).toBe(400);
		expect((await fetch(`${API}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: tokens.refresh_token }) })).status).toBe(400);
	});

	it('/oauth/authorize signs the first user in and redirects back with code, state and iss', async () => {
		const response = await fetch(
			`${API}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: CALLBACK, state: 's1', code_challenge: await s256('v'.repeat(43)), code_challenge_method: 'S256' })}`,
			{ redirect: 'manual' },
		);
		expect(response.status).toBe(302);
		const back = new URL(response.headers.get('location')!);
		expect(Object.fromEntries(back.searchParams)).toMatchObject({ state: 's1', iss: API, code: expect.any(String) });
		const refused = await fetch(`${API}/oauth/authorize?${new URLSearchParams({ response_type: 'token', client_id: 'spa', redirect_uri: CALLBACK })}`, { redirect: 'manual' });
		expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
	});
});
