import type { TokenKeeperError } from './errors.js';

/**
 * What a failed refresh means for the session:
 * - `transient`: keep the session, retry later (no answer, timeout, 408, 429, 5xx, a garbled answer);
 * - `rejected`: the refresh token is dead (400/401 `invalid_grant`, or a bare 401), the session ends;
 * - `misconfigured`: the server refuses the request itself (`invalid_client`, `unsupported_grant_type`,
 *   other 4xx): retrying cannot help, so automatic refreshes stop until the next login or manual refresh.
 */
export type FailureKind = 'transient' | 'rejected' | 'misconfigured';

export function classifyRefreshFailure(error: TokenKeeperError): FailureKind {
	const { status, oauthError } = error;
	if (error.code === 'NETWORK_ERROR' || error.code === 'INVALID_TOKEN_RESPONSE' || status === undefined) return 'transient';
	if (status === 408 || status === 429 || status >= 500) return 'transient';
	if (oauthError === 'invalid_grant' && (status === 400 || status === 401)) return 'rejected';
	if (status === 401 && oauthError === undefined) return 'rejected';
	return 'misconfigured';
}

/** Whether a rejection says the session was revoked rather than expired. */
export const wasRevoked = (error: TokenKeeperError): boolean => /revoked|reuse/i.test(error.message);

const BASE_DELAY = 1000;
/** No retry waits longer than this, whatever the server asks. */
export const MAX_BACKOFF = 5 * 60_000;

/**
 * Delay before retry number `failures + 1`: exponential from 1 s, with "equal jitter" (half fixed, half
 * random, so tabs and clients spread out), at least the server's `Retry-After`, at most 5 minutes.
 */
export function backoffDelay(failures: number, retryAfterMs = 0, random: () => number = Math.random): number {
	const exponential = Math.min(MAX_BACKOFF, BASE_DELAY * 2 ** Math.min(failures, 16));
	const jittered = exponential / 2 + (random() * exponential) / 2;
	return Math.round(Math.min(MAX_BACKOFF, Math.max(retryAfterMs, jittered)));
}
