import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenKeeper, oauth2, TokenKeeperError } from '../src/index.js';
import { createApi } from '../src/ky/index.js';
import { createTabHub, gate, sharedStorage } from './interleave.js';
import { ALICE, API, eventTypes, JSON_ENDPOINTS, keeper, useMockApi } from './support.js';

// One example test per defect of the session core: each failed before the state machine.
const { server, msw } = useMockApi({ accessTokenTtl: 300, users: { alice: 'wonderland', bob: 'builder' } });
const me = `${API}/me`;
const BOB = { username: 'bob', password: 'builder' };
afterEach(() => vi.unstubAllGlobals());

/**
 * JSON endpoints that record the refresh tokens each refresh was given (`minted`) and each revocation (`revoked`;
 * the mock server revokes a whole family, which would hide a token left alive). `answer`, when given, holds every
 * refresh answer on its way back, where no signal stops it.
 */
function recordingEndpoints(answer?: Promise<void>) {
	const revoked: (string | undefined)[] = [];
	const minted: string[] = [];
	const endpoints = {
		...JSON_ENDPOINTS,
		refresh: async ({ refreshToken, fetch }: { refreshToken: string; fetch: typeof globalThis.fetch }) => {
			const response = await fetch(`${API}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshToken }) });
			const body = (await response.json()) as { refresh_token: string };
			minted.push(body.refresh_token);
			await answer;
			return body;
		},
		logout: async ({ refreshToken }: { refreshToken: string | undefined }) => {
			revoked.push(refreshToken);
		},
	};
	return { endpoints, revoked, minted };
}

const refreshTokenOf = (value: unknown) => (value as { refreshToken?: string } | undefined)?.refreshToken;

describe('a logout holds (defect 1)', () => {
	it('a refresh that is writing its new set when logout() is called does not bring the session back (a slow custom adapter, no update)', async () => {
		const storage = sharedStorage({ atomic: false });
		const { endpoints, revoked, minted } = recordingEndpoints();
		const { auth } = keeper({ storage: storage.adapter, endpoints });
		await auth.login(ALICE);
		const write = storage.hold();
		const refreshing = auth.refresh().catch((error: unknown) => error);
		await write.started; // the refresh answer is in, its write waits
		const loggingOut = auth.logout();
		write.release();
		await loggingOut;
		expect(auth.session.status).toBe('unauthenticated');
		expect([...storage.values.values()].filter(Boolean)).toEqual([]); // storage holds nothing of it
		expect(await refreshing).toMatchObject({ code: 'SESSION_EXPIRED' });
		expect(auth.session.status).toBe('unauthenticated');
		// the refresh token the server minted for that refresh does not stay alive
		expect(minted).toHaveLength(1);
		await vi.waitFor(() => expect(revoked).toContain(minted[0]));
	});

	it('two tabs: A logs out while B waits for its refresh answer; B ends, storage is empty, and the token B was given is revoked', async () => {
		const hub = createTabHub();
		hub.install();
		const storage = sharedStorage();
		const answer = gate();
		const { endpoints, revoked, minted } = recordingEndpoints(answer.promise);
		const a = keeper({ name: 'two-tabs', storage: storage.adapter, crossTab: true, endpoints: recordingEndpoints().endpoints });
		const b = keeper({ name: 'two-tabs', storage: storage.adapter, crossTab: true, endpoints });
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		hub.deliver();
		expect(b.auth.session.status).toBe('authenticated');
		const refreshing = b.auth.refresh().catch((error: unknown) => error);
		await vi.waitFor(() => expect(minted).toHaveLength(1));
		const loggingOut = a.auth.logout(); // waits for the refresh lock that B holds...
		await vi.waitFor(() => {
			hub.deliver(); // ...which B lets go as soon as A's message reaches it
			expect(b.auth.session.status).toBe('unauthenticated');
		});
		await loggingOut;
		expect(await refreshing).toMatchObject({ code: 'SESSION_EXPIRED' });
		answer.open(); // the answer B no longer waits for comes back
		await vi.waitFor(() => expect(revoked).toContain(minted[0]));
		expect(b.auth.session.status).toBe('unauthenticated');
		expect(a.auth.session.status).toBe('unauthenticated');
		expect(storage.values.get('tokenkeeper:two-tabs')).toBeUndefined();
	});

	it("two tabs: B's refresh is stored just before A's logout; once A's message arrives B ends and revokes the newer token A never knew", async () => {
		const hub = createTabHub();
		hub.install();
		const storage = sharedStorage();
		const { endpoints, revoked } = recordingEndpoints();
		const a = keeper({ name: 'two-tabs-late', storage: storage.adapter, crossTab: true, endpoints });
		const b = keeper({ name: 'two-tabs-late', storage: storage.adapter, crossTab: true, endpoints });
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		hub.deliver();
		await b.auth.refresh(); // B's tokens message waits in the channel: A still holds the old set
		const newer = refreshTokenOf(storage.values.get('tokenkeeper:two-tabs-late'));
		await a.auth.logout();
		hub.deliver();
		await vi.waitFor(() => expect(revoked).toContain(newer));
		expect(b.auth.session.status).toBe('unauthenticated');
		expect(a.auth.session.status).toBe('unauthenticated');
		expect(storage.values.get('tokenkeeper:two-tabs-late')).toBeUndefined();
	});
});

describe('a request is never replayed under another session (defect 2)', () => {
	/** An API route that answers 401 once `release` is called, whatever the token. */
	function slow401() {
		const answer = gate();
		const seen: (string | null)[] = [];
		msw.use(
			http.get(`${API}/slow`, async ({ request }) => {
				seen.push(request.headers.get('authorization'));
				await answer.promise;
				return new HttpResponse(null, { status: 401 });
			}),
		);
		return { seen, release: answer.open };
	}

	it('through auth.fetch: a 401 for alice that comes after bob signed in goes back to the app', async () => {
		const { auth } = keeper();
		await auth.login(ALICE);
		const route = slow401();
		const request = auth.fetch(`${API}/slow`);
		await vi.waitFor(() => expect(route.seen).toHaveLength(1));
		await auth.logout();
		await auth.login(BOB);
		route.release();
		expect((await request).status).toBe(401);
		expect(route.seen).toHaveLength(1); // not replayed with bob's token
	});

	it('through a ky client (createApi), and when bob signed in in another tab', async () => {
		const hub = createTabHub();
		hub.install();
		const a = keeper({ name: 'replay', crossTab: true });
		const b = keeper({ name: 'replay', crossTab: true });
		await a.auth.login(ALICE);
		hub.deliver();
		const route = slow401();
		const request = createApi(b.auth).get('slow', { retry: 0, throwHttpErrors: false });
		await vi.waitFor(() => expect(route.seen).toHaveLength(1));
		await a.auth.logout();
		await a.auth.login(BOB);
		hub.deliver();
		expect(b.auth.session.claims?.sub).toBe('bob');
		route.release();
		expect((await request).status).toBe(401);
		expect(route.seen).toHaveLength(1);
	});
});

describe('401s cost a bounded number of refreshes (defect 3)', () => {
	it('an API that refuses every token: 10 requests, at most one refresh, and the app sees the 401s', async () => {
		msw.use(http.get(`${API}/broken`, () => new HttpResponse(null, { status: 401 })));
		const { auth } = keeper();
		await auth.login(ALICE);
		const statuses: number[] = [];
		for (let i = 0; i < 10; i++) statuses.push((await auth.fetch(`${API}/broken`)).status);
		await Promise.all(Array.from({ length: 5 }, () => auth.fetch(`${API}/broken`)));
		expect(statuses).toEqual(Array(10).fill(401));
		expect(server.calls.refresh).toBeLessThanOrEqual(1);
		expect(auth.session.status).toBe('authenticated');
	});

	it('a 401 from another origin, after a redirect, is not about the token: no refresh', async () => {
		msw.use(
			http.get(`${API}/moved`, () => new HttpResponse(null, { status: 302, headers: { location: 'https://elsewhere.example.net/login' } })),
			http.get('https://elsewhere.example.net/login', () => new HttpResponse(null, { status: 401 })),
		);
		const { auth } = keeper();
		await auth.login(ALICE);
		for (let i = 0; i < 3; i++) expect((await auth.fetch(`${API}/moved`)).status).toBe(401);
		expect(server.calls.refresh).toBe(0);
	});
});

describe('an expired token is never sent (defect 4)', () => {
	it("RFC 7519's example token (exp 1300819380, no iat) is refreshed before the first request", async () => {
		const expired = await server.signAccessToken({ iss: 'joe', exp: 1300819380, sub: 'alice' });
		const { refresh_token } = await server.issueTokens();
		const { auth, sent } = keeper();
		await auth.setTokens({ access_token: expired, refresh_token });
		expect((await auth.fetch(me)).status).toBe(200);
		expect(sent.filter((entry) => entry.authorization === `Bearer ${expired}`)).toEqual([]);
		expect(server.calls.refresh).toBe(1);
	});

	it('without a refresh token, it ends the session as expired and the request goes out signed out', async () => {
		const expired = await server.signAccessToken({ exp: 1300819380, sub: 'alice' });
		const { auth, sent, events } = keeper();
		await auth.setTokens({ access_token: expired });
		await auth.fetch(me);
		expect(sent.filter((entry) => entry.authorization !== null)).toEqual([]);
		expect(eventTypes(events).at(-1)).toBe('logout:expired');
	});
});

describe('a bug is not a network error (defect 5)', () => {
	it("an endpoint function's TypeError is reported once as REFRESH_FAILED with the bug as its cause, and automatic refreshes halt", async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		let calls = 0;
		const { auth, events } = keeper({
			refreshBefore: 60_000,
			endpoints: {
				...JSON_ENDPOINTS,
				refresh: async () => {
					calls++;
					return (undefined as unknown as { json(): never }).json(); // the app's bug
				},
			},
		});
		await auth.login(ALICE);
		await vi.advanceTimersByTimeAsync(245_000); // due at 240 s
		await vi.advanceTimersByTimeAsync(10 * 60_000);
		expect(calls).toBe(1);
		const errors = events.filter((event) => event.type === 'error');
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ error: { code: 'REFRESH_FAILED', cause: expect.any(TypeError) } });
		expect(errors[0]).not.toHaveProperty('retryInMs');
	});

	it('credentials that are not JSON (a BigInt) fail the login as LOGIN_FAILED, not NETWORK_ERROR, and nothing is sent', async () => {
		const { auth, sent } = keeper();
		await expect(auth.login({ username: 'alice', pin: 10n })).rejects.toMatchObject({ code: 'LOGIN_FAILED', cause: expect.any(TypeError) });
		expect(sent).toEqual([]);
	});

	it("fetch's own failure is still NETWORK_ERROR and retried", async () => {
		const { auth, events } = keeper();
		await auth.login(ALICE);
		server.fail('refresh', 'network');
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
		expect(events.at(-1)).toMatchObject({ type: 'error', retryInMs: expect.any(Number) });
	});
});

describe('error codes that say what happened (defect 6)', () => {
	it('no refresh endpoint is CONFIGURATION_ERROR', async () => {
		const { auth } = keeper({ endpoints: { login: JSON_ENDPOINTS.login } });
		await auth.login(ALICE);
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR' });
	});

	it('a server without the endpoint the preset needs is CONFIGURATION_ERROR, with no invented status', async () => {
		msw.use(http.get('https://id.example.com/.well-known/*', () => HttpResponse.json({ issuer: 'https://id.example.com' })));
		const auth = createTokenKeeper({ ...oauth2({ issuer: 'https://id.example.com', clientId: 'spa' }), storage: 'memory', crossTab: false });
		const error = await auth.login(ALICE).catch((thrown: unknown) => thrown);
		expect(error).toBeInstanceOf(TokenKeeperError);
		expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', status: undefined });
		auth.destroy();
	});

	it("the logout reason comes from data, not the server's words: an expired refresh token that the server calls revoked is expired", async () => {
		let answer = { error: 'invalid_grant', error_description: 'token revoked' };
		msw.use(http.post(`${API}/auth/refresh`, () => HttpResponse.json(answer, { status: 400 })));
		const { auth, events } = keeper();
		await auth.setTokens({ access_token: 'opaque', refresh_token: 'r1', expires_in: 300, refresh_expires_in: -1 } as never);
		await auth.refresh().catch(() => undefined);
		expect(eventTypes(events).at(-1)).toBe('logout:expired');
		// and a refresh token still within its lifetime that the server refuses was revoked, whatever the words
		answer = { error: 'invalid_grant', error_description: 'nope' };
		await auth.setTokens({ access_token: 'opaque', refresh_token: 'r2', expires_in: 300, refresh_expires_in: 3600 } as never);
		await auth.refresh().catch(() => undefined);
		expect(eventTypes(events).at(-1)).toBe('logout:revoked');
	});
});

describe("another user's session is never adopted as a refresh (defect 7)", () => {
	it('a tab that missed the logout and the next login: its next refresh is a logout (other-tab) then a sync to the new user', async () => {
		const hub = createTabHub();
		hub.install();
		const storage = sharedStorage();
		const a = keeper({ name: 'switch', storage: storage.adapter, crossTab: true });
		const b = keeper({ name: 'switch', storage: storage.adapter, crossTab: true });
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		hub.deliver();
		hub.deafen(1); // b misses what follows, as a page in the back/forward cache does
		await a.auth.logout();
		await a.auth.login(BOB);
		hub.deliver();
		expect(b.auth.session.claims?.sub).toBe('alice');
		const before = b.events.length;
		await b.auth.refresh().catch(() => undefined);
		expect(eventTypes(b.events.slice(before))).toEqual(['logout:other-tab', 'sync']);
		expect(b.auth.session.claims?.sub).toBe('bob');
		expect(b.events.some((event) => event.type === 'refresh' && event.adopted)).toBe(false);
	});

	it('a tab message with another session is a logout then a sync, too', async () => {
		const hub = createTabHub();
		hub.install();
		const a = keeper({ name: 'switch-message', crossTab: true });
		const b = keeper({ name: 'switch-message', crossTab: true });
		await a.auth.login(ALICE);
		hub.deliver();
		await a.auth.login(BOB); // a login over alice's session, in one step
		const before = b.events.length;
		hub.deliver();
		expect(eventTypes(b.events.slice(before))).toEqual(['logout:other-tab', 'sync']);
		expect(b.auth.session.claims?.sub).toBe('bob');
	});
});
