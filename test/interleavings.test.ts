import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenKeeper, type StorageAdapter, type TokenKeeper } from '../src/index.js';
import { createTabHub } from './interleave.js';

/**
 * The session core's invariants under every interleaving fast-check's scheduler finds: 1-3 keepers (tabs) share one
 * storage and one tab channel; logins, requests, refreshes, logouts, 401s and clock jumps start in any order;
 * every storage operation, server answer and tab message resolves when the scheduler says.
 *
 * (I1) once logout() has resolved and the channel has delivered, no keeper is signed in to that session, storage
 *      holds nothing of it, and every refresh token the server issued for it is spent or revoked;
 * (I2) no request carries a token of a session other than the one it started under;
 * (I3) no refresh token is presented twice;
 * (I4) no request carries a token expired by the server's clock;
 * (I5) refresh calls are bounded by expiries plus distinct rejected tokens (plus manual refreshes).
 */

const TTL = 300; // seconds
const LEAD = 60_000; // the default lead for a 300 s token
const API = 'https://api.example.com';
const NOW = Date.UTC(2026, 11, 1, 9, 0, 0);
const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/** A model authorization server: rotation with reuse detection, revocation of one token (RFC 7009), a resource. */
function modelServer(clockOffsetMs: number) {
	let serial = 0;
	const now = () => Date.now() + clockOffsetMs;
	const families: { sub: string; ended: boolean }[] = [];
	const access = new Map<string, { family: number; exp: number; window: number }>();
	const refresh = new Map<string, { family: number; spent: boolean; revoked: boolean }>();
	const presented: string[] = [];
	const violations: string[] = [];
	const rejectNext = new Set<string>();
	const rejected = new Set<string>();
	let refreshCalls = 0;
	let lastIssued: string | undefined;

	const issue = (family: number) => {
		const iat = Math.floor(now() / 1000);
		const accessToken = `${b64({ alg: 'none' })}.${b64({ sub: families[family]!.sub, iat, exp: iat + TTL, n: ++serial })}.x`;
		const refreshToken = `r${serial}`;
		access.set(accessToken, { family, exp: (iat + TTL) * 1000, window: 0 });
		lastIssued = accessToken;
		refresh.set(refreshToken, { family, spent: false, revoked: false });
		return { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: TTL };
	};
	const invalidGrant = () => Response.json({ error: 'invalid_grant' }, { status: 400 });

	return {
		presented,
		violations,
		rejected,
		families,
		access,
		refresh,
		get refreshCalls() {
			return refreshCalls;
		},
		/** The token the last call issued, taken (so that each exchange learns its own). */
		takeIssued() {
			const token = lastIssued;
			lastIssued = undefined;
			return token;
		},
		familyOf: (token: string | null | undefined) => (token ? access.get(token)?.family : undefined),
		login(username: string) {
			families.push({ sub: username, ended: false });
			return issue(families.length - 1);
		},
		log: [] as string[],
		refreshWith(refreshToken: string) {
			refreshCalls++;
			this.log.push(`refresh ${refreshToken}`);
			if (presented.includes(refreshToken)) violations.push(`I3: refresh token ${refreshToken} presented twice`);
			presented.push(refreshToken);
			const record = refresh.get(refreshToken);
			if (!record || record.spent || record.revoked) return invalidGrant();
			record.spent = true;
			return Response.json(issue(record.family));
		},
		revoke(refreshToken: string | undefined) {
			const record = refreshToken === undefined ? undefined : refresh.get(refreshToken);
			if (record) record.revoked = true;
		},
		/** Checks a request as it is sent (so a clock jump while it travels is not held against the keeper). */
		resource(authorization: string | null): number {
			const token = authorization?.replace(/^Bearer /, '');
			if (!token) return 401;
			const record = access.get(token);
			if (!record) {
				violations.push(`unknown token ${token}`);
				return 401;
			}
			if (record.exp <= now()) violations.push(`I4: sent a token expired ${now() - record.exp} ms ago by the server's clock`);
			if (rejectNext.delete(token)) {
				rejected.add(token);
				return 401;
			}
			return 200;
		},
		/** The next request with `token` is refused (a revoked or clock-rejected token, as resources see them). */
		reject(token: string | null) {
			if (token) rejectNext.add(token);
		},
	};
}

type Op = { kind: 'login'; tab: number; user: 'alice' | 'bob' } | { kind: 'fetch' | 'refresh' | 'logout' | 'reject'; tab: number } | { kind: 'jump'; ms: number };

const op = (tabs: number): fc.Arbitrary<Op> =>
	fc.oneof(
		fc.record({ kind: fc.constant('login' as const), tab: fc.nat(tabs - 1), user: fc.constantFrom('alice' as const, 'bob' as const) }),
		fc.record({ kind: fc.constantFrom('fetch' as const, 'fetch' as const, 'refresh' as const, 'logout' as const, 'reject' as const), tab: fc.nat(tabs - 1) }),
		fc.record({ kind: fc.constant('jump' as const), ms: fc.integer({ min: 1_000, max: 400_000 }) }),
	);

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 3 }).chain((tabs) =>
	fc.record({
		tabs: fc.constant(tabs),
		ops: fc.array(op(tabs), { minLength: 1, maxLength: 9 }),
		clockOffsetMs: fc.constantFrom(0, 0, 3 * 3600_000, -2 * 3600_000),
		atomicStorage: fc.boolean(),
		signedIn: fc.constantFrom(true, true, true, false),
	}),
);

let runs = 0;
const stats = { runs: 0, refreshed: 0, loggedOut: 0, both: 0 };

interface Scenario {
	tabs: number;
	ops: Op[];
	clockOffsetMs: number;
	atomicStorage: boolean;
	/** Whether tab 0 signs in (and the tabs hear of it) before the operations start. */
	signedIn: boolean;
}

async function run(s: fc.Scheduler, { tabs, ops, clockOffsetMs, atomicStorage, signedIn }: Scenario) {
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: NOW });
	const later = () => s.schedule(Promise.resolve());
	const hub = createTabHub({ schedule: (deliver) => void later().then(deliver) });
	hub.install();
	const server = modelServer(clockOffsetMs);
	const values = new Map<string, unknown>();
	const storage: StorageAdapter = {
		get: async (key) => {
			await later();
			trace.push(`storage get -> ${(values.get(key) as { refreshToken?: string } | undefined)?.refreshToken}`);
			return structuredClone(values.get(key));
		},
		set: async (key, value) => (await later(), trace.push(`storage set ${(value as { refreshToken?: string })?.refreshToken}`), void values.set(key, structuredClone(value))),
		delete: async (key) => {
			await later();
			trace.push('storage delete');
			values.delete(key);
		},
		...(atomicStorage
			? {
					update: async (key: string, updater: (current: unknown) => unknown) => {
						await later();
						const next = updater(structuredClone(values.get(key)));
						trace.push(`storage update -> ${(next as { refreshToken?: string })?.refreshToken}`);
						values.set(key, structuredClone(next));
					},
				}
			: {}),
	};
	/**
	 * A server call: the request reaches the server, then the answer comes back, each when the scheduler says. How long
	 * the exchange took is the uncertainty of the keeper's expiry estimate (it cannot know when in it the token was issued).
	 */
	const answer = async (respond: () => Response | object) => {
		const sentAt = Date.now();
		await later();
		const result = respond();
		const issued = server.takeIssued();
		await later();
		const record = issued === undefined ? undefined : server.access.get(issued);
		if (record) record.window = Date.now() - sentAt;
		return result;
	};
	const requests = new Map<number, { startedUnder: number | undefined; carried: (number | undefined)[] }>();
	let ids = 0;
	const name = `interleave-${++runs}`;
	const trace: string[] = [];
	(globalThis as { lockTrace?: string[] }).lockTrace = trace;
	const endedByUser = new Set<number>();
	const keepers: TokenKeeper[] = Array.from({ length: tabs }, (_, tab) => {
		const auth = createTokenKeeper({
			apiUrl: API,
			name,
			storage,
			crossTab: true,
			endpoints: {
				login: ({ credentials }) => answer(() => server.login(String(credentials.username))),
				refresh: ({ refreshToken, signal }) => (trace.push(`tab${tab} presents ${refreshToken} aborted=${signal.aborted}`), answer(() => server.refreshWith(refreshToken))),
				logout: ({ refreshToken }) => answer(() => (server.revoke(refreshToken), {})),
			},
			fetch: async (input, init) => {
				const request = new Request(input, init);
				const id = Number(request.headers.get('x-request'));
				const authorization = request.headers.get('authorization');
				requests.get(id)?.carried.push(server.familyOf(authorization?.replace(/^Bearer /, '')));
				const status = server.resource(authorization);
				await later();
				return new Response(null, { status });
			},
		});
		let last: string | null = null;
		auth.subscribe((session, event) => {
			// every session a keeper ended by the user's hand (logout(), or a login over it) counts for I1
			if (event.type === 'logout' && event.reason === 'user') {
				const family = server.familyOf(last);
				if (family !== undefined) endedByUser.add(family);
			}
			last = session.accessToken;
		});
		auth.subscribe((session, event) =>
			trace.push(`tab${tab} ${event.type} ${JSON.stringify({ ...event, at: undefined, error: event.type === 'error' ? event.error.message : undefined })} ${session.accessToken?.slice(-6) ?? ''}`),
		);
		return auth;
	});
	let manual = 0;

	const perform = async (step: Op) => {
		trace.push(`op ${JSON.stringify(step)}`);
		if (step.kind === 'jump') return vi.advanceTimersByTime(step.ms);
		const auth = keepers[step.tab]!;
		if (step.kind === 'login') return void (await auth.login({ username: step.user }).catch(() => undefined));
		if (step.kind === 'reject') return server.reject(auth.session.accessToken);
		if (step.kind === 'refresh') {
			manual++;
			return void (await auth.refresh().catch(() => undefined));
		}
		if (step.kind === 'logout') return auth.logout();
		const id = ++ids;
		requests.set(id, { startedUnder: server.familyOf(auth.session.accessToken), carried: [] });
		await auth.fetch(`${API}/me`, { headers: { 'x-request': String(id) } }).catch(() => undefined);
	};

	try {
		await s.waitFor(Promise.all(keepers.map((auth) => auth.ready)));
		if (signedIn) {
			await s.waitFor(keepers[0]!.login({ username: 'alice' }));
			await s.waitAll();
		}
		const settled = ops.map((step) => later().then(() => perform(step)));
		await s.waitFor(Promise.all(settled));
		// what the settled calls left behind (late answers, revocations, tab messages) runs to its end too
		do {
			await s.waitAll();
			await new Promise((resolve) => setImmediate(resolve));
		} while (s.count() > 0);

		stats.runs++;
		if (server.refreshCalls > 0) stats.refreshed++;
		if (endedByUser.size > 0) stats.loggedOut++;
		if (server.refreshCalls > 0 && endedByUser.size > 0) stats.both++;
		// I1
		for (const family of endedByUser) {
			for (const auth of keepers) expect(server.familyOf(auth.session.accessToken), 'I1: a keeper is signed in to a session that logged out').not.toBe(family);
			expect(server.familyOf((values.get(`tokenkeeper:${name}`) as { accessToken?: string } | undefined)?.accessToken), 'I1: storage holds a session that logged out').not.toBe(family);
			for (const [token, record] of server.refresh) {
				if (record.family === family) expect(record.spent || record.revoked, `I1: refresh token ${token} of a logged-out session left alive`).toBe(true);
			}
		}
		// I2
		for (const { startedUnder, carried } of requests.values()) {
			for (const family of carried) if (family !== undefined) expect(family, 'I2: a request carried the token of another session').toBe(startedUnder ?? family);
			expect(new Set(carried.filter((family) => family !== undefined)).size, 'I2: a request was replayed under another session').toBeLessThanOrEqual(1);
		}
		// I3, I4
		expect(server.violations).toEqual([]);
		// I5: every access token refreshed at most once when due, plus one per rejected token and manual refresh
		const clock = Date.now() + clockOffsetMs;
		const expiries = [...server.access.values()].filter((record) => clock >= record.exp - LEAD - record.window - 1_000).length;
		expect(server.refreshCalls, 'I5: refreshes beyond expiries and rejections').toBeLessThanOrEqual(expiries + server.rejected.size + manual);
	} catch (error) {
		if (process.env.DEBUG) console.log([...trace, ...server.log].join('\n'));
		throw error;
	} finally {
		for (const auth of keepers) auth.destroy();
		vi.useRealTimers();
		vi.unstubAllGlobals();
	}
}

afterEach(() => {
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

describe('the session core under every interleaving', () => {
	it('keeps I1-I5 for 1-3 tabs sharing storage and a channel', async () => {
		await fc.assert(
			fc.asyncProperty(fc.scheduler(), scenario, (s, input) => run(s, input)),
			{ numRuns: Number(process.env.INTERLEAVINGS ?? 2_000), ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}) },
		);
		if (process.env.DEBUG) console.log(stats);
	}, 240_000);
});
