import type { TokenSet } from './tokens.js';

/** The default refresh lead is a fifth of the token's lifetime, at most this. */
const MAX_LEAD = 60_000;
/** Requests stop using a token this long before it expires (or the lead, when smaller). */
const LEEWAY = 5_000;

/** When a token set is due and until when it may be sent, all in the local clock (ms). */
export interface Timing {
	/** When a proactive refresh is due; `undefined` for a token of unknown expiry. */
	refreshAt(set: TokenSet): number | undefined;
	/** Until when requests may carry the access token (behaviour 1: never once it expired, or will within the leeway). */
	usableUntil(set: TokenSet): number;
	isUsable(set: TokenSet): boolean;
	isDue(set: TokenSet): boolean;
	/** Already due when it arrived: its lifetime ran out on the way, or the server issues such tokens. */
	dueOnArrival(set: TokenSet): boolean;
}

/**
 * The timing rules. The lead is `refreshBefore`, else a fifth of the lifetime up to 60 s; never more than half the
 * lifetime, so a short-lived token is not refreshed the moment it arrives.
 */
export function createTiming(refreshBefore: number | undefined): Timing {
	const lead = (set: TokenSet, expiresAt: number) => {
		const lifetime = expiresAt - set.receivedAt;
		return refreshBefore === undefined ? Math.min(MAX_LEAD, lifetime / 5) : Math.min(refreshBefore, lifetime / 2);
	};
	const refreshAt = (set: TokenSet) => (set.expiresAt === undefined ? undefined : set.expiresAt - lead(set, set.expiresAt));
	const usableUntil = (set: TokenSet) => (set.expiresAt === undefined ? Infinity : set.expiresAt - Math.min(LEEWAY, Math.max(0, lead(set, set.expiresAt))));
	return {
		refreshAt,
		usableUntil,
		isUsable: (set) => Date.now() < usableUntil(set),
		isDue: (set) => Date.now() >= (refreshAt(set) ?? Infinity),
		dueOnArrival: (set) => (refreshAt(set) ?? Infinity) <= set.receivedAt,
	};
}
