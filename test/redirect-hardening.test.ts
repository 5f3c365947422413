// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { oauth2, type OAuth2Options } from '../src/index.js';
import { RESERVED_PARAMETERS } from '../src/oauth2/redirect.js';
import { API, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi();
const ISSUER = API; // the mock serves its metadata (which promises iss, RFC 9207) at its origin
const CALLBACK = `${location.origin}/callback`;
const TOKEN_ENDPOINT = `${API}/oauth/token`;
const settings: OAuth2Options = { issuer: ISSUER, clientId: 'spa', redirectUri: CALLBACK, scope: 'openid read' };

/** Counts the requests that reach the token endpoint. */
function watchTokenEndpoint() {
	const seen: string[] = [];
	msw.events.on('request:start', ({ request }) => {
		if (request.url === TOKEN_ENDPOINT) seen.push(request.url);
	});
	return seen;
}

/** Starts a login and plays the server's part; `answer` overrides (or, with `undefined`, removes) callback parameters. */
async function startLogin(auth: ReturnType<typeof keeper>['auth'], answer: Record<string, string | undefined> = {}, scope?: string) {
	let authorizeUrl = '';
	await auth.loginWithRedirect({ ...(scope === undefined ? {} : { scope }), openUrl: (url) => void (authorizeUrl = url) });
	const request = new URL(authorizeUrl);
	const code = server.issueAuthorizationCode({ codeChallenge: request.searchParams.get('code_challenge') ?? '', redirectUri: request.searchParams.get('redirect_uri') ?? '' });
	const back = new URL(CALLBACK);
	const parameters: Record<string, string | undefined> = { keep: 'me', code, state: request.searchParams.get('state') ?? '', iss: ISSUER, ...answer };
	for (const [key, value] of Object.entries(parameters)) if (value !== undefined) back.searchParams.set(key, value);
	return { request, callback: back.href };
}

const base64url = (value: unknown) => btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
/** An ID token as a token endpoint would send it (its signature is not what is tested here). */
const idToken = (claims: Record<string, unknown>) => `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The next code exchange answers real tokens and an ID token with these claims (and this Date header). */
function answerWithIdToken(claims: Record<string, unknown>, headers: Record<string, string> = {}) {
	msw.use(http.post(TOKEN_ENDPOINT, async () => HttpResponse.json({ ...(await server.issueTokens()), id_token: idToken(claims) }, { headers }), { once: true }));
}

beforeEach(() => {
	sessionStorage.clear();
	msw.events.removeAllListeners();
	history.replaceState(null, '', '/');
});

describe('loginWithRedirect({ params }) cannot replace what the flow stands on', () => {
	it.each(RESERVED_PARAMETERS.map((name) => [name]))('params.%s is a TypeError naming it, before anything is kept or opened', async (name) => {
		const { auth } = keeper(oauth2(settings));
		const openUrl = vi.fn();
		const attempt = auth.loginWithRedirect({ params: { [name]: name === 'code_challenge_method' ? 'plain' : 'attacker' }, openUrl });
		await expect(attempt).rejects.toThrow(TypeError);
		await expect(attempt).rejects.toThrow(new RegExp(`"${name}"`));
		expect(openUrl).not.toHaveBeenCalled();
		expect(sessionStorage.length).toBe(0);
	});

	it('covers every parameter the SDK sets', () => {
		expect([...RESERVED_PARAMETERS].sort()).toEqual(['client_id', 'code_challenge', 'code_challenge_method', 'dpop_jkt', 'nonce', 'redirect_uri', 'response_type', 'state']);
	});

	it("the authorization request: every resource (RFC 8707), the endpoint's own query kept, params replacing what is not the SDK's", async () => {
		const explicit = { authorizationEndpoint: `${API}/oauth/authorize?tenant=shop&prompt=none`, tokenEndpoint: TOKEN_ENDPOINT, clientId: 'spa', redirectUri: CALLBACK };
		const urlOf = async (options: Partial<OAuth2Options>, params?: Record<string, string>) => {
			let url = '';
			await keeper(oauth2({ ...explicit, ...options })).auth.loginWithRedirect({ prompt: 'login', ...(params ? { params } : {}), openUrl: (to) => void (url = to) });
			return new URL(url).searchParams;
		};
		const several = await urlOf({ resource: ['https://api.example.com', 'https://files.example.com'] });
		expect(several.getAll('resource')).toEqual(['https://api.example.com', 'https://files.example.com']);
		expect(several.get('tenant')).toBe('shop');
		expect(several.getAll('prompt')).toEqual(['login']); // replaced, not repeated
		expect(several.has('scope')).toBe(false);
		expect(several.has('nonce')).toBe(false);
		expect((await urlOf({ resource: 'https://api.example.com' })).getAll('resource')).toEqual(['https://api.example.com']);
		expect((await urlOf({ resource: ['https://api.example.com', 'https://files.example.com'] }, { resource: 'https://other.example.com' })).getAll('resource')).toEqual(['https://other.example.com']);
	});

	it('other parameters still pass', async () => {
		const { auth } = keeper(oauth2(settings));
		let url = '';
		await auth.loginWithRedirect({ params: { login_hint: 'alice', audience: 'api' }, openUrl: (to) => void (url = to) });
		expect(new URL(url).searchParams.get('audience')).toBe('api');
		expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
	});
});

describe('RFC 9207: a server that promises iss', () => {
	it('an answer without iss is LOGIN_FAILED, and the code never reaches the token endpoint', async () => {
		const seen = watchTokenEndpoint();
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth, { iss: undefined });
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/no iss.*RFC 9207/) });
		expect(seen).toEqual([]);
		expect(auth.session.status).toBe('unauthenticated');
	});

	it('a server that makes no such promise (explicit endpoints) may leave iss out', async () => {
		const { auth } = keeper(oauth2({ authorizationEndpoint: `${API}/oauth/authorize`, tokenEndpoint: TOKEN_ENDPOINT, clientId: 'spa', redirectUri: CALLBACK }));
		const { callback } = await startLogin(auth, { iss: undefined });
		await expect(auth.handleRedirectCallback(callback)).resolves.toMatchObject({ session: { status: 'authenticated' } });
	});
});

describe('OpenID Connect: the nonce and the ID token', () => {
	it('with openid in the scope, the request carries a fresh nonce; without it, none', async () => {
		const { auth } = keeper(oauth2(settings));
		const first = (await startLogin(auth)).request.searchParams.get('nonce');
		const second = (await startLogin(auth)).request.searchParams.get('nonce');
		expect(first).toMatch(/^[\w-]{43}$/);
		expect(second).not.toBe(first);
		expect((await startLogin(auth, {}, 'read write')).request.searchParams.has('nonce')).toBe(false);
	});

	it('an ID token that matches is accepted', async () => {
		const { auth } = keeper(oauth2(settings));
		const { request, callback } = await startLogin(auth);
		answerWithIdToken({ iss: ISSUER, aud: 'spa', sub: 'alice', exp: nowSeconds() + 300, iat: nowSeconds(), nonce: request.searchParams.get('nonce') });
		await expect(auth.handleRedirectCallback(callback)).resolves.toMatchObject({ session: { status: 'authenticated' } });
	});

	it('several audiences with azp naming this client are accepted', async () => {
		const { auth } = keeper(oauth2(settings));
		const { request, callback } = await startLogin(auth);
		answerWithIdToken({ iss: ISSUER, aud: ['spa', 'api'], azp: 'spa', exp: nowSeconds() + 300, nonce: request.searchParams.get('nonce') });
		await expect(auth.handleRedirectCallback(callback)).resolves.toMatchObject({ session: { status: 'authenticated' } });
	});

	it("exp is read in the server's clock: a server two hours behind, saying so in Date, is not expired", async () => {
		const { auth } = keeper(oauth2(settings));
		const { request, callback } = await startLogin(auth);
		const serverNow = nowSeconds() - 7200;
		answerWithIdToken({ iss: ISSUER, aud: 'spa', exp: serverNow + 300, nonce: request.searchParams.get('nonce') }, { date: new Date(serverNow * 1000).toUTCString() });
		await expect(auth.handleRedirectCallback(callback)).resolves.toMatchObject({ session: { status: 'authenticated' } });
	});

	it.each([
		['another nonce', { nonce: 'replayed' }, /nonce/],
		['no nonce', { nonce: undefined }, /nonce/],
		['another issuer', { iss: 'https://evil.example.net' }, /issuer/],
		['another audience', { aud: 'other-client' }, /client "spa"/],
		['several audiences and no azp', { aud: ['spa', 'other'] }, /azp/],
		['an azp of another party', { azp: 'other' }, /azp/],
		['an exp long past', { exp: 1_000_000 }, /expired/],
		['no exp', { exp: undefined }, /exp/],
	])('an ID token with %s is LOGIN_FAILED before any token is stored; the session is as it was', async (_, change, message) => {
		const { auth, events } = keeper(oauth2(settings));
		await auth.setTokens(await server.issueTokens({ sub: 'bob' }));
		const before = auth.session;
		const eventsBefore = events.length;
		const { request, callback } = await startLogin(auth);
		const claims: Record<string, unknown> = { iss: ISSUER, aud: 'spa', sub: 'alice', exp: nowSeconds() + 300, nonce: request.searchParams.get('nonce'), ...change };
		for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
		answerWithIdToken(claims);
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(message) });
		expect(auth.session).toBe(before);
		expect(events.slice(eventsBefore).filter((event) => event.type === 'login')).toEqual([]);
	});

	it('an id_token that is not a JWT is LOGIN_FAILED', async () => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth);
		msw.use(http.post(TOKEN_ENDPOINT, async () => HttpResponse.json({ ...(await server.issueTokens()), id_token: 'not-a-jwt' }), { once: true }));
		await expect(auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'LOGIN_FAILED', message: expect.stringMatching(/not a JWT/) });
		expect(auth.session.status).toBe('unauthenticated');
	});
});

describe('a failed callback cleans the address bar too', () => {
	it.each([
		['a forged state', { state: 'forged' }],
		['an error answer', { error: 'access_denied' }],
		['an answer without the promised iss', { iss: undefined }],
	])('%s: code and state are gone, the rest of the URL kept', async (_, answer) => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth, answer);
		history.replaceState(null, '', callback);
		await expect(auth.handleRedirectCallback()).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
		const now = new URL(location.href);
		expect(now.searchParams.has('code')).toBe(false);
		expect(now.searchParams.has('state')).toBe(false);
		expect(now.searchParams.get('keep')).toBe('me');
	});

	it('a failed exchange too', async () => {
		const { auth } = keeper(oauth2(settings));
		const { callback } = await startLogin(auth);
		history.replaceState(null, '', callback);
		server.fail('login', { status: 400, body: { error: 'invalid_grant' } }, { times: 1 });
		await expect(auth.handleRedirectCallback()).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
		expect(location.href).toBe(`${CALLBACK}?keep=me`);
	});
});
