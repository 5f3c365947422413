// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { ALICE, API, eventTypes, fakeTime, JSON_ENDPOINTS, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi({ accessTokenTtl: 300 });
const me = `${API}/me`;
const refreshesOf = () => server.calls.refresh;

describe('one refresh at a time', () => {
	it('50 concurrent requests with an expired token share one refresh, and all succeed', async () => {
		fakeTime();
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		vi.setSystemTime(Date.now() + 301_000); // the tab slept past expiry: no timer ran
		const responses = await Promise.all(Array.from({ length: 50 }, () => auth.fetch(me)));
		expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
		expect(refreshesOf()).toBe(1);
		expect(server.reuses).toBe(0);
		const tokens = new Set(sent.filter((entry) => entry.url === me).map((entry) => entry.authorization));
		expect(tokens).toEqual(new Set([`Bearer ${auth.session.accessToken}`]));
	});

	it('a manual refresh() during a refresh shares it', async () => {
		const { auth, events } = keeper();
		await auth.login(ALICE);
		const before = auth.session.accessToken;
		const [a, b] = await Promise.all([auth.refresh(), auth.refresh()]);
		expect(a).toBe(b);
		expect(refreshesOf()).toBe(1);
		expect(auth.session.accessToken).not.toBe(before);
		expect(events.at(-1)).toMatchObject({ type: 'refresh', trigger: 'manual', adopted: false });
	});
});

describe('proactive refresh', () => {
	it('refreshes by timer before expiry, a fifth of the lifetime ahead', async () => {
		fakeTime();
		const { auth, events } = keeper();
		await auth.login(ALICE);
		const expiresAt = auth.session.expiresAt!;
		await vi.advanceTimersByTimeAsync(expiresAt - Date.now() - 61_000);
		expect(refreshesOf()).toBe(0);
		await vi.advanceTimersByTimeAsync(2_000);
		await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'refresh', trigger: 'timer', adopted: false }));
		expect(refreshesOf()).toBe(1);
		expect(auth.session.expiresAt).toBeGreaterThan(expiresAt);
	});

	it('honours refreshBefore, but never more than half the lifetime', async () => {
		fakeTime();
		const { auth } = keeper({ refreshBefore: 10 * 60_000 }); // longer than the 5-minute token
		await auth.login(ALICE);
		await vi.advanceTimersByTimeAsync(149_000);
		expect(refreshesOf()).toBe(0);
		await vi.advanceTimersByTimeAsync(2_000);
		expect(refreshesOf()).toBe(1);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(refreshesOf()).toBe(1); // no loop
	});

	it.each(['visibilitychange', 'online', 'pageshow'] as const)('checks the token on %s, since timers do not run in sleeping tabs', async (type) => {
		fakeTime();
		const { auth, events } = keeper();
		await auth.login(ALICE);
		vi.setSystemTime(Date.now() + 280_000); // slept: the timer did not fire
		(type === 'visibilitychange' ? document : window).dispatchEvent(new Event(type));
		await vi.waitFor(() => expect(refreshesOf()).toBe(1));
		expect(events.at(-1)).toMatchObject({ type: 'refresh', trigger: 'timer', wakeEvent: type });
	});

	it('a request in the refresh window goes out with the current token while the refresh runs', async () => {
		fakeTime();
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		const first = auth.session.accessToken;
		vi.setSystemTime(Date.now() + 250_000); // due (60 s before expiry), still usable
		const response = await auth.fetch(me);
		expect(response.status).toBe(200);
		expect(sent.find((entry) => entry.url === me)?.authorization).toBe(`Bearer ${first}`);
		await vi.waitFor(() => expect(auth.session.accessToken).not.toBe(first));
		expect(refreshesOf()).toBe(1);
	});

	it('a token expiring in 40 days causes no refresh now, nor a timer loop', async () => {
		fakeTime();
		server.setAccessTokenTtl(40 * 24 * 3600);
		const { auth } = keeper();
		await auth.login(ALICE);
		await vi.advanceTimersByTimeAsync(30 * 24 * 3600_000); // past setTimeout's 24.8-day limit
		expect(refreshesOf()).toBe(0);
		expect(vi.getTimerCount()).toBe(1);
		await vi.advanceTimersByTimeAsync(10 * 24 * 3600_000);
		expect(refreshesOf()).toBe(1);
	});
});

describe('the server clock', () => {
	it.each([
		['10 minutes ahead of', -10 * 60_000],
		['10 minutes behind', 10 * 60_000],
		['5 hours ahead of', -5 * 3600_000],
	])('with the client clock %s the server, no request carries an expired token and refreshes stay bounded over an hour', async (_, serverOffset) => {
		fakeTime();
		server.setClockOffset(serverOffset);
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		const serverExp = (auth.session.claims!.exp as number) * 1000;
		expect(Math.abs(auth.session.expiresAt! - (serverExp - serverOffset))).toBeLessThan(1500); // expiresAt is in the local clock
		for (let second = 0; second < 3600; second += 7) {
			await vi.advanceTimersByTimeAsync(7_000);
			expect((await auth.fetch(me)).status).toBe(200);
		}
		expect(sent.filter((entry) => entry.url === me && entry.status === 401)).toEqual([]);
		expect(refreshesOf()).toBeGreaterThanOrEqual(12);
		expect(refreshesOf()).toBeLessThanOrEqual(16); // one per 4 minutes of a 5-minute token
	});
});

describe('failures', () => {
	it('a network error keeps the session and retries with backoff; invalid_grant ends it', async () => {
		fakeTime();
		const { auth, events, sent } = keeper();
		await auth.login(ALICE);
		server.fail('refresh', 'network', { times: 2 });
		vi.setSystemTime(auth.session.expiresAt! + 1_000);
		await expect(auth.fetch(me)).rejects.toMatchObject({ name: 'TokenKeeperError', code: 'NETWORK_ERROR' });
		expect(auth.session.status).toBe('authenticated');
		const firstError = events.at(-1);
		expect(firstError).toMatchObject({ type: 'error', trigger: 'request', error: { code: 'NETWORK_ERROR' } });
		const retryInMs = firstError?.type === 'error' ? firstError.retryInMs! : 0;
		expect(retryInMs).toBeGreaterThanOrEqual(500);
		expect(retryInMs).toBeLessThanOrEqual(1000);
		// during the backoff, requests fail fast instead of hammering the refresh endpoint
		await expect(auth.fetch(me)).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
		expect(server.presented).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(retryInMs);
		await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'error', trigger: 'timer' }));
		const second = events.at(-1);
		expect(second?.type === 'error' && second.retryInMs).toBeGreaterThanOrEqual(1000); // grows
		await vi.advanceTimersByTimeAsync(second?.type === 'error' ? second.retryInMs! : 0);
		await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'refresh', trigger: 'timer' }));
		expect((await auth.fetch(me)).status).toBe(200);

		server.revokeAll();
		vi.setSystemTime(auth.session.expiresAt! + 1_000);
		const response = await auth.fetch(me); // the session ends, the request goes out signed out
		expect(response.status).toBe(401);
		expect(eventTypes(events).at(-1)).toBe('logout:revoked');
		expect(auth.session.status).toBe('unauthenticated');
		expect(sent.at(-1)).toMatchObject({ url: me, authorization: null });
	});

	it('invalid_grant for an expired refresh token logs out with reason expired', async () => {
		fakeTime();
		const short = keeper();
		await short.auth.login(ALICE);
		vi.setSystemTime(Date.now() + 2 * 86_400_000); // the refresh token (1 day) expired too
		expect(await short.auth.getAccessToken()).toBeNull();
		const logout = short.events.find((event) => event.type === 'logout');
		expect(logout).toMatchObject({ reason: 'expired', error: { code: 'REFRESH_FAILED', status: 400, oauthError: 'invalid_grant' } });
		expect((await short.auth.fetch(me)).status).toBe(401);
		expect(short.sent.at(-1)?.authorization).toBeNull();
	});

	it('honours Retry-After on 429 and 503', async () => {
		const { auth, events } = keeper();
		await auth.login(ALICE);
		server.fail('refresh', { status: 429, headers: { 'Retry-After': '120' }, body: { error: 'slow_down' } }, { times: 1 });
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'REFRESH_FAILED', status: 429, retryAfterMs: 120_000 });
		expect(events.at(-1)).toMatchObject({ type: 'error', retryInMs: 120_000 });
		expect(auth.session.status).toBe('authenticated');
	});

	it('treats a garbled answer as transient', async () => {
		const { auth, events } = keeper();
		await auth.login(ALICE);
		server.fail('refresh', 'truncated', { times: 1 });
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE' });
		expect(events.at(-1)).toMatchObject({ type: 'error', retryInMs: expect.any(Number) });
		await auth.refresh();
		expect(server.reuses).toBe(0);
	});

	it('a misconfigured client (invalid_client) is reported once and does not loop', async () => {
		fakeTime();
		msw.use(http.post(`${API}/auth/refresh`, () => HttpResponse.json({ error: 'invalid_client', error_description: 'unknown client' }, { status: 401 })));
		const { auth, events } = keeper();
		await auth.login(ALICE);
		await vi.advanceTimersByTimeAsync(3600_000);
		const errors = events.filter((event) => event.type === 'error');
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ error: { code: 'REFRESH_FAILED', oauthError: 'invalid_client' } });
		expect(errors[0]).not.toHaveProperty('retryInMs');
		expect(auth.session.status).toBe('authenticated'); // not a silent logout
		await expect(auth.fetch(me)).rejects.toMatchObject({ oauthError: 'invalid_client' });
	});

	it('a refresh that lands after logout never brings the session back', async () => {
		fakeTime();
		const { auth, events } = keeper();
		await auth.login(ALICE);
		server.fail('refresh', { delayMs: 2_000 }, { times: 1 });
		const refreshing = auth.refresh().catch((error: unknown) => Promise.reject(error));
		refreshing.catch(() => undefined); // asserted below
		await vi.advanceTimersByTimeAsync(500);
		await auth.logout();
		await vi.advanceTimersByTimeAsync(5_000);
		await expect(refreshing).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
		expect(auth.session.status).toBe('unauthenticated');
		expect(await auth.getAccessToken()).toBeNull();
		expect(eventTypes(events)).not.toContain('refresh:manual');
	});

	it('a refresh answer that arrives after logout anyway (an endpoint function deaf to the abort) has its new refresh token revoked', async () => {
		const presented: string[] = [];
		const revoked: Array<string | undefined> = [];
		// The order is set by promises: the server has minted the new pair, then the logout runs, then the answer comes.
		let answer!: () => void;
		let mint!: () => void;
		const answered = new Promise<void>((resolve) => (answer = resolve));
		const minted = new Promise<void>((resolve) => (mint = resolve));
		const { auth, events } = keeper({
			endpoints: {
				...JSON_ENDPOINTS,
				logout: async ({ refreshToken }) => {
					revoked.push(refreshToken);
					return fetch(`${API}/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshToken }) });
				},
				refresh: async ({ refreshToken }) => {
					const response = await fetch(`${API}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshToken }) });
					const body = (await response.clone().json()) as { refresh_token: string };
					presented.push(body.refresh_token);
					mint();
					await answered; // the answer is slow to come back, and no signal stops it
					return response;
				},
			},
		});
		await auth.login(ALICE);
		const refreshing = auth.refresh();
		refreshing.catch(() => undefined); // asserted below
		await minted;
		await auth.logout();
		expect(revoked).toHaveLength(1);
		answer();
		await expect(refreshing).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
		await vi.waitFor(() => expect(revoked).toHaveLength(2)); // the logout's, then the dropped answer's new refresh token
		expect(auth.session.status).toBe('unauthenticated');
		expect(presented).toEqual([expect.any(String)]);
		expect(revoked[1]).toBe(presented[0]);
		expect(revoked[0]).not.toBe(presented[0]);
		expect(eventTypes(events).filter((type) => type === 'error')).toEqual([]);
	});

	it('a token without a refresh token is used until it expires, then the session ends', async () => {
		fakeTime();
		const { auth, events } = keeper();
		const tokens = await server.issueTokens({ sub: 'bob' });
		await auth.setTokens({ access_token: tokens.access_token });
		expect(await auth.getAccessToken()).toBe(tokens.access_token);
		await vi.advanceTimersByTimeAsync(290_000);
		expect(await auth.getAccessToken()).toBe(tokens.access_token);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(eventTypes(events).at(-1)).toBe('logout:expired');
		expect(await auth.getAccessToken()).toBeNull();
		expect(refreshesOf()).toBe(0);
	});

	it('refresh() when signed out rejects with SESSION_EXPIRED', async () => {
		const { auth } = keeper();
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
	});
});
