import type { DPoPKey } from 'tokenkeeper/dpop'; // by the package's name: the types of the entries share no chunk
import { callRevocation, callTokenEndpoint, endpointFunctions, networkFetch, type TokenAnswer } from './endpoints.js';
import { TokenKeeperError } from './errors.js';
import { createAuthFetch, type Authorizer } from './http.js';
import { INTERNALS, type KeeperInternals } from './internal.js';
import { checkOptions } from './options.js';
import { trustedOriginsOf } from './origins.js';
import { createRefresher } from './refresh.js';
import { createRequestPath } from './request-path.js';
import { createRetryGate, offline } from './retry-gate.js';
import { createSchedule } from './schedule.js';
import { createSessionMachine, type Ticket } from './session.js';
import { createTokenStore } from './storage/token-store.js';
import { createTabs, type TabMessage } from './tabs.js';
import { dueOnArrival, isDue, isUsable, refreshAt, usableUntil } from './timing.js';
import { isTokenSet, newerSession, toTokenSet, type TokenSet } from './tokens.js';
import type { AuthEvent, Listener, LogoutReason, RedirectContext, RedirectLogin, RefreshTrigger, Session, TokenKeeper, TokenKeeperOptions, WakeEvent } from './types.js';

const DEFAULT_TIMEOUT = 10_000;

/**
 * A page or a worker of one: where "other tabs" exist. Node, Deno and Bun have a BroadcastChannel too, but
 * there it would join the keepers of every request a server renders: one user's tokens must never reach another's.
 */
const inBrowser = () => typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';

/** Aborted when any of `all` is. */
function either(all: AbortSignal[]): AbortSignal {
	if (AbortSignal.any) return AbortSignal.any(all);
	const any = new AbortController(); // Safari before 17.4 has no AbortSignal.any
	for (const source of all) {
		if (source.aborted) any.abort(source.reason);
		else source.addEventListener('abort', () => any.abort(source.reason)); // fires once, as a signal aborts once
	}
	return any.signal;
}

/**
 * Creates a keeper: the one object that stores, attaches, refreshes and ends an access token's life.
 *
 * @example
 * const auth = createTokenKeeper({
 *   apiUrl: 'https://api.example.com',
 *   endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
 * });
 * await auth.login({ username: 'alice', password: 'wonderland' });
 * const me = await (await auth.fetch('https://api.example.com/me')).json();
 */
export function createTokenKeeper(options: TokenKeeperOptions = {}): TokenKeeper {
	const name = options.name ?? 'default';
	const checked = checkOptions(options); // every option, checked at once (options.ts)
	const timeout = checked.timeout ?? DEFAULT_TIMEOUT;
	const { refreshBefore } = checked;
	const lifetime = new AbortController();
	const fetch = networkFetch((input, init) => (options.fetch ?? globalThis.fetch)(input, init));
	const calls = endpointFunctions(options.endpoints, options.apiUrl);
	const trusts = trustedOriginsOf(options);
	/** Aborted by `signal`, the keeper's end or the timeout (without `signal`, the end is listed twice: no harm). */
	const timed = (signal?: AbortSignal) => either([signal ?? lifetime.signal, lifetime.signal, AbortSignal.timeout(timeout)]);
	const listeners = new Set<Listener>();
	const bound = options.dpop?.(fetch, options.storage);
	/** The fetch of a token endpoint call for `key`: with a DPoP proof of it when there is one (RFC 9449 section 5). */
	const tokenFetch = (key: DPoPKey | undefined) => (key && bound ? bound.tokenFetch(key) : fetch);

	const emit = (session: Session, event: AuthEvent) => {
		for (const listener of [...listeners]) {
			try {
				listener(session, event);
			} catch (error) {
				// Like an EventTarget: a listener's bug is reported and does not stop the others, nor the keeper.
				(globalThis.reportError ?? console.error)(error);
			}
		}
	};
	const machine = createSessionMachine(emit);
	const reportError = (error: TokenKeeperError, extra: { retryInMs?: number; trigger?: RefreshTrigger } = {}) => emit(machine.session, { type: 'error', at: Date.now(), error, ...extra });

	const store = createTokenStore(options.storage, name, lifetime.signal, reportError);
	const tabs = createTabs(name, options.crossTab ?? inBrowser(), timeout + 2000, onTabMessage, lifetime.signal);
	const schedule = createSchedule(onWake, lifetime.signal);
	const gate = createRetryGate();
	/** Whether storage holds this tab's session: after a failed write, storage cannot speak for it. */
	let persisted = true;
	/** A re-check of storage after the page woke: requests wait for it, so none carries a session that ended meanwhile. */
	let resyncing: Promise<void> | undefined;

	/** A DPoP-bound set whose key is gone (wiped, flattened by JSON, no `dpop` option): it can be neither sent nor refreshed. */
	const lostKey = (set: TokenSet) => (set.tokenType !== 'DPoP' ? undefined : bound ? bound.lost(set.dpop) : new TokenKeeperError('DPOP_KEY_UNAVAILABLE', 'No dpop option'));

	const canRefresh = (set: TokenSet) => set.refreshToken !== undefined && calls.refresh !== undefined;

	/**
	 * Sets the timer for the current set. `arrived`: a set just taken, which the gate hears of first (it opens, or
	 * backs off for a set that was due on arrival).
	 */
	function reschedule(arrived?: TokenSet) {
		if (arrived) gate.succeeded(dueOnArrival(refreshBefore, arrived));
		const set = machine.set;
		// a set that cannot be refreshed is looked at when it can no longer be sent; `Infinity` is never
		schedule(!set ? Infinity : canRefresh(set) ? Math.max(refreshAt(refreshBefore, set), gate.openAt) : usableUntil(refreshBefore, set));
	}

	// --- ending and switching sessions ------------------------------------------------------------
	/**
	 * Ends `ticket`'s session here (refused for a stale ticket). Unless another tab told us, also in the other tabs
	 * and in storage: the clear waits for this tab's refresh to settle and takes the tab lock, so that no refresh
	 * in any tab writes the session back after it. The refresh token this tab holds is revoked unless the server
	 * refused it already, or the tab that ended the session revoked that very token (`revokedElsewhere`): one newer
	 * than the other tab knew was minted after its logout. Returns the ended set and the clean-up to wait for (for
	 * `other-tab`, the revocation, if any).
	 */
	function end(ticket: Ticket, reason: LogoutReason, error?: TokenKeeperError, revokedElsewhere?: { refreshToken?: string | undefined }): { set: TokenSet; done: Promise<unknown> | undefined } | null {
		const set = machine.set;
		if (!set || !machine.move(ticket, null, { type: 'logout', reason, ...(error && { error }) })) return null;
		schedule(Infinity);
		// the other tabs hear of it first: the revocation's request would hold the message back (~2 ms in Chromium)
		if (reason !== 'other-tab') tabs.post({ type: 'logout', sid: set.sid, refreshToken: set.refreshToken });
		const revoked = reason === 'expired' || reason === 'revoked' || (revokedElsewhere && set.refreshToken === revokedElsewhere.refreshToken) ? undefined : revoke(set);
		if (reason === 'other-tab') return { set, done: revoked };
		const cleared = (async () => {
			await refresher.inflight?.catch(() => undefined);
			await tabs.withLock(() => store.clear(set.sid)).catch(reportError);
		})();
		return { set, done: Promise.all([cleared, revoked]) };
	}

	/** Storage or a tab holds another user's session: this one ends (`other-tab`), then that one is synced. */
	function switchTo(ticket: Ticket, set: TokenSet) {
		if (machine.ended.has(set.sid) || !end(ticket, 'other-tab')) return;
		sync(machine.ticket(), set);
	}

	function sync(ticket: Ticket, set: TokenSet) {
		if (machine.move(ticket, set, { type: 'sync', source: 'other-tab' })) {
			reschedule(set);
		}
	}

	function onTabMessage(message: TabMessage) {
		if (message.type === 'logout') {
			machine.ended.add(message.sid);
			const set = machine.set;
			if (set?.sid !== message.sid) return;
			end(machine.ticket(), 'other-tab', undefined, message);
			return;
		}
		const { set } = message;
		if (!isTokenSet(set) || machine.ended.has(set.sid) || lostKey(set)) return;
		const current = machine.set;
		if (current && current.sid !== set.sid) return newerSession(set, current) ? switchTo(machine.ticket(), set) : undefined; // two logins at once: the newer wins in every tab
		// an older set of this session than the current one the machine refuses itself
		if (current?.accessToken !== set.accessToken) sync(machine.ticket(), set);
	}

	/**
	 * The token set other tabs agree on: storage when it is shared, else what this tab holds (kept current
	 * by the tab channel). `null` only when storage says there is no session; a storage that fails does
	 * not mean "signed out", so then this tab's own set is the answer.
	 */
	async function readShared(): Promise<TokenSet | null> {
		if (!store.shared || !persisted) return machine.set ?? null;
		try {
			const stored = await store.load();
			const lost = stored && lostKey(stored);
			if (lost) end(machine.ticket(), 'revoked', lost); // never a refresh with another key: the refresh token is bound to this one
			return stored === null || lost || machine.ended.has(stored.sid) ? null : stored;
		} catch (error) {
			reportError(error as TokenKeeperError);
			return machine.set ?? null;
		}
	}

	async function write(previous: TokenSet, next: TokenSet): Promise<boolean> {
		try {
			if (persisted) return await store.replace(previous, next);
			await store.save(next); // storage did not hold this session: write it afresh
			persisted = true;
		} catch (error) {
			reportError(error as TokenKeeperError); // keep the new tokens in this tab; storage catches up on the next write
			persisted = false;
		}
		return true;
	}

	/** Revokes a set's refresh token (else its access token) when a revocation endpoint is configured; a failure is reported. */
	async function revoke(set: TokenSet) {
		const call = calls.logout;
		if (!call) return;
		await callRevocation(() => call({ refreshToken: set.refreshToken, accessToken: set.accessToken, signal: timed(), fetch })).catch(reportError);
	}

	const refresher = createRefresher({
		machine,
		store,
		tabs,
		gate,
		refreshBefore,
		refresh: calls.refresh,
		dpop: bound,
		tokenFetch: (set) => tokenFetch(set.dpop),
		timed,
		readShared,
		end,
		switchTo,
		write,
		revoke,
		reportError,
		reschedule,
	});

	async function startSession(answer: TokenAnswer, key?: DPoPKey): Promise<Session> {
		const set = toTokenSet(answer.body, answer.receipt, undefined, bound, key);
		if (machine.set) end(machine.ticket(), 'user'); // a login over another session ends that one everywhere
		machine.move(machine.ticket(), set, { type: 'login' });
		reschedule(set);
		const written = await store.save(set).then(
			(written) => {
				persisted = true;
				return written;
			},
			(error: TokenKeeperError) => {
				reportError(error); // a session that cannot be stored still works in this tab
				persisted = false;
				return true;
			},
		);
		if (!written) {
			// Another tab signed in to a newer session meanwhile: that one wins here too.
			const stored = await readShared();
			if (stored && machine.set === set && newerSession(stored, set)) switchTo(machine.ticket(), stored);
		}
		if (machine.set === set) tabs.post({ type: 'tokens', set });
		return machine.session;
	}

	// --- waking up ----------------------------------------------------------------------------------
	/**
	 * The page woke (`pageshow`, visible again, back online): tab messages may have been missed meanwhile (a page in
	 * the back/forward cache gets none), so storage is read again before anything else, then the token is checked.
	 */
	function onWake(wakeEvent?: WakeEvent) {
		if (wakeEvent === 'online') gate.online(); // the network is back: no reason to wait out the backoff
		if (wakeEvent === undefined || !store.shared) return check(wakeEvent);
		const ticket = machine.ticket();
		const current = machine.set;
		// the latest re-check, kept settled: awaiting it then costs a tick
		resyncing = readShared().then((stored) => {
			if (current && stored?.sid !== current.sid) {
				if (stored) switchTo(ticket, stored);
				else end(ticket, 'other-tab');
			} else if (stored && (!current || stored.receivedAt > current.receivedAt)) sync(ticket, stored);
			check(wakeEvent);
		});
	}

	function check(wakeEvent?: WakeEvent) {
		const set = machine.set;
		if (!set) return;
		if (!canRefresh(set)) {
			if (!isUsable(refreshBefore, set)) end(machine.ticket(), 'expired');
			return;
		}
		if (isDue(refreshBefore, set) && gate.mayTry() && !offline())
			refresher.refresh('timer', wakeEvent).catch(() => undefined); // reported as an event
		else reschedule();
	}

	// --- start-up -------------------------------------------------------------------------------
	const ready: Promise<void> = (async () => {
		const ticket = machine.ticket();
		let loaded: TokenSet | null = null;
		let failure: TokenKeeperError | undefined;
		try {
			loaded = await store.load();
		} catch (error) {
			failure = error as TokenKeeperError;
		}
		// a login or another tab that got there first made the ticket stale: the stored set is not taken then
		if (loaded && machine.move(ticket, loaded, { type: 'sync', source: 'storage' })) {
			const lost = lostKey(loaded);
			if (lost) return void end(machine.ticket(), 'revoked', lost); // its tokens are bound to a key that is gone: signed out
			return reschedule(loaded);
		}
		machine.settle(failure ? { type: 'error', error: failure } : { type: 'sync', source: 'storage' });
	})();

	const authorizer: Authorizer = {
		trusts,
		fetch,
		...createRequestPath({
			machine,
			refreshBefore,
			gate,
			refresher,
			dpop: bound,
			canRefresh,
			whenSettled: async () => {
				if (machine.session.status === 'loading') await ready;
				await resyncing;
			},
			end,
		}),
	};

	const redirectContext: RedirectContext = {
		name,
		fetch,
		timed,
		ready,
		startSession,
		reportError,
		...bound?.redirect(name, startSession),
	};
	const redirectFlow = (): RedirectLogin => {
		if (!options.redirectLogin) throw new TokenKeeperError('CONFIGURATION_ERROR', 'Redirect login needs oauth2({ … }) in the options');
		return options.redirectLogin;
	};

	const keeper: TokenKeeper = {
		ready,
		get session() {
			return machine.session;
		},
		async login(credentials) {
			const login = calls.login;
			if (!login) throw new TokenKeeperError('CONFIGURATION_ERROR', 'No login endpoint');
			await ready;
			const key = await bound?.newKey(); // a new key at every login, before anything is sent
			const answer = await callTokenEndpoint(() => login({ credentials, signal: timed(), fetch: tokenFetch(key) }), 'LOGIN_FAILED', 'Login', lifetime.signal);
			return startSession(answer, key);
		},
		async setTokens(response) {
			await ready;
			return startSession({ body: response, receipt: { sentAt: -Infinity, receivedAt: Date.now() } });
		},
		fetch: createAuthFetch(authorizer),
		getAccessToken: async () => (await authorizer.grant())?.token ?? null,
		async refresh() {
			await ready;
			gate.open();
			await refresher.refresh('manual');
			return machine.session;
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => void listeners.delete(listener);
		},
		async logout(logoutOptions = {}) {
			await ready;
			const result = end(machine.ticket(), 'user');
			await result?.done;
			await options.redirectLogin?.endSession(logoutOptions, result?.set.idToken, redirectContext);
		},
		loginWithRedirect: async (loginOptions = {}) => redirectFlow().loginWithRedirect(loginOptions, redirectContext),
		handleRedirectCallback: async (url = globalThis.location?.href ?? '') => redirectFlow().handleRedirectCallback(url, redirectContext),
		destroy() {
			lifetime.abort();
			listeners.clear();
		},
	};
	// the request path, for tokenkeeper/ky; not public (see internal.ts)
	Object.defineProperty(keeper, INTERNALS, { value: { authorizer, apiUrl: options.apiUrl } satisfies KeeperInternals });
	return keeper;
}
