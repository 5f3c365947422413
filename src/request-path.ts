import { TokenKeeperError } from './errors.js';
import type { Authorizer, Grant } from './http.js';
import type { Refresher } from './refresh.js';
import { offline, type RetryGate } from './retry-gate.js';
import type { SessionMachine, Ticket } from './session.js';
import { isDue, isUsable } from './timing.js';
import type { TokenSet } from './tokens.js';

/** What the request path needs from the keeper. */
export interface RequestParts {
	machine: SessionMachine;
	/** The `refreshBefore` option, for the timing rules. */
	refreshBefore: number | undefined;
	gate: RetryGate;
	refresher: Refresher;
	dpop: Authorizer['dpop'];
	canRefresh(set: TokenSet): boolean;
	/** Settles once stored tokens are loaded and any re-check of storage after a wake is done. */
	whenSettled(): Promise<void>;
	/** Ends the current session (`ticket`'s) here: `expired`, for a token that can no longer be sent nor refreshed. */
	end(ticket: Ticket, reason: 'expired'): void;
}

/** How many recent tokens are remembered (to recognise the keeper's own, and the ones a 401 already cost a refresh). */
const REMEMBERED = 4;
const remember = <T>(list: T[], item: T) => {
	if (!list.includes(item)) list.unshift(item);
	list.splice(REMEMBERED);
	return item;
};

/**
 * The keeper's side of the request path: which token a request may carry, and what to replay with after a 401.
 * A grant carries the ticket of the session it came from: a replay happens only with a newer token of that same
 * session (never another user's), and each access token costs at most one refresh after a 401; a token that such
 * a refresh brought and that still meets a 401 costs none (the API refuses every token: the app sees the 401).
 */
export function createRequestPath(parts: RequestParts): Omit<Authorizer, 'trusts' | 'fetch'> {
	const { machine, refreshBefore, gate, refresher } = parts;
	/** The grants handed out lately, newest first. */
	const handedOut: Grant[] = [];
	/** Tokens a 401 already spent a refresh on. */
	const spent: string[] = [];
	/** Tokens such a refresh brought: refused too, they cost no other refresh. */
	const brought: string[] = [];

	const grantOf = (set: TokenSet, ticket: Ticket): Grant => {
		const known = handedOut.find((grant) => grant.token === set.accessToken && grant.ticket.generation === ticket.generation);
		if (known) return known;
		return remember(handedOut, { token: set.accessToken, ticket, key: set.dpop });
	};

	async function grant(): Promise<Grant | null> {
		await parts.whenSettled();
		const ticket = machine.ticket();
		const set = machine.set;
		if (!set) return null;
		const refreshable = parts.canRefresh(set);
		if (isUsable(refreshBefore, set)) {
			if (isDue(refreshBefore, set) && refreshable && gate.mayTry() && !offline()) refresher.refresh('request').catch(() => undefined);
			return grantOf(set, ticket);
		}
		if (!refreshable) {
			parts.end(ticket, 'expired');
			return null;
		}
		if (offline()) throw new TokenKeeperError('NETWORK_ERROR', 'Offline: the token is refreshed once online');
		if (!gate.mayTry() && gate.failure) throw gate.failure;
		try {
			// A refresh already under way may bring a token whose lifetime ran out on the way (the tab slept): then one more.
			let next = await refresher.refresh('request');
			if (!isUsable(refreshBefore, next) && machine.holds(ticket)) next = await refresher.refresh('request');
			if (!machine.holds(ticket)) return null;
			if (!isUsable(refreshBefore, next)) throw new TokenKeeperError('REFRESH_FAILED', 'The new access token expired on the way: the answer took longer than it lives');
			return grantOf(next, ticket);
		} catch (error) {
			if (!machine.holds(ticket) || !machine.set) return null;
			throw error;
		}
	}

	async function afterUnauthorized(sent: Grant): Promise<Grant | null> {
		const set = machine.set;
		if (!set || !machine.holds(sent.ticket)) return null; // signed out, or another session now: never replay under it
		if (set.accessToken !== sent.token) {
			// refreshed while the request was out: replay with the newer token of the same session
			const next = isUsable(refreshBefore, set) ? grantOf(set, sent.ticket) : await grant();
			return next && machine.holds(sent.ticket) ? next : null;
		}
		if (!parts.canRefresh(set)) {
			parts.end(sent.ticket, 'expired');
			return null;
		}
		const inflight = refresher.inflight;
		if (brought.includes(sent.token) || (spent.includes(sent.token) && !inflight) || (!inflight && !gate.mayTry())) return null;
		remember(spent, sent.token);
		try {
			const next = await (inflight ?? refresher.refresh('unauthorized'));
			remember(brought, next.accessToken);
			// a token that ran out on its way back (a slow answer, a sleep) goes through the usual path: never sent expired
			const replay = isUsable(refreshBefore, next) ? grantOf(next, sent.ticket) : await grant();
			return replay && machine.holds(sent.ticket) && replay.token !== sent.token ? replay : null;
		} catch {
			return null;
		}
	}

	/** Whether `sent` may still go out: the current token of its session, not expired (a proof may take a sleep to sign). */
	const usable = (sent: Grant) => machine.holds(sent.ticket) && machine.set?.accessToken === sent.token && isUsable(refreshBefore, machine.set);

	return { dpop: parts.dpop, grant, afterUnauthorized, usable, grantOf: (token) => handedOut.find((grant) => grant.token === token) };
}
