// An app's own auth tests under Jest 30 (jsdom), against tokenkeeper's test kit through msw.
const { setupServer } = require('msw/node');
const { createTokenKeeper } = require('tokenkeeper');
const { createApi } = require('tokenkeeper/ky');
const { createMockAuthServer } = require('tokenkeeper/testing');

const API = 'https://api.example.com';
const server = createMockAuthServer({ origin: API });
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.reset());
afterAll(() => msw.close());

let auth;
beforeEach(() => {
	auth = createTokenKeeper({ apiUrl: API, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' } });
});
afterEach(() => auth.destroy());

test('signs in and calls the API with the token', async () => {
	await auth.login({ username: 'alice', password: 'wonderland' });
	expect(auth.session.status).toBe('authenticated');
	const response = await auth.fetch(`${API}/me`);
	expect(await response.json()).toEqual({ sub: 'alice', scope: 'read write' });
});

test('a 401 on the API leads to one refresh and the request replayed, through the ky client', async () => {
	await auth.login({ username: 'alice', password: 'wonderland' });
	const before = auth.session.accessToken;
	server.fail('resource', { status: 401 }, { times: 1 });
	expect(await createApi(auth).get('me').json()).toEqual({ sub: 'alice', scope: 'read write' });
	expect(server.calls.refresh).toBe(1);
	expect(auth.session.accessToken).not.toBe(before);
});

test('signs the user out when the server revokes the session', async () => {
	await auth.login({ username: 'alice', password: 'wonderland' });
	server.revokeAll();
	expect((await auth.fetch(`${API}/me`)).status).toBe(401);
	expect(auth.session.status).toBe('unauthenticated');
});
