// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { oauth2, type TokenKeeperOptions } from '../src/index.js';
import { ALICE, API, eventTypes, fakeTime, JSON_ENDPOINTS, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi();

const dialects: [string, TokenKeeperOptions][] = [
	['JSON endpoints', { endpoints: JSON_ENDPOINTS }],
	['OAuth 2.0, public client', oauth2({ tokenEndpoint: `${API}/oauth/token`, revocationEndpoint: `${API}/oauth/revoke`, clientId: 'spa' })],
	['OAuth 2.0, confidential client', oauth2({ tokenEndpoint: `${API}/oauth/token`, revocationEndpoint: `${API}/oauth/revoke`, clientId: 'backend', clientSecret: 's3cret' })],
];

describe.each(dialects)('%s', (_, options) => {
	it('logs in, refreshes with rotation, and revokes at logout', async () => {
		const { auth, events } = keeper(options);
		await auth.login(ALICE);
		expect(auth.session.claims?.sub).toBe('alice');
		const first = auth.session.accessToken;
		await auth.refresh();
		await auth.refresh();
		expect(auth.session.accessToken).not.toBe(first);
		expect(server.calls.refresh).toBe(2);
		expect(new Set(server.presented).size).toBe(2);
		expect((await auth.fetch(`${API}/me`)).status).toBe(200);
		await auth.logout();
		expect(server.calls.revoke).toBe(1);
		expect(eventTypes(events)).toEqual(['sync', 'login', 'refresh:manual', 'refresh:manual', 'logout:user']);
	});

	it('a wrong password is LOGIN_FAILED', async () => {
		const { auth } = keeper(options);
		await expect(auth.login({ username: 'alice', password: 'x' })).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
	});

	it('a reused refresh token ends the session with reason revoked', async () => {
		const { auth, events } = keeper(options);
		await auth.login(ALICE);
		const stolen = (await server.issueTokens()).refresh_token; // another family: irrelevant
		expect(stolen).toBeTruthy();
		// an attacker replays the first refresh token after the app rotated it
		const spent = server.presented.length;
		await auth.refresh();
		const used = server.presented[spent]!;
		const replay = await fetch(`${API}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refresh_token: used }), headers: { 'content-type': 'application/json' } });
		expect(replay.status).toBe(400);
		expect(server.reuses).toBe(1);
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
		expect(events.at(-1)).toMatchObject({ type: 'logout', reason: 'revoked' });
	});

	it('session.scopes follows the granted scope', async () => {
		const { auth } = keeper(options);
		await auth.login(ALICE);
		expect(auth.session.scopes).toEqual(['read', 'write']);
	});
});

describe('OAuth 2.0 preset', () => {
	const base = { tokenEndpoint: `${API}/oauth/token`, revocationEndpoint: `${API}/oauth/revoke`, clientId: 'spa' };

	it('sends the refresh_token grant form-encoded (RFC 6749 section 6) and revokes with token_type_hint (RFC 7009)', async () => {
		const bodies: Record<string, string>[] = [];
		const record = ({ request }: { request: Request }) => {
			void request
				.clone()
				.text()
				.then((text) => bodies.push(Object.fromEntries(new URLSearchParams(text))));
		};
		const { auth } = keeper(oauth2({ ...base, scope: 'read', resource: ['https://api.example.com', 'https://files.example.com'] }));
		msw.events.on('request:start', record);
		await auth.login(ALICE);
		await auth.refresh();
		await auth.logout();
		msw.events.removeAllListeners();
		await vi.waitFor(() => expect(bodies).toHaveLength(3));
		expect(bodies[0]).toMatchObject({ grant_type: 'password', username: 'alice', client_id: 'spa', scope: 'read' });
		expect(bodies[1]).toMatchObject({ grant_type: 'refresh_token', client_id: 'spa' });
		expect(bodies[1]!.refresh_token).toBe(server.presented[0]);
		expect(bodies[2]).toMatchObject({ token_type_hint: 'refresh_token', client_id: 'spa' });
	});

	it('a response without a new refresh token keeps the old one', async () => {
		const { auth } = keeper(oauth2(base));
		await auth.login(ALICE);
		const issued = await server.issueTokens();
		msw.use(http.post(`${API}/oauth/token`, () => HttpResponse.json({ access_token: issued.access_token, token_type: 'Bearer', expires_in: 300 }), { once: true }));
		await auth.refresh();
		expect(auth.session.accessToken).toBe(issued.access_token);
		await auth.refresh(); // with the refresh token kept from the login
		expect(server.calls.refresh).toBe(1);
		expect(server.reuses).toBe(0);
	});

	it('invalid_client is a configuration error, not a logout, and does not loop', async () => {
		fakeTime();
		const { auth, events } = keeper(oauth2({ ...base, clientId: 'backend', clientSecret: 'wrong' }));
		const tokens = await server.issueTokens();
		await auth.setTokens(tokens);
		await vi.advanceTimersByTimeAsync(3600_000);
		const errors = events.filter((event) => event.type === 'error');
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ error: { code: 'REFRESH_FAILED', status: 401, oauthError: 'invalid_client' } });
		expect(auth.session.status).toBe('authenticated');
		expect(server.calls.refresh).toBe(0);
	});

	it('unsupported_grant_type is reported clearly', async () => {
		msw.use(http.post(`${API}/oauth/token`, () => HttpResponse.json({ error: 'unsupported_grant_type', error_description: 'refresh_token grant disabled for this client' }, { status: 400 })));
		const { auth } = keeper(oauth2(base));
		await auth.setTokens(await server.issueTokens());
		const error = await auth.refresh().catch((thrown: unknown) => thrown);
		expect(error).toMatchObject({ code: 'REFRESH_FAILED', oauthError: 'unsupported_grant_type', message: expect.stringMatching(/refresh_token grant disabled/) });
		expect(auth.session.status).toBe('authenticated');
	});

	it('logout happens even when revocation fails, and the failure is reported', async () => {
		server.fail('revoke', 'network');
		const { auth, events } = keeper(oauth2(base));
		await auth.login(ALICE);
		await auth.logout();
		expect(auth.session.status).toBe('unauthenticated');
		expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'NETWORK_ERROR' } });
	});

	it('a revocation endpoint that answers an error is reported with its status, and the logout still happens', async () => {
		server.fail('revoke', { status: 503 });
		const { auth, events } = keeper(oauth2(base));
		await auth.login(ALICE);
		await auth.logout();
		expect(auth.session.status).toBe('unauthenticated');
		expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'REVOCATION_FAILED', status: 503 } });
	});

	it('a custom logout function that resolves to an error Response counts as a failed revocation', async () => {
		const { auth, events } = keeper({ endpoints: { ...JSON_ENDPOINTS, logout: async () => new Response('{"error":"unavailable"}', { status: 502 }) } });
		await auth.login(ALICE);
		await auth.logout();
		expect(auth.session.status).toBe('unauthenticated');
		expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'REVOCATION_FAILED', status: 502, oauthError: 'unavailable' } });
	});

	it('without a refresh token, logout revokes the access token', async () => {
		const { auth } = keeper(oauth2(base));
		const { access_token } = await server.issueTokens();
		await auth.setTokens({ access_token });
		expect((await auth.fetch(`${API}/me`)).status).toBe(200);
		await auth.logout();
		expect(server.calls.revoke).toBe(1);
		expect((await fetch(`${API}/me`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(401);
	});
});
