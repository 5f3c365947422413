import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenKeeper, type TokenKeeper } from '../../src/index.js';
import { createMockAuthServer, nextEvent, settle } from '../../src/testing/index.js';

const server = createMockAuthServer({ accessTokenTtl: 60 });
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
	server.reset();
	vi.useRealTimers();
});
afterAll(() => msw.close());

const RUNS = Number(process.env.RUNS ?? 40);

/** The README's scenario: log in under fake timers, let the token run out, look at the keeper. Whether it holds the new token. */
async function expiryScenario(wait: (auth: TokenKeeper) => Promise<unknown>): Promise<boolean> {
	server.reset();
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
	const auth = createTokenKeeper(server.keeperOptions());
	try {
		const before = (await auth.login({ username: 'alice', password: 'wonderland' })).accessToken;
		await wait(auth);
		return server.calls.refresh === 1 && auth.session.accessToken !== before;
	} finally {
		auth.destroy();
		vi.useRealTimers();
	}
}

describe('settle: waiting for the keeper under fake timers', () => {
	it(`with settle, the keeper holds the refreshed token every time (${RUNS} runs)`, async () => {
		const results: boolean[] = [];
		for (let run = 0; run < RUNS; run++) results.push(await expiryScenario((auth) => settle(auth, () => vi.advanceTimersByTimeAsync(61_000))));
		expect(results.filter(Boolean)).toHaveLength(RUNS);
	});

	it('the race, made certain: right after the timers, the refresh is under way and the keeper holds the old token; settle waits for it', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		let open!: () => void;
		const gate = new Promise<void>((resolve) => (open = resolve));
		msw.use(http.post(`${server.origin}/auth/refresh`, async () => void (await gate))); // then the server answers
		const auth = createTokenKeeper(server.keeperOptions());
		const before = (await auth.login({ username: 'alice', password: 'wonderland' })).accessToken;

		await vi.advanceTimersByTimeAsync(61_000);
		expect(auth.session.accessToken).toBe(before); // what the README's old pattern then saw, 17-48 % of the time

		const event = await settle(auth, async () => open());
		expect(event).toMatchObject({ type: 'refresh', trigger: 'timer' });
		expect(auth.session.accessToken).not.toBe(before);
		expect(server.calls.refresh).toBe(1);
		auth.destroy();
	});

	it('nextEvent matches by type or by a test, and rejects (aborted, or in real time) with the events it saw', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		const auth = createTokenKeeper(server.keeperOptions());
		const loggedIn = nextEvent(auth, (event, session) => event.type === 'login' && session.claims?.sub === 'bob');
		await server.signIn(auth, { sub: 'bob' });
		expect(await loggedIn).toMatchObject({ type: 'login' });
		const stopped = new AbortController();
		const never = nextEvent(auth, 'logout', { signal: stopped.signal });
		await auth.refresh();
		stopped.abort();
		await expect(never).rejects.toThrow("no 'logout' event came before the wait was aborted (events seen: refresh)");
		// fake timers are on: the time limit still runs, in real time
		await expect(nextEvent(auth, 'logout', { timeoutMs: 1 })).rejects.toThrow("no 'logout' event came within 1 ms (events seen: none)");
		auth.destroy();
	});
});
