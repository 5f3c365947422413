import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenKeeper, oauth2 } from '../../src/index.js';
import { createMockAuthServer, startMockHttpServer } from '../../src/testing/index.js';

const server = createMockAuthServer({ accessTokenTtl: 60 }); // the default origin, https://api.example.com
const orders = http.get(
	`${server.origin}/orders`,
	server.protect(({ claims, request }) => HttpResponse.json({ owner: claims.sub, path: new URL(request.url).pathname })),
);
const invoices = http.get(`${server.origin}/invoices`, async ({ request }) => {
	const verified = await server.verify(request);
	return verified.ok ? HttpResponse.json({ owner: verified.claims.sub }) : verified.response;
});
const msw = setupServer(orders, invoices, ...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
	server.reset();
	vi.useRealTimers();
});
afterAll(() => msw.close());

const get = (path: string, token?: string) => fetch(`${server.origin}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe("an app's own routes, protected as /me is", () => {
	it('protect and verify let a valid token through, with its claims', async () => {
		const { access_token } = await server.issueTokens({ sub: 'bob' });
		expect(await (await get('/orders', access_token)).json()).toEqual({ owner: 'bob', path: '/orders' });
		expect(await (await get('/invoices', access_token)).json()).toEqual({ owner: 'bob' });
		expect(server.calls.resource).toBe(2);
	});

	it('answer exactly the 401 of /me for a missing, forged, expired or revoked token', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		const { access_token } = await server.issueTokens();
		const forged = `${access_token.slice(0, -4)}AAAA`;
		const answers = async (token?: string) =>
			Promise.all(['/me', '/orders', '/invoices'].map(async (path) => get(path, token).then(async (r) => [r.status, r.headers.get('www-authenticate'), await r.json()])));
		const same = (rows: unknown[][]) => rows.every((row) => JSON.stringify(row) === JSON.stringify(rows[0]));

		for (const token of [undefined, forged]) {
			const rows = await answers(token);
			expect(rows[0]![0]).toBe(401);
			expect(same(rows)).toBe(true);
		}
		vi.setSystemTime(Date.now() + 61_000);
		const expired = await answers(access_token);
		expect(expired[0]).toEqual([401, 'Bearer realm="api", error="invalid_token"', { error: 'invalid_token' }]);
		expect(same(expired)).toBe(true);
		vi.useRealTimers();

		const fresh = await server.issueTokens();
		server.revokeAll();
		const revoked = await answers(fresh.access_token);
		expect(revoked[0]![0]).toBe(401);
		expect(same(revoked)).toBe(true);
	});

	it("resource faults reach the app's routes too", async () => {
		const { access_token } = await server.issueTokens();
		server.fail('resource', { status: 503 }, { times: 1 });
		expect((await get('/orders', access_token)).status).toBe(503);
		expect((await get('/orders', access_token)).status).toBe(200);
	});
});

describe('a keeper for tests, in two lines', () => {
	it('keeperOptions talk to the server in memory and one tab; signIn signs in as a given user; refresh and logout work', async () => {
		const auth = createTokenKeeper(server.keeperOptions());
		const session = await server.signIn(auth, { sub: 'carol', scope: 'read' });
		expect(session).toMatchObject({ status: 'authenticated', claims: { sub: 'carol' }, scopes: ['read'] });
		expect(await (await auth.fetch(`${server.origin}/me`)).json()).toEqual({ sub: 'carol', scope: 'read' });
		await auth.refresh();
		expect(server.calls.refresh).toBe(1);
		await auth.logout();
		expect(server.calls.revoke).toBe(1);
		expect(auth.session.status).toBe('unauthenticated');
		auth.destroy();
	});

	it('handlersFor: the same state at another origin', async () => {
		const other = setupServer(...server.handlersFor('https://login.example.com/'));
		msw.close();
		other.listen({ onUnhandledRequest: 'error' });
		try {
			const { access_token } = await server.issueTokens({ sub: 'dave' });
			const response = await fetch('https://login.example.com/me', { headers: { authorization: `Bearer ${access_token}` } });
			expect(await response.json()).toEqual({ sub: 'dave', scope: 'read write' });
			expect(server.calls.resource).toBe(1);
		} finally {
			other.close();
			msw.listen({ onUnhandledRequest: 'error' });
		}
	});
});

describe('over HTTP with the default origin', () => {
	it('server.listen serves the JSON and the OAuth dialects at its own URL, with extra handlers first', async () => {
		msw.close(); // real sockets from here
		const page = http.get('*/app', () => HttpResponse.text('the app'));
		const { url, close } = await server.listen({ handlers: [page] });
		try {
			expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(await (await fetch(`${url}/app`)).text()).toBe('the app');
			const auth = createTokenKeeper({ ...server.keeperOptions(), apiUrl: url });
			await auth.login({ username: 'alice', password: 'wonderland' });
			expect(await (await auth.fetch(`${url}/me`)).json()).toEqual({ sub: 'alice', scope: 'read write' });
			auth.destroy();
			const metadata = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string; token_endpoint: string };
			expect(metadata).toMatchObject({ issuer: url, token_endpoint: `${url}/oauth/token` });
			const oauth = createTokenKeeper({ ...oauth2({ tokenEndpoint: metadata.token_endpoint, clientId: 'spa' }), storage: 'memory', crossTab: false });
			await oauth.login({ username: 'alice', password: 'wonderland' });
			expect(oauth.session.claims?.sub).toBe('alice');
			oauth.destroy();
			const preflight = await fetch(`${url}/me`, { method: 'OPTIONS' });
			expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
			expect(server.calls).toMatchObject({ login: 2, resource: 1 });
		} finally {
			await close();
			msw.listen({ onUnhandledRequest: 'error' });
		}
	});

	it('startMockHttpServer is the same', async () => {
		msw.close();
		const { url, close } = await startMockHttpServer(server);
		try {
			expect((await fetch(`${url}/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'wonderland' }) })).status).toBe(200);
		} finally {
			await close();
			msw.listen({ onUnhandledRequest: 'error' });
		}
	});
});
