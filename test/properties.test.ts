// @vitest-environment happy-dom
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { TokenKeeperError, type StorageAdapter, type TokenResponse } from '../src/index.js';
import { isTokenSet, toTokenSet } from '../src/tokens.js';
import { ALICE, API, fakeTime, keeper, useMockApi } from './support.js';

const { server } = useMockApi({ accessTokenTtl: 300 });
const me = `${API}/me`;

/** Runs `action`; anything thrown must be a TokenKeeperError with one of `codes`. */
async function onlyTokenKeeperErrors(action: () => unknown, codes: TokenKeeperError['code'][]) {
	try {
		await action();
	} catch (error) {
		expect(error).toBeInstanceOf(TokenKeeperError);
		expect(codes).toContain((error as TokenKeeperError).code);
	}
}

const tokenish = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String(), fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.eyJleHAiOiJzb29uIn0.', 'x'.repeat(10_000)));

describe('properties', () => {
	it('any JSON as a token response: a token set or INVALID_TOKEN_RESPONSE, nothing else', () => {
		const responses = fc.oneof(
			fc.jsonValue(),
			fc.record(
				{
					access_token: fc.oneof(tokenish, fc.jsonValue()),
					refresh_token: fc.option(fc.jsonValue()),
					expires_in: fc.option(fc.oneof(fc.double(), fc.string(), fc.integer())),
					token_type: fc.option(fc.string()),
					scope: fc.option(fc.jsonValue()),
				},
				{ requiredKeys: [] },
			),
		);
		fc.assert(
			fc.property(responses, fc.integer({ min: 0, max: 2 ** 42 }), (response, now) => {
				try {
					const set = toTokenSet(response, { sentAt: now - 10, receivedAt: now });
					expect(isTokenSet(set)).toBe(true);
					if (set.expiresAt !== undefined) expect(Number.isFinite(set.expiresAt)).toBe(true);
				} catch (error) {
					expect(error).toMatchObject({ name: 'TokenKeeperError', code: 'INVALID_TOKEN_RESPONSE' });
				}
			}),
			{ numRuns: 2_000 },
		);
	});

	it('any string as an access token: accepted and used as it is, or rejected clearly', async () => {
		await fc.assert(
			fc.asyncProperty(tokenish, fc.option(fc.integer({ min: -10, max: 2 ** 40 })), async (token, expiresIn) => {
				const { auth } = keeper({ crossTab: false });
				const response: TokenResponse = { access_token: token, ...(expiresIn === null ? {} : { expires_in: expiresIn }) };
				await onlyTokenKeeperErrors(() => auth.setTokens(response), ['INVALID_TOKEN_RESPONSE']);
				const current = await auth.getAccessToken();
				expect(current === null || current === token).toBe(true);
				auth.destroy();
			}),
			{ numRuns: 200 },
		);
	});

	it('any value in storage: the keeper starts, signed in only for a real session, and never throws', async () => {
		const good = toTokenSet({ access_token: 'opaque', refresh_token: 'r', expires_in: 300 }, { sentAt: Date.now(), receivedAt: Date.now() });
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.anything(), fc.constant(good), fc.record({ v: fc.constant(1), sid: fc.string(), accessToken: fc.anything(), tokenType: fc.string(), receivedAt: fc.anything() })),
				async (stored) => {
					const storage: StorageAdapter = { get: () => stored, set: () => undefined, delete: () => undefined };
					const { auth, events } = keeper({ storage, crossTab: false });
					await auth.ready;
					expect(auth.session.status).toBe(isTokenSet(stored) ? 'authenticated' : 'unauthenticated');
					for (const event of events) expect(['sync', 'error']).toContain(event.type);
					auth.destroy();
				},
			),
			{ numRuns: 300 },
		);
	});

	it('any server clock offset: no request carries a token the server finds expired, and refreshes stay bounded', async () => {
		await fc.assert(
			fc.asyncProperty(fc.integer({ min: -12 * 3600, max: 12 * 3600 }), async (offsetSeconds) => {
				server.reset();
				fakeTime();
				server.setClockOffset(offsetSeconds * 1000);
				const { auth, sent } = keeper({ crossTab: false });
				await auth.login(ALICE);
				for (let step = 0; step < 90; step++) {
					await vi.advanceTimersByTimeAsync(20_000);
					await auth.fetch(me);
				}
				expect(sent.filter((entry) => entry.url === me && entry.status !== 200)).toEqual([]);
				expect(server.calls.refresh).toBeLessThanOrEqual(1800 / 240 + 2); // 30 minutes of 5-minute tokens
				auth.destroy();
				vi.useRealTimers();
			}),
			{ numRuns: 25 },
		);
	});

	it('any sequence of operations: no token is ever sent after logout, and every call settles', async () => {
		type Step = { kind: 'login' | 'fetch' | 'refresh' | 'logout' | 'revoke' } | { kind: 'wait'; ms: number };
		const step: fc.Arbitrary<Step> = fc.oneof(
			fc.constantFrom<Step>({ kind: 'login' }, { kind: 'fetch' }, { kind: 'fetch' }, { kind: 'refresh' }, { kind: 'logout' }, { kind: 'revoke' }),
			fc.integer({ min: 0, max: 400_000 }).map((ms): Step => ({ kind: 'wait', ms })),
		);
		await fc.assert(
			fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
				server.reset();
				fakeTime();
				const { auth, sent } = keeper({ crossTab: false });
				let signedOut = true;
				let checkedUpTo = 0;
				for (const current of steps) {
					if (current.kind === 'wait') await vi.advanceTimersByTimeAsync(current.ms);
					else if (current.kind === 'login') await auth.login(ALICE);
					else if (current.kind === 'fetch') await onlyTokenKeeperErrors(() => auth.fetch(me), ['NETWORK_ERROR', 'REFRESH_FAILED']);
					else if (current.kind === 'refresh') await onlyTokenKeeperErrors(() => auth.refresh(), ['SESSION_EXPIRED', 'REFRESH_FAILED', 'NETWORK_ERROR']);
					else if (current.kind === 'logout') await auth.logout();
					else server.revokeAll();
					if (signedOut) expect(sent.slice(checkedUpTo).filter((entry) => entry.url === me && entry.authorization !== null)).toEqual([]);
					checkedUpTo = sent.length;
					signedOut = auth.session.status !== 'authenticated';
				}
				auth.destroy();
				vi.useRealTimers();
			}),
			{ numRuns: 60 },
		);
	});
});
