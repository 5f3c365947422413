// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createTokenKeeper, TokenKeeperError, type StorageAdapter, type TokenResponse } from '../src/index.js';
import { ALICE, API, JSON_ENDPOINTS, eventTypes, fakeTime, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi();

describe('login', () => {
	it('stores the tokens and describes the session', async () => {
		const { auth, events, sessions } = keeper();
		await auth.ready;
		expect(auth.session.status).toBe('unauthenticated');
		const session = await auth.login(ALICE);
		expect(session).toBe(auth.session);
		expect(session).toMatchObject({ status: 'authenticated', scopes: ['read', 'write'], claims: { sub: 'alice' } });
		expect(session.expiresAt).toBeGreaterThan(Date.now() + 290_000);
		expect(eventTypes(events)).toEqual(['sync', 'login']);
		expect(sessions.at(-1)).toBe(session);
		expect(Object.isFrozen(session)).toBe(true);
	});

	it('a wrong password rejects with LOGIN_FAILED and changes nothing', async () => {
		const { auth } = keeper();
		await auth.login(ALICE);
		const before = auth.session;
		const error = await auth.login({ username: 'alice', password: 'nope' }).catch((thrown: unknown) => thrown);
		expect(error).toBeInstanceOf(TokenKeeperError);
		expect(error).toMatchObject({ code: 'LOGIN_FAILED', status: 401, oauthError: 'invalid_credentials' });
		expect(auth.session).toBe(before);
	});

	it.each([
		['not JSON', () => new HttpResponse('<html>gateway</html>', { headers: { 'content-type': 'text/html' } })],
		['JSON without a token', () => HttpResponse.json({ ok: true })],
		['an empty token', () => HttpResponse.json({ access_token: '' })],
	])('an answer that is %s rejects with INVALID_TOKEN_RESPONSE and leaves the session as it was', async (_, answer) => {
		const { auth } = keeper();
		await auth.login(ALICE);
		const before = auth.session;
		msw.use(http.post(`${API}/auth/login`, answer));
		await expect(auth.login(ALICE)).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE' });
		expect(auth.session).toBe(before);
	});

	it('no answer rejects with NETWORK_ERROR', async () => {
		server.fail('login', 'network');
		const { auth } = keeper();
		await expect(auth.login(ALICE)).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
		expect(auth.session.status).toBe('unauthenticated');
	});

	it('without a login endpoint, login() says so', async () => {
		const auth = createTokenKeeper({ storage: 'memory', crossTab: false });
		await expect(auth.login(ALICE)).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR', message: expect.stringMatching(/no login endpoint/i) });
		auth.destroy();
	});

	it('endpoint functions may answer a token response or a Response', async () => {
		const tokens = await server.issueTokens({ sub: 'carol' });
		const { auth } = keeper({
			endpoints: {
				login: async ({ credentials }) => (credentials.username === 'carol' ? tokens : Promise.reject(new Error('unknown user'))),
				refresh: ({ refreshToken, fetch, signal }) =>
					fetch(`${API}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refresh_token: refreshToken }), headers: { 'content-type': 'application/json' }, signal }),
			},
		});
		await auth.login({ username: 'carol' });
		expect(auth.session.claims?.sub).toBe('carol');
		await auth.refresh();
		expect(server.calls.refresh).toBe(1);
	});
});

describe('setTokens', () => {
	it('starts a session from tokens obtained elsewhere, as a login does', async () => {
		const { auth, events } = keeper();
		const tokens = await server.issueTokens({ sub: 'dave', scope: 'read' });
		await auth.setTokens(tokens);
		expect(auth.session).toMatchObject({ status: 'authenticated', claims: { sub: 'dave' }, scopes: ['read'] });
		expect(events.at(-1)?.type).toBe('login');
		expect((await auth.fetch(`${API}/me`)).status).toBe(200);
	});
	it('rejects what is not a token response, leaving the session alone', async () => {
		const { auth } = keeper();
		await expect(auth.setTokens(JSON.parse('{"token":"x"}') as TokenResponse)).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE' });
		expect(auth.session.status).toBe('unauthenticated');
	});
});

describe('logout', () => {
	it('revokes the refresh token, ends the session and clears storage', async () => {
		const stored = new Map<string, unknown>();
		const storage: StorageAdapter = { get: (key) => stored.get(key), set: (key, value) => void stored.set(key, value), delete: (key) => void stored.delete(key) };
		const { auth, events } = keeper({ storage });
		await auth.login(ALICE);
		const { refreshToken } = [...stored.values()][0] as { refreshToken: string };
		expect(stored.size).toBe(1);
		await auth.logout();
		expect(stored.size).toBe(0);
		expect(server.calls.revoke).toBe(1);
		expect(eventTypes(events).at(-1)).toBe('logout:user');
		expect(auth.session.status).toBe('unauthenticated');
		// the revoked token is dead on the server
		const response = await fetch(`${API}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refresh_token: refreshToken }), headers: { 'content-type': 'application/json' } });
		expect(response.status).toBe(400);
	});

	it('logs out locally even when revocation fails, and reports the failure', async () => {
		server.fail('revoke', { status: 503 });
		const { auth, events } = keeper();
		await auth.login(ALICE);
		await auth.logout();
		expect(auth.session.status).toBe('unauthenticated');
		const error = events.at(-1);
		expect(error).toMatchObject({ type: 'error', error: { status: 503 } });
		expect(eventTypes(events).slice(-2)).toEqual(['logout:user', 'error']);
	});

	it('logout when signed out is a no-op', async () => {
		const { auth, events } = keeper();
		await auth.logout();
		expect(server.calls.revoke).toBe(0);
		expect(eventTypes(events)).toEqual(['sync']);
	});
});

describe('storage', () => {
	it('a corrupted stored value: starts signed out with an error event, never throws', async () => {
		localStorage.setItem('tokenkeeper:corrupt', '{"v":1,"accessToken":');
		const { auth, events } = keeper({ storage: 'localStorage', name: 'corrupt' });
		await expect(auth.ready).resolves.toBeUndefined();
		expect(auth.session.status).toBe('unauthenticated');
		expect(events).toEqual([expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'STORAGE_FAILED' }) })]);
		expect(await auth.getAccessToken()).toBeNull();
		expect(localStorage.getItem('tokenkeeper:corrupt')).toBe('{"v":1,"accessToken":'); // nothing lost
		await auth.login(ALICE); // and a login writes over it
		expect(JSON.parse(localStorage.getItem('tokenkeeper:corrupt')!)).toMatchObject({ v: 1 });
	});

	it('a reload picks the session up from storage', async () => {
		const first = keeper({ storage: 'localStorage', name: 'reload' });
		await first.auth.login(ALICE);
		first.auth.destroy();
		const second = keeper({ storage: 'localStorage', name: 'reload' });
		await second.auth.ready;
		expect(second.auth.session.accessToken).toBe(first.auth.session.accessToken);
		expect(second.events).toEqual([expect.objectContaining({ type: 'sync', source: 'storage' })]);
	});

	it('a storage that cannot be written keeps the session in this tab and reports it', async () => {
		const storage: StorageAdapter = { get: () => undefined, set: () => Promise.reject(new Error('quota exceeded')), delete: () => undefined };
		const { auth, events } = keeper({ storage });
		await auth.login(ALICE);
		expect(auth.session.status).toBe('authenticated');
		expect(events.find((event) => event.type === 'error')).toMatchObject({ error: { code: 'STORAGE_FAILED', message: expect.stringMatching(/quota/) } });
	});

	it('a storage that cannot be read starts signed out, reports it, and does not wipe it', async () => {
		const deleted = vi.fn();
		const storage: StorageAdapter = { get: () => Promise.reject(new Error('locked')), set: () => undefined, delete: deleted };
		const { auth, events } = keeper({ storage });
		await auth.ready;
		expect(auth.session.status).toBe('unauthenticated');
		expect(events[0]).toMatchObject({ type: 'error', error: { code: 'STORAGE_FAILED' } });
		expect(deleted).not.toHaveBeenCalled();
	});
});

describe('events and lifecycle', () => {
	it('unsubscribe stops the events; a throwing listener is reported and does not break the keeper', async () => {
		const { auth } = keeper();
		const seen = vi.fn();
		const unsubscribe = auth.subscribe(seen);
		const thrown = new Error('listener bug');
		const reported = vi.spyOn(console, 'error').mockImplementation(() => undefined);
		auth.subscribe(() => {
			throw thrown;
		});
		const after = vi.fn();
		auth.subscribe(after);
		await auth.login(ALICE);
		expect(auth.session.status).toBe('authenticated');
		expect(reported).toHaveBeenCalledWith(thrown);
		expect(after).toHaveBeenCalledTimes(2);
		expect(seen).toHaveBeenCalledTimes(2);
		unsubscribe();
		await auth.logout();
		expect(seen).toHaveBeenCalledTimes(2);
		expect(after).toHaveBeenCalledTimes(3);
	});

	it('destroy() leaves no timers and no listeners behind', async () => {
		fakeTime();
		const { auth } = keeper();
		await auth.login(ALICE);
		expect(vi.getTimerCount()).toBe(1);
		const listener = vi.fn();
		auth.subscribe(listener);
		auth.destroy();
		expect(vi.getTimerCount()).toBe(0);
		vi.setSystemTime(Date.now() + 280_000);
		document.dispatchEvent(new Event('visibilitychange'));
		window.dispatchEvent(new Event('online'));
		window.dispatchEvent(new Event('pageshow'));
		await vi.advanceTimersByTimeAsync(600_000);
		expect(server.calls.refresh).toBe(0);
		expect(listener).not.toHaveBeenCalled();
		expect(vi.getTimerCount()).toBe(0);
	});

	it('works in a page that has no IndexedDB, with the default storage', async () => {
		const auth = createTokenKeeper({ apiUrl: API, endpoints: JSON_ENDPOINTS, crossTab: false });
		await auth.ready;
		await auth.login(ALICE);
		expect(auth.session.status).toBe('authenticated');
		auth.destroy();
	});
});

describe('a storage that fails now and then', () => {
	it('a session that could not be stored is not mistaken for a logout elsewhere, and is stored again at the next refresh', async () => {
		const values = new Map<string, unknown>();
		let failWrites = true;
		const storage: StorageAdapter = {
			get: (key) => values.get(key),
			set: (key, value) => (failWrites ? Promise.reject(new Error('quota exceeded')) : void values.set(key, value)),
			delete: (key) => void values.delete(key),
		};
		const { auth, events } = keeper({ storage });
		await auth.login(ALICE);
		expect(values.size).toBe(0);
		failWrites = false;
		await auth.refresh();
		expect(auth.session.status).toBe('authenticated');
		expect(eventTypes(events)).not.toContain('logout:other-tab');
		expect(values.size).toBe(1);
		expect((values.values().next().value as { accessToken: string }).accessToken).toBe(auth.session.accessToken);
	});
});

describe('older browsers', () => {
	it('without AbortSignal.any (Safari before 17.4), refreshes still work and still time out', async () => {
		vi.stubGlobal('AbortSignal', Object.assign(Object.create(AbortSignal), { timeout: AbortSignal.timeout.bind(AbortSignal), any: undefined }));
		try {
			const { auth } = keeper({ timeout: 100 });
			await auth.login(ALICE);
			await auth.refresh();
			expect(server.calls.refresh).toBe(1);
			server.fail('refresh', 'hang', { times: 1 });
			await expect(auth.refresh()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
			expect(auth.session.status).toBe('authenticated');
			await auth.logout();
		} finally {
			vi.unstubAllGlobals();
		}
	});
});
