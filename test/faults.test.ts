// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { oauth2, TokenKeeperError, type TokenKeeperOptions } from '../src/index.js';
import type { Fault } from '../src/testing/index.js';
import { ALICE, API, eventTypes, fakeTime, JSON_ENDPOINTS, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi({ accessTokenTtl: 10 });

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seededRandom(seed: number) {
	let state = seed;
	return () => {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const me = `${API}/me`;

describe.each([
	['JSON endpoints', { endpoints: JSON_ENDPOINTS }],
	['OAuth 2.0', oauth2({ tokenEndpoint: `${API}/oauth/token`, revocationEndpoint: `${API}/oauth/revoke`, clientId: 'spa' })],
] as [string, TokenKeeperOptions][])('chaos (%s)', (_, options) => {
	it('2,000 requests while the refresh endpoint misbehaves: every call settles, no token is presented twice, the session survives every transient fault', async () => {
		fakeTime();
		const next = seededRandom(7);
		const faults: Fault[] = ['network', { status: 500 }, { status: 503 }, { status: 429, headers: { 'Retry-After': '2' } }, 'hang', 'truncated'];
		const injected: string[] = [];
		let previousFaulted = false;
		server.fail('refresh', () => {
			// every kind once first, then at random; never twice in a row, so that the backoff stays short enough
			// for many refreshes to happen in the simulated minutes (the backoff itself is tested elsewhere)
			previousFaulted = !previousFaulted && (injected.length < faults.length || next() < 0.6);
			if (!previousFaulted) return undefined;
			const fault = faults[injected.length < faults.length ? injected.length : Math.floor(next() * faults.length)]!;
			injected.push(typeof fault === 'string' ? fault : String((fault as { status: number }).status));
			return fault;
		});
		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', onUnhandled);

		// a short real timeout: a 'hang' costs 250 ms of real time while the fake clock stands still (short enough
		// for a fast test, long enough that a busy CI machine does not time out a refresh the server did answer)
		const { auth, events, sent } = keeper({ ...options, timeout: 250 });
		await auth.login(ALICE);
		const outcomes = { ok: 0, rejected: 0 };
		for (let batch = 0; batch < 80; batch++) {
			const results = await Promise.allSettled(Array.from({ length: 25 }, () => auth.fetch(me)));
			for (const result of results) {
				if (result.status === 'fulfilled') {
					if (process.env.DEBUG_CHAOS && result.value.status !== 200)
						(await import('node:fs')).appendFileSync(
							'/tmp/chaos.log',
							`${[
								'401 at',
								Date.now(),
								'server',
								server.now(),
								'session exp',
								auth.session.expiresAt,
								'claims exp',
								auth.session.claims?.exp,
								await result.value.clone().text(),
								JSON.stringify(sent.filter((e) => e.status === 401).slice(0, 1)),
							].join(' ')}\n`,
						);
					expect(result.value.status).toBe(200); // never a 401: no request carried an expired token
					outcomes.ok++;
				} else {
					expect(result.reason).toBeInstanceOf(TokenKeeperError);
					expect(['NETWORK_ERROR', 'REFRESH_FAILED', 'INVALID_TOKEN_RESPONSE']).toContain((result.reason as TokenKeeperError).code);
					outcomes.rejected++;
				}
			}
			await vi.advanceTimersByTimeAsync(Math.floor(next() * 10_000));
		}
		process.off('unhandledRejection', onUnhandled);
		if (process.env.DEBUG_CHAOS)
			(await import('node:fs')).appendFileSync(
				'/tmp/chaos.log',
				JSON.stringify({
					injected,
					calls: server.calls,
					outcomes,
					events: events.map((e) => (e.type === 'error' ? `error:${e.error.code}:${e.error.status}:${e.retryInMs}:${e.trigger}` : e.type === 'refresh' ? `refresh:${e.trigger}` : e.type)),
				}),
			);

		expect(outcomes.ok + outcomes.rejected).toBe(2_000);
		expect(outcomes.ok).toBeGreaterThan(0);
		expect(new Set(injected).size).toBe(6); // every kind of fault happened
		expect(server.calls.refresh).toBeGreaterThan(10); // and refreshes got through between the faults
		expect(server.reuses).toBe(0);
		expect(new Set(server.presented).size).toBe(server.presented.length);
		expect(auth.session.status).toBe('authenticated');
		expect(eventTypes(events)).not.toContain('logout:expired');
		expect(sent.filter((entry) => entry.url === me && entry.status === 401)).toEqual([]);
		expect(unhandled).toEqual([]);

		// once the faults stop, it recovers by itself within the longest backoff
		server.clearFaults();
		await vi.advanceTimersByTimeAsync(5 * 60_000);
		expect((await auth.fetch(me)).status).toBe(200);

		// only a real invalid_grant ends it
		server.revokeAll();
		vi.setSystemTime(auth.session.expiresAt! + 1);
		expect((await auth.fetch(me)).status).toBe(401);
		expect(eventTypes(events).at(-1)).toBe('logout:revoked');
	}, 60_000);
});

describe('offline', () => {
	it('requests fail fast with NETWORK_ERROR, the session is kept, and the first request after online refreshes', async () => {
		fakeTime();
		const { auth, events } = keeper();
		await auth.login(ALICE);
		const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
		server.fail('resource', 'network');
		server.fail('refresh', 'network');
		// a fresh token: the request itself gets no answer
		await expect(auth.fetch(me)).rejects.toMatchObject({ name: 'TokenKeeperError', code: 'NETWORK_ERROR', cause: expect.any(TypeError) });
		// an expired token: no refresh is attempted while offline
		vi.setSystemTime(auth.session.expiresAt! + 5_000);
		await vi.advanceTimersByTimeAsync(1_000);
		await expect(auth.fetch(me)).rejects.toMatchObject({ code: 'NETWORK_ERROR', message: expect.stringMatching(/offline/i) });
		expect(server.presented).toEqual([]);
		expect(auth.session.status).toBe('authenticated');

		onLine.mockReturnValue(true);
		server.clearFaults();
		window.dispatchEvent(new Event('online'));
		await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'refresh', trigger: 'timer', wakeEvent: 'online' }));
		expect((await auth.fetch(me)).status).toBe(200);
		expect(server.calls.refresh).toBe(1);
	});
});

describe('redirects', () => {
	it('a trusted request redirected to another origin does not carry the token there', async () => {
		msw.use(
			http.get(`${API}/download`, () => new HttpResponse(null, { status: 302, headers: { location: 'https://cdn.example.net/file' } })),
			http.get('https://cdn.example.net/file', ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })),
		);
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		const response = await auth.fetch(`${API}/download`);
		expect(response.redirected).toBe(true);
		expect(await response.json()).toEqual({ authorization: null });
		expect(sent.at(-1)?.authorization).toBe(`Bearer ${auth.session.accessToken}`); // it did go to the trusted origin
	});

	it('a 401 after a redirect is replayed at the original URL', async () => {
		const seen: string[] = [];
		const tail = (request: Request) => request.headers.get('authorization')?.slice(-6);
		msw.use(
			http.get(`${API}/old`, ({ request }) => {
				seen.push(`old ${tail(request)}`);
				return new HttpResponse(null, { status: 302, headers: { location: `${API}/new` } });
			}),
			http.get(`${API}/new`, ({ request }) => {
				seen.push(`new ${tail(request)}`);
				return seen.length === 2 ? HttpResponse.json({}, { status: 401 }) : HttpResponse.json({ ok: true });
			}),
		);
		const { auth } = keeper();
		await auth.login(ALICE);
		const first = auth.session.accessToken!.slice(-6);
		const response = await auth.fetch(`${API}/old`);
		expect(await response.json()).toEqual({ ok: true });
		const second = auth.session.accessToken!.slice(-6);
		expect(second).not.toBe(first);
		expect(seen).toEqual([`old ${first}`, `new ${first}`, `old ${second}`, `new ${second}`]);
	});
});
