import { describe, expect, it } from 'vitest';
import { TokenKeeperError } from '../src/errors.js';
import { MAX_BACKOFF, backoffDelay, classifyRefreshFailure, endReason } from '../src/failures.js';

const failure = (code: TokenKeeperError['code'], status?: number, oauthError?: string, message = 'x') =>
	new TokenKeeperError(code, message, { ...(status === undefined ? {} : { status }), ...(oauthError === undefined ? {} : { oauthError }) });

describe('classifyRefreshFailure', () => {
	it.each([
		['no answer', failure('NETWORK_ERROR'), 'transient'],
		['a garbled answer', failure('INVALID_TOKEN_RESPONSE', 200), 'transient'],
		['500', failure('REFRESH_FAILED', 500), 'transient'],
		['503', failure('REFRESH_FAILED', 503), 'transient'],
		['429', failure('REFRESH_FAILED', 429), 'transient'],
		['408', failure('REFRESH_FAILED', 408), 'transient'],
		['400 invalid_grant', failure('REFRESH_FAILED', 400, 'invalid_grant'), 'rejected'],
		['401 invalid_grant', failure('REFRESH_FAILED', 401, 'invalid_grant'), 'rejected'],
		['a bare 401', failure('REFRESH_FAILED', 401), 'rejected'],
		['401 invalid_client', failure('REFRESH_FAILED', 401, 'invalid_client'), 'misconfigured'],
		['400 unsupported_grant_type', failure('REFRESH_FAILED', 400, 'unsupported_grant_type'), 'misconfigured'],
		['404', failure('REFRESH_FAILED', 404), 'misconfigured'],
	])('%s is %s', (_, error, kind) => {
		expect(classifyRefreshFailure(error)).toBe(kind);
	});

	it('a thrown bug or a missing endpoint halts: retrying cannot mend it', () => {
		expect(classifyRefreshFailure(failure('REFRESH_FAILED'))).toBe('misconfigured');
		expect(classifyRefreshFailure(failure('CONFIGURATION_ERROR'))).toBe('misconfigured');
	});
});

describe('endReason', () => {
	it('says revoked only from data: a refresh token still within its lifetime, or an access token refused before its expiry', () => {
		expect(endReason(Date.now() + 60_000, false)).toBe('revoked');
		expect(endReason(undefined, true)).toBe('revoked');
		expect(endReason(Date.now() - 1, false)).toBe('expired');
		expect(endReason(undefined, false)).toBe('expired');
	});
});

describe('backoffDelay', () => {
	it('grows exponentially with jitter between half and all of the step', () => {
		expect(backoffDelay(0, 0, () => 0)).toBe(500);
		expect(backoffDelay(0, 0, () => 1)).toBe(1000);
		expect(backoffDelay(3, 0, () => 0)).toBe(4000);
		expect(backoffDelay(3, 0, () => 1)).toBe(8000);
	});
	it('waits at least what Retry-After asks, and never more than the bound', () => {
		expect(backoffDelay(0, 30_000, () => 0.5)).toBe(30_000);
		expect(backoffDelay(0, 24 * 3600_000, () => 0.5)).toBe(MAX_BACKOFF);
		expect(backoffDelay(1000, 0, () => 1)).toBe(MAX_BACKOFF);
		expect(backoffDelay(5000, 0, () => 0)).toBe(MAX_BACKOFF / 2); // 2 ** 5000 is Infinity: still the bound, jittered
	});
	it('spreads clients apart', () => {
		const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
		expect(delays.size).toBeGreaterThan(10);
	});
});
