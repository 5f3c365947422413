import { asTokenKeeperError, callTokenEndpoint, type TokenAnswer } from './endpoints.js';
import { TokenKeeperError } from './errors.js';
import { classifyRefreshFailure, endReason } from './failures.js';
import type { DPoPBinding } from 'tokenkeeper/dpop'; // by the package's name: the types of the entries share no chunk
import type { RetryGate } from './retry-gate.js';
import type { SessionMachine, Ticket } from './session.js';
import type { TokenStore } from './storage/token-store.js';
import type { Tabs } from './tabs.js';
import { isDue, isUsable } from './timing.js';
import { toTokenSet, type TokenSet } from './tokens.js';
import type { EndpointFunctions, LogoutReason, RefreshTrigger, WakeEvent } from './types.js';

/** What the refresh flow needs from the keeper. */
export interface RefreshParts {
	machine: SessionMachine;
	store: TokenStore;
	tabs: Tabs;
	gate: RetryGate;
	/** The `refreshBefore` option, for the timing rules. */
	refreshBefore: number | undefined;
	refresh: EndpointFunctions['refresh'];
	/** The `dpop` option: a refreshed set stays bound to its key. */
	dpop: DPoPBinding | undefined;
	/** The fetch of a refresh of `set`: with a DPoP proof of its key when it is bound. */
	tokenFetch(set: TokenSet): typeof globalThis.fetch;
	/** A signal that also aborts after the keeper's timeout. */
	timed(signal: AbortSignal): AbortSignal;
	/** The token set the tabs agree on (see the keeper); `null` when storage says there is no session. */
	readShared(): Promise<TokenSet | null>;
	/** Ends the current session (`ticket`'s) here. */
	end(ticket: Ticket, reason: LogoutReason, error?: TokenKeeperError): void;
	/** Takes a set of another session that storage holds: this session ends (`other-tab`), then that one is synced. */
	switchTo(ticket: Ticket, set: TokenSet): void;
	/** Writes a refreshed set to storage; `false` when storage no longer holds `previous` (another tab moved on). */
	write(previous: TokenSet, next: TokenSet): Promise<boolean>;
	/** Revokes the refresh token of a set that will never be used (best effort: it never rejects). */
	revoke(set: TokenSet): Promise<void>;
	reportError(error: TokenKeeperError, extra?: { retryInMs?: number; trigger?: RefreshTrigger }): void;
	/** Re-arms the timer; `arrived`: a set just committed, which the retry gate hears of first. */
	reschedule(arrived?: TokenSet): void;
}

/** The refresher: `refresh()` is single-flight in this tab, and under the tab lock across tabs. */
export interface Refresher {
	refresh(trigger: RefreshTrigger, wakeEvent?: WakeEvent): Promise<TokenSet>;
	/** The refresh under way, if any. */
	readonly inflight: Promise<TokenSet> | undefined;
}

/**
 * `promise`, or a rejection as soon as `signal` aborts: an endpoint function deaf to the abort does not hold the
 * session's end up. Its late answer goes to `late`.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, late: (value: T) => unknown): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => {
			reject(signal.reason);
			promise.then(late, () => undefined);
		};
		if (signal.aborted) return onAbort();
		signal.addEventListener('abort', onAbort); // a signal aborts once: the event fires once
		promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}

/** The session ended under a step (no `cause` when undefined: see the constructor). */
const ended = (cause?: unknown) => new TokenKeeperError('SESSION_EXPIRED', 'Not signed in', { cause });

/**
 * The refresh flow (behaviour 2): one refresh at a time per tab, under the Web Lock across tabs. Inside the lock it
 * re-reads storage and adopts a set another tab already refreshed (so a rotated refresh token is never presented
 * twice); else it calls the endpoint and compares-and-swaps the answer into storage. Every step presents the ticket
 * it took at the start: once the session changed (a logout here or elsewhere, another user), nothing is committed,
 * and a refresh token minted for the ended session is revoked.
 */
export function createRefresher(parts: RefreshParts): Refresher {
	const { machine, gate, refreshBefore } = parts;
	let inflight: Promise<TokenSet> | undefined;

	/** Drops an answer that came after its session ended: its new refresh token is revoked, so that none is left alive. */
	const drop = (answer: TokenAnswer, previous?: TokenSet) => {
		try {
			const set = toTokenSet(answer.body, answer.receipt, previous, parts.dpop);
			if (set.refreshToken !== undefined) parts.revoke(set);
		} catch {
			// not a token response: nothing to revoke
		}
		return ended();
	};

	async function run(trigger: RefreshTrigger, wakeEvent: WakeEvent | undefined): Promise<TokenSet> {
		const ticket = machine.ticket();
		const start = machine.set;
		const call = parts.refresh;
		if (!start) throw ended();
		if (!call || start.refreshToken === undefined) {
			if (!isUsable(refreshBefore, start)) parts.end(ticket, 'expired');
			throw call ? new TokenKeeperError('SESSION_EXPIRED', 'No refresh token: sign in again') : new TokenKeeperError('CONFIGURATION_ERROR', 'No refresh endpoint');
		}
		/** The set whose refresh token went to the server, once it went. */
		let presented: TokenSet | undefined;

		/** Commits a set of this session; refused (the session ended) for a stale ticket. */
		const commit = (set: TokenSet, adopted: boolean) => {
			if (!machine.move(ticket, set, { type: 'refresh', trigger, adopted, ...(wakeEvent && { wakeEvent }) })) throw ended();
			parts.reschedule(set);
			return set;
		};

		/** A set storage holds instead of ours: another session's (switch to it), or a newer one of ours (adopt it). */
		const takeShared = (shared: TokenSet | null): TokenSet => {
			if (shared === null) {
				parts.end(ticket, 'other-tab');
				throw ended();
			}
			if (shared.sid !== ticket.sid) {
				parts.switchTo(ticket, shared);
				throw ended();
			}
			return commit(shared, true);
		};

		/**
		 * The part under the tab lock. Should the session end while it runs, its stored set is cleared before the lock is
		 * let go: its refresh token may be on its way to the server already, and the next tab to hold the lock must not
		 * find it in storage and present it again.
		 */
		const inLock = async (): Promise<TokenSet> => {
			const { signal } = machine;
			try {
				const shared = await parts.readShared();
				if (signal.aborted) throw ended(); // the session ended meanwhile: its refresh token is not presented
				if (shared === null || shared.sid !== start.sid || (shared.accessToken !== start.accessToken && !isDue(refreshBefore, shared) && isUsable(refreshBefore, shared))) {
					return takeShared(shared);
				}
				presented = shared;
				const answering = callTokenEndpoint(() => call({ refreshToken: shared.refreshToken ?? '', signal: parts.timed(signal), fetch: parts.tokenFetch(shared) }), 'REFRESH_FAILED', 'Refresh', signal);
				const answer = await untilAborted(answering, signal, (late) => drop(late, shared));
				const next = toTokenSet(answer.body, answer.receipt, shared, parts.dpop);
				if (await parts.write(shared, next)) {
					// The ticket decides: a session that ended while the answer was being stored stays ended, and the refresh
					// token just minted for it is revoked.
					try {
						commit(next, false);
					} catch (error) {
						parts.revoke(next);
						throw error;
					}
					parts.tabs.post({ type: 'tokens', set: next });
					return next;
				}
				// Storage moved on while we refreshed: another tab logged out, signed in as someone else, or wrote a newer set.
				const now = await parts.readShared();
				if (now === null || now.sid !== ticket.sid) parts.revoke(next);
				return takeShared(now);
			} catch (error) {
				if (!machine.holds(ticket)) await parts.store.clear(start.sid).catch(() => undefined);
				else if (presented && error instanceof TokenKeeperError && classifyRefreshFailure(error) === 'rejected') await parts.store.discard(presented).catch(() => undefined);
				throw error;
			}
		};

		try {
			return await parts.tabs.withLock(inLock);
		} catch (thrown) {
			if (!machine.holds(ticket)) throw thrown instanceof TokenKeeperError && thrown.code === 'SESSION_EXPIRED' ? thrown : ended(thrown);
			const error = (await asTokenKeeperError(thrown, 'REFRESH_FAILED', 'Refresh')) as TokenKeeperError;
			const kind = classifyRefreshFailure(error);
			if (kind === 'rejected') {
				const sent = presented ?? start;
				// Another tab may have rotated the token a moment ago: adopt its set rather than end everyone's session.
				const now = await parts.readShared();
				if (now && now.sid === ticket.sid && now.accessToken !== sent.accessToken && isUsable(refreshBefore, now)) return commit(now, true);
				parts.end(ticket, endReason(sent.refreshExpiresAt, trigger === 'unauthorized' && isUsable(refreshBefore, sent)), error);
				throw new TokenKeeperError('SESSION_EXPIRED', `The session ended: ${error.message}`, { cause: error });
			}
			if (kind === 'transient') parts.reportError(error, { retryInMs: gate.backOff(error), trigger });
			else {
				gate.halt(error);
				parts.reportError(error, { trigger });
			}
			parts.reschedule();
			throw error;
		}
	}

	return {
		refresh(trigger, wakeEvent) {
			inflight ??= run(trigger, wakeEvent).finally(() => {
				inflight = undefined;
			});
			return inflight;
		},
		get inflight() {
			return inflight;
		},
	};
}
