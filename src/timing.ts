import type { TokenSet } from './tokens.js';

/** The default refresh lead is a fifth of the token's lifetime, at most this. */
const MAX_LEAD = 60_000;
/** Requests stop using a token this long before it expires (or the lead, when smaller). */
const LEEWAY = 5_000;

/*
 * The timing rules: when a token set is due and until when it may be sent, all in the local clock (ms). Each is a
 * function of the keeper's `refreshBefore` option and the set. The lead is `refreshBefore`, else a fifth of the
 * lifetime up to 60 s; never more than half the lifetime, so a short-lived token is not refreshed the moment it arrives.
 */

const lead = (refreshBefore: number | undefined, set: TokenSet, expiresAt: number) => {
	const lifetime = expiresAt - set.receivedAt;
	return refreshBefore === undefined ? Math.min(MAX_LEAD, lifetime / 5) : Math.min(refreshBefore, lifetime / 2);
};

/** When a proactive refresh is due; `Infinity` (never) for a token of unknown expiry. */
export const refreshAt = (refreshBefore: number | undefined, set: TokenSet): number => (set.expiresAt === undefined ? Infinity : set.expiresAt - lead(refreshBefore, set, set.expiresAt));

/** Until when requests may carry the access token (behaviour 1: never once it expired, or will within the leeway). */
export const usableUntil = (refreshBefore: number | undefined, set: TokenSet): number =>
	set.expiresAt === undefined ? Infinity : set.expiresAt - Math.min(LEEWAY, Math.max(0, lead(refreshBefore, set, set.expiresAt)));

export const isUsable = (refreshBefore: number | undefined, set: TokenSet): boolean => Date.now() < usableUntil(refreshBefore, set);

export const isDue = (refreshBefore: number | undefined, set: TokenSet): boolean => Date.now() >= refreshAt(refreshBefore, set);

/** Already due when it arrived: its lifetime ran out on the way, or the server issues such tokens. */
export const dueOnArrival = (refreshBefore: number | undefined, set: TokenSet): boolean => refreshAt(refreshBefore, set) <= set.receivedAt;
