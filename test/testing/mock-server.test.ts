import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMockAuthServer, startMockHttpServer } from '../../src/testing/index.js';

const API = 'https://auth.test';
const server = createMockAuthServer({ origin: API, accessTokenTtl: 60 });
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
	server.reset();
	vi.useRealTimers();
});
afterAll(() => msw.close());

const postJson = (path: string, body: unknown, init: RequestInit = {}) =>
	fetch(`${API}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...init });
const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${API}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const login = async () => (await (await postJson('/auth/login', { username: 'alice', password: 'wonderland' })).json()) as { access_token: string; refresh_token: string };

describe('tokens', () => {
	it('issues HS256 JWTs with sub, scope, iat and exp on the server clock', async () => {
		vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
		server.setClockOffset(3600_000);
		const response = await postJson('/auth/login', { username: 'alice', password: 'wonderland' });
		expect(response.headers.get('date')).toBe(new Date(Date.UTC(2026, 0, 1, 1)).toUTCString());
		const tokens = (await response.json()) as Record<string, string>;
		expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'read write' });
		expect(tokens.access_token!.split('.')).toHaveLength(3);
		const claims = claimsOf(tokens.access_token!);
		expect(claims).toMatchObject({ sub: 'alice', scope: 'read write', iat: Date.UTC(2026, 0, 1, 1) / 1000, exp: Date.UTC(2026, 0, 1, 1) / 1000 + 60 });
		expect(JSON.parse(Buffer.from(tokens.access_token!.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
	});

	it('rejects wrong credentials and malformed bodies', async () => {
		const wrong = await postJson('/auth/login', { username: 'alice', password: 'nope' });
		expect(wrong.status).toBe(401);
		expect(await wrong.json()).toMatchObject({ error: 'invalid_credentials' });
		expect((await postJson('/auth/login', 'not an object')).status).toBe(400);
	});

	it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
		const first = await login();
		const second = (await (await postJson('/auth/refresh', { refresh_token: first.refresh_token })).json()) as { refresh_token: string };
		expect(second.refresh_token).not.toBe(first.refresh_token);
		const reuse = await postJson('/auth/refresh', { refresh_token: first.refresh_token });
		expect(reuse.status).toBe(400);
		expect(await reuse.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/reuse/) });
		expect(server.reuses).toBe(1);
		const current = await postJson('/auth/refresh', { refresh_token: second.refresh_token });
		expect(await current.json()).toMatchObject({ error: 'invalid_grant', error_description: 'refresh token revoked' });
		expect(server.presented).toEqual([first.refresh_token, first.refresh_token, second.refresh_token]);
		expect(server.calls).toMatchObject({ login: 1, refresh: 3 });
	});

	it('refresh tokens expire, unknown ones are refused, a missing one is invalid_request', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		const { refresh_token } = await login();
		vi.setSystemTime(Date.now() + 86_400_000);
		expect(await (await postJson('/auth/refresh', { refresh_token })).json()).toMatchObject({ error_description: 'refresh token expired' });
		expect(await (await postJson('/auth/refresh', { refresh_token: 'nope' })).json()).toMatchObject({ error: 'invalid_grant' });
		expect(await (await postJson('/auth/refresh', {})).json()).toMatchObject({ error: 'invalid_request' });
	});

	it('issueTokens, signAccessToken and revokeAll', async () => {
		const issued = await server.issueTokens({ sub: 'bob', scope: 'read' });
		expect(claimsOf(issued.access_token)).toMatchObject({ sub: 'bob', scope: 'read' });
		const custom = await server.signAccessToken({ sub: 'eve', exp: Math.floor(Date.now() / 1000) + 10 });
		expect((await fetch(`${API}/me`, { headers: { authorization: `Bearer ${custom}` } })).status).toBe(200);
		server.revokeAll();
		expect((await fetch(`${API}/me`, { headers: { authorization: `Bearer ${issued.access_token}` } })).status).toBe(401);
		expect((await postJson('/auth/refresh', { refresh_token: issued.refresh_token })).status).toBe(400);
	});
});

describe('protected resources', () => {
	it('answer 401 with WWW-Authenticate for a missing, forged or expired token', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		const { access_token } = await login();
		const me = (token?: string) => fetch(`${API}/me`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
		const ok = await me(access_token);
		expect(await ok.json()).toEqual({ sub: 'alice', scope: 'read write' });
		const missing = await me();
		expect(missing.status).toBe(401);
		expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"');
		const forged = await me(`${access_token.slice(0, -4)}AAAA`);
		expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
		expect((await me('garbage')).status).toBe(401);
		vi.setSystemTime(Date.now() + 61_000);
		expect((await me(access_token)).status).toBe(401);
		expect(server.calls.resource).toBe(5);
	});

	it('/echo reflects method, content type, body and Authorization', async () => {
		const { access_token } = await login();
		const response = await fetch(`${API}/echo`, { method: 'PUT', body: 'x=1', headers: { authorization: `Bearer ${access_token}`, 'content-type': 'text/plain' } });
		expect(await response.json()).toEqual({ method: 'PUT', contentType: 'text/plain', body: 'x=1', authorization: `Bearer ${access_token}` });
	});

	it('answers CORS preflights', async () => {
		const response = await fetch(`${API}/me`, { method: 'OPTIONS' });
		expect(response.status).toBe(204);
		expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
		expect(response.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
	});
});

describe('OAuth 2.0 dialect', () => {
	it('password and refresh_token grants, with public and confidential clients', async () => {
		const tokens = (await (await postForm('/oauth/token', { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'spa', scope: 'read' })).json()) as Record<string, string>;
		expect(tokens.scope).toBe('read');
		const basic = `Basic ${btoa('backend:s3cret')}`;
		const refreshed = await postForm('/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { authorization: basic });
		expect(refreshed.status).toBe(200);
		expect(refreshed.headers.get('cache-control')).toBe('no-store');
		const inBody = await postForm('/oauth/token', { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'backend', client_secret: 's3cret' });
		expect(inBody.status).toBe(200);
	});

	it.each([
		['an unknown client', { grant_type: 'password', client_id: 'who' }, {}, 401, 'invalid_client'],
		['a wrong secret', { grant_type: 'password' }, { authorization: `Basic ${btoa('backend:nope')}` }, 401, 'invalid_client'],
		['a public client sending a secret', { grant_type: 'password', client_id: 'spa', client_secret: 'x' }, {}, 401, 'invalid_client'],
		['an unknown grant', { grant_type: 'magic', client_id: 'spa' }, {}, 400, 'unsupported_grant_type'],
		['no grant', { client_id: 'spa' }, {}, 400, 'invalid_request'],
		['a wrong password', { grant_type: 'password', client_id: 'spa', username: 'alice', password: 'x' }, {}, 400, 'invalid_grant'],
		['missing credentials', { grant_type: 'password', client_id: 'spa' }, {}, 400, 'invalid_request'],
	])('answers %s per RFC 6749 section 5.2', async (_, fields, headers, status, error) => {
		const response = await postForm('/oauth/token', fields as Record<string, string>, headers);
		expect(response.status).toBe(status);
		expect(await response.json()).toMatchObject({ error });
	});

	it('revokes refresh tokens (the family) and access tokens per RFC 7009', async () => {
		const tokens = await server.issueTokens();
		expect((await postForm('/oauth/revoke', { token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: 'spa' })).status).toBe(200);
		expect((await postForm('/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'spa' })).status).toBe(400);
		expect((await postForm('/oauth/revoke', { token: tokens.access_token, client_id: 'spa' })).status).toBe(200);
		expect((await fetch(`${API}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
		expect((await postForm('/oauth/revoke', { token: 'unknown', client_id: 'spa' })).status).toBe(200);
		expect((await postForm('/oauth/revoke', { token: 'x', client_id: 'nobody' })).status).toBe(401);
		expect(server.calls.revoke).toBe(3);
	});
});

describe('faults', () => {
	it('network, status with headers, truncated JSON, and times', async () => {
		const { refresh_token } = await login();
		server.fail('refresh', 'network', { times: 1 });
		server.fail('refresh', { status: 503, headers: { 'Retry-After': '7' } }, { times: 1 });
		server.fail('refresh', 'truncated', { times: 1 });
		await expect(postJson('/auth/refresh', { refresh_token })).rejects.toThrow(TypeError);
		const unavailable = await postJson('/auth/refresh', { refresh_token });
		expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, '7']);
		await expect((await postJson('/auth/refresh', { refresh_token })).json()).rejects.toThrow(SyntaxError);
		expect(server.presented).toEqual([]); // faults stand in front of the server: the token is still good
		expect((await postJson('/auth/refresh', { refresh_token })).status).toBe(200);
	});

	it('a delay answers normally afterwards; a hang ends when the client aborts', async () => {
		const { refresh_token } = await login();
		server.fail('refresh', { delayMs: 30 }, { times: 1 });
		const started = Date.now();
		expect((await postJson('/auth/refresh', { refresh_token })).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(25);
		server.fail('resource', 'hang');
		await expect(fetch(`${API}/me`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
	});

	it('a function picks a fault per request, and clearFaults removes them', async () => {
		server.fail('login', (request) => (request.headers.get('x-chaos') === '1' ? { status: 500 } : undefined));
		expect((await postJson('/auth/login', { username: 'alice', password: 'wonderland' }, { headers: { 'content-type': 'application/json', 'x-chaos': '1' } })).status).toBe(500);
		expect((await postJson('/auth/login', { username: 'alice', password: 'wonderland' })).status).toBe(200);
		server.fail('login', 'network');
		server.clearFaults();
		expect((await postJson('/auth/login', { username: 'alice', password: 'wonderland' })).status).toBe(200);
	});
});

describe('over real HTTP', () => {
	it('serves the handlers on 127.0.0.1, resets the connection for a network fault, and closes', async () => {
		const probe = await startMockHttpServer(createMockAuthServer());
		const port = Number(new URL(probe.url).port);
		await probe.close();
		const local = createMockAuthServer({ origin: `http://127.0.0.1:${port}` });
		const running = await startMockHttpServer(local, { port });
		msw.close(); // real sockets from here on
		try {
			expect(running.url).toBe(`http://127.0.0.1:${port}`);
			const response = await fetch(`${running.url}/auth/login`, {
				method: 'POST',
				body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
				headers: { 'content-type': 'application/json' },
			});
			expect(response.status).toBe(200);
			const { access_token } = (await response.json()) as { access_token: string };
			expect(await (await fetch(`${running.url}/me`, { headers: { authorization: `Bearer ${access_token}` } })).json()).toMatchObject({ sub: 'alice' });
			expect((await fetch(`${running.url}/nowhere`)).status).toBe(404);
			local.fail('resource', 'network', { times: 1 });
			await expect(fetch(`${running.url}/me`)).rejects.toThrow(TypeError);
			local.fail('resource', 'hang', { times: 1 });
			const hanging = fetch(`${running.url}/me`).catch((error: unknown) => error);
			await new Promise((resolve) => setTimeout(resolve, 50));
			await running.close();
			expect(await hanging).toBeInstanceOf(TypeError);
		} finally {
			msw.listen({ onUnhandledRequest: 'error' });
		}
	});
});
