import type { TokenKeeperError } from './errors.js';

/**
 * What a failed refresh means for the session:
 * - `transient`: keep the session, retry later (no answer, timeout, 408, 429, 5xx, a garbled answer);
 * - `rejected`: the refresh token is dead (400/401 `invalid_grant`, or a bare 401), the session ends;
 * - `misconfigured`: the server refuses the request itself (`invalid_client`, `unsupported_grant_type`,
 *   other 4xx), the keeper lacks what it needs, or the app's endpoint function threw: retrying cannot help,
 *   so automatic refreshes stop until the next login or manual refresh.
 */
export type FailureKind = 'transient' | 'rejected' | 'misconfigured';

export function classifyRefreshFailure(error: TokenKeeperError): FailureKind {
	const { status, oauthError, code } = error;
	if (code === 'NETWORK_ERROR' || code === 'INVALID_TOKEN_RESPONSE') return 'transient';
	if (status === undefined) return 'misconfigured'; // CONFIGURATION_ERROR, or a bug in an endpoint function
	if (status === 408 || status === 429 || status >= 500) return 'transient';
	if (oauthError === 'invalid_grant' && (status === 400 || status === 401)) return 'rejected';
	if (status === 401 && oauthError === undefined) return 'rejected';
	return 'misconfigured';
}

const BASE_DELAY = 1000;
/** No retry waits longer than this, whatever the server asks. */
export const MAX_BACKOFF = 5 * 60_000;

/**
 * Delay before retry number `failures + 1`: exponential from 1 s, with "equal jitter" (half fixed, half
 * random, so tabs and clients spread out), at least the server's `Retry-After`, at most 5 minutes.
 */
export function backoffDelay(failures: number, retryAfterMs = 0, random: () => number = Math.random): number {
	const exponential = Math.min(MAX_BACKOFF, BASE_DELAY * 2 ** failures); // past 2^1023, Infinity: still the cap
	const jittered = exponential / 2 + (random() * exponential) / 2;
	return Math.round(Math.min(MAX_BACKOFF, Math.max(retryAfterMs, jittered)));
}

/**
 * Why a rejected refresh ended the session, told by data alone. A token endpoint answers `invalid_grant` for an
 * expired, a revoked and a reused refresh token alike (RFC 6749 section 5.2), so its words cannot tell them apart.
 * `revoked` is said when the keeper knows the session should still have been alive: the refresh token's own
 * expiry (`refresh_expires_in`, or a JWT refresh token's `exp`) is still ahead, or the refresh followed a 401 for an
 * access token that had not expired. Otherwise the session is taken to have `expired`.
 */
export function endReason(refreshExpiresAt: number | undefined, accessStillValid: boolean): 'revoked' | 'expired' {
	return accessStillValid || (refreshExpiresAt !== undefined && Date.now() < refreshExpiresAt) ? 'revoked' : 'expired';
}
