// The README's example of an app's own test, run against the built package as an app would import it.
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createTokenKeeper } from 'tokenkeeper';
import { createApi } from 'tokenkeeper/ky';
import { createMockAuthServer, settle } from 'tokenkeeper/testing';

const auth = createTokenKeeper({
	apiUrl: 'https://api.example.com',
	endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
});
const api = createApi(auth);

const server = createMockAuthServer({ origin: 'https://api.example.com', accessTokenTtl: 60 });
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen());
afterEach(() => server.reset());
afterAll(() => msw.close());

it('keeps the user signed in across a token expiry', async () => {
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
	await auth.login({ username: 'alice', password: 'wonderland' });
	await settle(auth, () => vi.advanceTimersByTimeAsync(61_000)); // advance, then wait for the refresh to finish
	expect(auth.session.status).toBe('authenticated');
	expect(await api.get('me').json()).toEqual({ sub: 'alice', scope: 'read write' });
	expect(server.calls.refresh).toBe(1);
	expect(server.reuses).toBe(0);
	vi.useRealTimers();
});

it('signs the user out when the server revokes the session', async () => {
	await auth.login({ username: 'alice', password: 'wonderland' });
	server.revokeAll();
	await expect(api.get('me')).rejects.toMatchObject({ response: { status: 401 } });
	expect(auth.session.status).toBe('unauthenticated');
});
