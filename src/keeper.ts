import { asTokenKeeperError, callRevocation, callTokenEndpoint, endpointFunctions, type TokenAnswer } from './endpoints.js';
import { TokenKeeperError } from './errors.js';
import { backoffDelay, classifyRefreshFailure, wasRevoked } from './failures.js';
import { createAuthFetch, type Authorizer } from './http.js';
import { INTERNALS, type KeeperInternals } from './internal.js';
import { trustedOriginsOf } from './origins.js';
import { createSchedule } from './schedule.js';
import { createTokenStore } from './storage/token-store.js';
import { createTabs, type TabMessage } from './tabs.js';
import { decodeClaims, isTokenSet, scopesOf, toTokenSet, type TokenSet } from './tokens.js';
import type { AuthEvent, Listener, LogoutReason, RedirectContext, RedirectLogin, RefreshTrigger, Session, TokenKeeper, TokenKeeperOptions, WakeEvent } from './types.js';

const DEFAULT_TIMEOUT = 10_000;
/** The default refresh lead is a fifth of the token's lifetime, at most this. */
const MAX_LEAD = 60_000;
/** Requests stop using a token this long before it expires (or `refreshBefore`, when smaller). */
const LEEWAY = 5_000;

const signedOut = (status: 'loading' | 'unauthenticated'): Session => Object.freeze({ status, accessToken: null, expiresAt: null, claims: null, scopes: Object.freeze([]) });

function sessionOf(set: TokenSet): Session {
	const claims = decodeClaims(set.accessToken);
	return Object.freeze({
		status: 'authenticated',
		accessToken: set.accessToken,
		expiresAt: set.expiresAt ?? null,
		claims: claims && Object.freeze(claims),
		scopes: Object.freeze(scopesOf(set, claims)),
	});
}

/**
 * A page or a worker of one: where "other tabs" exist. Node, Deno and Bun have a BroadcastChannel too, but
 * there it would join the keepers of every request a server renders: one user's tokens must never reach another's.
 */
const inBrowser = () => typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';

/** A duration option, checked: NaN or a negative lead would send expired tokens, or spin the timer. */
function milliseconds(value: number | undefined, option: string, min: number): number | undefined {
	if (value !== undefined && !(typeof value === 'number' && value >= min)) throw new TypeError(`tokenkeeper: ${option} takes milliseconds (a number >= ${min}), not ${String(value)}`);
	return value;
}

/** `signal`, also aborted after `ms`. */
function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
	const timeout = AbortSignal.timeout(ms);
	if (typeof AbortSignal.any === 'function') return AbortSignal.any([signal, timeout]);
	const either = new AbortController(); // Safari before 17.4 has no AbortSignal.any
	for (const source of [signal, timeout]) {
		if (source.aborted) either.abort(source.reason);
		else source.addEventListener('abort', () => either.abort(source.reason), { once: true });
	}
	return either.signal;
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
	const timeout = milliseconds(options.timeout, 'timeout', 1) ?? DEFAULT_TIMEOUT;
	const refreshBefore = milliseconds(options.refreshBefore, 'refreshBefore', 0);
	const lifetime = new AbortController();
	const fetch: typeof globalThis.fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
	const calls = endpointFunctions(options.endpoints, options.apiUrl);
	const trusts = trustedOriginsOf(options);
	const listeners = new Set<Listener>();

	let tokens: TokenSet | null = null;
	let session = signedOut('loading');
	/** Changes whenever the session is replaced or ended: work begun under another epoch is discarded. */
	let epoch = 0;
	/** Aborted when the epoch changes: cancels the refresh call of a session that ended. */
	let sessionAbort = new AbortController();
	let inflight: Promise<TokenSet> | undefined;
	let failures = 0;
	let retryAt = 0;
	let lastFailure: TokenKeeperError | undefined;
	/** A failure that retrying cannot mend (a misconfigured client): automatic refreshes wait for a login or a manual refresh. */
	let halted: TokenKeeperError | undefined;
	const endedSids = new Set<string>();
	/** Whether storage holds this tab's session: after a failed write, storage cannot speak for it. */
	let persisted = true;
	const recentTokens: string[] = [];

	const emit = (event: AuthEvent) => {
		for (const listener of [...listeners]) {
			try {
				listener(session, event);
			} catch (error) {
				// Like an EventTarget: a listener's bug is reported and does not stop the others, nor the keeper.
				if (globalThis.reportError) globalThis.reportError(error);
				else console.error(error);
			}
		}
	};
	const reportError = (error: TokenKeeperError, extra: { retryInMs?: number; trigger?: RefreshTrigger } = {}) => emit({ type: 'error', at: Date.now(), error, ...extra });

	const store = createTokenStore(options.storage, name, lifetime.signal, (error) => reportError(error));
	const tabs = createTabs(name, options.crossTab ?? inBrowser(), timeout + 2000, onTabMessage, lifetime.signal);
	const schedule = createSchedule(onWake, lifetime.signal);

	// --- time ---------------------------------------------------------------------------------
	const canRefresh = (set: TokenSet) => set.refreshToken !== undefined && calls.refresh !== undefined;
	/** How long before expiry to refresh: `refreshBefore`, else a fifth of the lifetime up to 60 s; never more than half the lifetime. */
	const lead = (set: TokenSet, expiresAt: number) => {
		const lifetimeMs = expiresAt - set.receivedAt;
		return refreshBefore === undefined ? Math.min(MAX_LEAD, lifetimeMs / 5) : Math.min(refreshBefore, lifetimeMs / 2);
	};
	/** When a proactive refresh is due (local ms), or `undefined` for a token of unknown expiry. */
	const refreshAt = (set: TokenSet) => (set.expiresAt === undefined ? undefined : set.expiresAt - lead(set, set.expiresAt));
	/** Until when requests may carry the token. */
	const usableUntil = (set: TokenSet) => (set.expiresAt === undefined ? Infinity : set.expiresAt - Math.min(LEEWAY, lead(set, set.expiresAt)));
	const isUsable = (set: TokenSet) => Date.now() < usableUntil(set);
	const isDue = (set: TokenSet) => Date.now() >= (refreshAt(set) ?? Infinity);
	const mayRetryNow = () => halted === undefined && Date.now() >= retryAt;
	/** The browser knows it is offline: a refresh now would fail, so wait for `online`. */
	const offline = () => globalThis.navigator?.onLine === false;

	function reschedule() {
		if (!tokens || lifetime.signal.aborted) return schedule.at(undefined);
		if (!canRefresh(tokens)) return schedule.at(tokens.expiresAt === undefined ? undefined : usableUntil(tokens));
		const due = refreshAt(tokens);
		schedule.at(halted || due === undefined ? undefined : Math.max(due, retryAt));
	}

	// --- session transitions --------------------------------------------------------------------
	function newEpoch() {
		epoch++;
		sessionAbort.abort(new TokenKeeperError('SESSION_EXPIRED', 'The session ended while a call was under way'));
		sessionAbort = new AbortController();
	}

	/** Makes `set` the current token set and tells the listeners. */
	function commit(set: TokenSet, event: AuthEvent) {
		if (tokens?.sid !== set.sid) newEpoch();
		tokens = set;
		// A set already due when it arrives (its lifetime ran out on the way, or a server issues such tokens)
		// is refreshed again with backoff, so that a server that only gives such tokens is not called in a loop.
		const dueOnArrival = canRefresh(set) && (refreshAt(set) ?? Infinity) <= set.receivedAt;
		retryAt = dueOnArrival ? Date.now() + backoffDelay(failures) : 0;
		failures = dueOnArrival ? failures + 1 : 0;
		lastFailure = undefined;
		halted = undefined;
		recentTokens.unshift(set.accessToken);
		recentTokens.length = Math.min(recentTokens.length, 4);
		session = sessionOf(set);
		reschedule();
		emit(event);
	}

	/**
	 * Ends the current session here; unless another tab told us, also in the other tabs and in storage.
	 * Returns the ended set and the storage clean-up, or `null` when there was no session.
	 */
	function endSession(reason: LogoutReason, error?: TokenKeeperError): { ended: TokenSet; cleared: Promise<void> } | null {
		const ended = tokens;
		if (!ended) return null;
		newEpoch();
		tokens = null;
		endedSids.add(ended.sid);
		session = signedOut('unauthenticated');
		schedule.at(undefined);
		let cleared = Promise.resolve();
		if (reason !== 'other-tab') {
			tabs.post({ type: 'logout', sid: ended.sid });
			cleared = store.clear(ended.sid).catch(reportError);
		}
		emit({ type: 'logout', at: Date.now(), reason, ...(error ? { error } : {}) });
		return { ended, cleared };
	}

	function onTabMessage(message: TabMessage) {
		if (message.type === 'logout') {
			endedSids.add(message.sid);
			if (tokens?.sid === message.sid) endSession('other-tab');
			return;
		}
		const { set } = message;
		if (!isTokenSet(set) || endedSids.has(set.sid) || tokens?.accessToken === set.accessToken) return;
		if (tokens?.sid === set.sid && tokens.receivedAt > set.receivedAt) return; // an older set of this session
		commit(set, { type: 'sync', at: Date.now(), source: 'other-tab' });
	}

	/**
	 * The token set other tabs agree on: storage when it is shared, else what this tab holds (kept current
	 * by the tab channel). `null` only when storage says there is no session; a storage that fails does
	 * not mean "signed out", so then this tab's own set is the answer.
	 */
	async function readShared(): Promise<TokenSet | null> {
		if (!store.shared || !persisted) return tokens;
		try {
			const stored = await store.load();
			return stored === null || endedSids.has(stored.sid) ? null : stored;
		} catch (error) {
			reportError(error as TokenKeeperError);
			return tokens;
		}
	}

	async function startSession(answer: TokenAnswer, event: AuthEvent): Promise<Session> {
		const set = toTokenSet(answer.body, answer.receipt);
		persisted = await store.save(set).then(
			() => true,
			(error: TokenKeeperError) => {
				reportError(error); // a session that cannot be stored still works in this tab
				return false;
			},
		);
		commit(set, event);
		tabs.post({ type: 'tokens', set });
		return session;
	}

	// --- refresh --------------------------------------------------------------------------------
	function refreshNow(trigger: RefreshTrigger, wakeEvent?: WakeEvent): Promise<TokenSet> {
		inflight ??= runRefresh(trigger, wakeEvent).finally(() => {
			inflight = undefined;
		});
		return inflight;
	}

	const sessionEnded = (cause?: unknown) => new TokenKeeperError('SESSION_EXPIRED', 'Not signed in', cause === undefined ? {} : { cause });

	async function runRefresh(trigger: RefreshTrigger, wakeEvent: WakeEvent | undefined): Promise<TokenSet> {
		const start = tokens;
		const startEpoch = epoch;
		const { signal } = sessionAbort;
		const refresh = calls.refresh;
		if (!start) throw sessionEnded();
		if (!refresh || start.refreshToken === undefined) {
			if (!isUsable(start)) endSession('expired');
			throw new TokenKeeperError('SESSION_EXPIRED', refresh ? 'The session has no refresh token: sign in again' : 'No refresh endpoint is configured');
		}
		const adopt = (set: TokenSet) => {
			commit(set, { type: 'refresh', at: Date.now(), trigger, adopted: true, ...(wakeEvent ? { wakeEvent } : {}) });
			return set;
		};
		let presented = start;
		try {
			return await tabs.withLock(async () => {
				const current = await readShared();
				if (epoch !== startEpoch) throw sessionEnded();
				if (current === null) {
					endSession('other-tab');
					throw sessionEnded();
				}
				if (current.accessToken !== start.accessToken && !isDue(current) && isUsable(current)) return adopt(current);
				presented = current;
				const answer = await callTokenEndpoint(
					() => refresh({ refreshToken: current.refreshToken ?? start.refreshToken ?? '', signal: withTimeout(signal, timeout), fetch }),
					'REFRESH_FAILED',
					'Refresh',
					signal,
				);
				if (epoch !== startEpoch) {
					revokeDropped(answer);
					throw sessionEnded();
				}
				const next = toTokenSet(answer.body, answer.receipt, current);
				let stored = true;
				try {
					if (persisted) stored = await store.replace(current, next);
					else await store.save(next); // storage did not hold this session: write it afresh
					persisted = true;
				} catch (error) {
					reportError(error as TokenKeeperError); // keep the new tokens in this tab; storage catches up on the next write
					persisted = false;
				}
				if (!stored) {
					// Storage moved on while we refreshed: another tab logged out, or wrote a newer set.
					const now = await readShared();
					if (now === null) {
						endSession('other-tab');
						throw sessionEnded();
					}
					return adopt(now);
				}
				commit(next, { type: 'refresh', at: Date.now(), trigger, adopted: false, ...(wakeEvent ? { wakeEvent } : {}) });
				tabs.post({ type: 'tokens', set: next });
				return next;
			});
		} catch (thrown) {
			if (epoch !== startEpoch) throw thrown instanceof TokenKeeperError && thrown.code === 'SESSION_EXPIRED' ? thrown : sessionEnded(thrown);
			const error = (await asTokenKeeperError(thrown, 'REFRESH_FAILED', 'Refresh')) as TokenKeeperError;
			const kind = classifyRefreshFailure(error);
			if (kind === 'rejected') {
				// Another tab may have rotated the token a moment ago: adopt its set rather than end everyone's session.
				const now = await readShared();
				if (epoch === startEpoch && now && now.accessToken !== presented.accessToken && isUsable(now)) return adopt(now);
				if (epoch === startEpoch) endSession(wasRevoked(error) ? 'revoked' : 'expired', error);
				throw new TokenKeeperError('SESSION_EXPIRED', `The session ended: ${error.message}`, { cause: error });
			}
			lastFailure = error;
			if (kind === 'transient') {
				const retryInMs = backoffDelay(failures++, error.retryAfterMs);
				retryAt = Date.now() + retryInMs;
				reschedule();
				reportError(error, { retryInMs, trigger });
			} else {
				halted = error;
				reschedule();
				reportError(error, { trigger });
			}
			throw error;
		}
	}

	function onWake(wakeEvent?: WakeEvent) {
		if (wakeEvent === 'online') retryAt = 0; // the network is back: no reason to wait out the backoff
		if (!tokens) return;
		if (!canRefresh(tokens)) {
			if (!isUsable(tokens)) endSession('expired');
			return;
		}
		if (isDue(tokens) && mayRetryNow() && !offline())
			refreshNow('timer', wakeEvent).catch(() => undefined); // reported as an event
		else reschedule();
	}

	// --- the request path -------------------------------------------------------------------------
	async function tokenForRequest(): Promise<string | null> {
		if (session.status === 'loading') await ready;
		const set = tokens;
		if (!set) return null;
		if (isUsable(set)) {
			if (isDue(set) && canRefresh(set) && mayRetryNow() && !offline()) refreshNow('request').catch(() => undefined);
			return set.accessToken;
		}
		if (!canRefresh(set)) {
			endSession('expired');
			return null;
		}
		if (offline()) throw new TokenKeeperError('NETWORK_ERROR', 'Offline: the access token needs a refresh, which will run when the browser is back online');
		if (!mayRetryNow() && lastFailure) throw halted ?? lastFailure;
		try {
			// A refresh already under way may bring a token whose lifetime ran out on the way (the tab slept): then one more.
			const next = await refreshNow('request');
			return (isUsable(next) ? next : await refreshNow('request')).accessToken;
		} catch (error) {
			if (!tokens) return null;
			throw error;
		}
	}

	async function tokenAfterUnauthorized(sent: string): Promise<string | null> {
		const set = tokens;
		if (!set) return null;
		if (set.accessToken !== sent) return set.accessToken; // refreshed while the request was out
		if (!canRefresh(set)) {
			endSession('expired');
			return null;
		}
		if (!mayRetryNow()) return null;
		return refreshNow('unauthorized').then(
			(next) => next.accessToken,
			() => null,
		);
	}

	/** Revokes a set's refresh token (else its access token) when a revocation endpoint is configured; a failure is reported. */
	async function revoke(set: TokenSet) {
		const call = calls.logout;
		if (!call) return;
		await callRevocation(() => call({ refreshToken: set.refreshToken, accessToken: set.accessToken, signal: withTimeout(lifetime.signal, timeout), fetch })).catch(async (error: unknown) =>
			reportError((await asTokenKeeperError(error, 'REFRESH_FAILED', 'Revocation')) as TokenKeeperError),
		);
	}

	/** A refresh answer that came after its session ended is dropped; a new refresh token in it is revoked, so that none is left alive. */
	function revokeDropped(answer: TokenAnswer) {
		try {
			const dropped = toTokenSet(answer.body, answer.receipt);
			if (dropped.refreshToken !== undefined) void revoke(dropped);
		} catch {
			// not a token response: nothing to revoke
		}
	}

	function redirectFlow(): RedirectLogin {
		if (!options.redirectLogin) throw new TokenKeeperError('LOGIN_FAILED', 'Login with redirect needs an OAuth 2.0 server: spread oauth2({ … }) into the options');
		return options.redirectLogin;
	}

	const authorizer: Authorizer = { trusts, tokenForRequest, tokenAfterUnauthorized, isOwnToken: (token) => recentTokens.includes(token), fetch };
	const authFetch = createAuthFetch(authorizer);

	// --- start-up -------------------------------------------------------------------------------
	const ready: Promise<void> = (async () => {
		let loaded: TokenSet | null = null;
		let failure: TokenKeeperError | undefined;
		try {
			loaded = await store.load();
		} catch (error) {
			failure = error as TokenKeeperError;
		}
		if (session.status !== 'loading') return; // a login or another tab got there first
		if (loaded) return commit(loaded, { type: 'sync', at: Date.now(), source: 'storage' });
		session = signedOut('unauthenticated');
		emit(failure ? { type: 'error', at: Date.now(), error: failure } : { type: 'sync', at: Date.now(), source: 'storage' });
	})();
	const redirectContext: RedirectContext = {
		name,
		fetch,
		timed: () => withTimeout(lifetime.signal, timeout),
		ready,
		startSession: (answer) => startSession(answer, { type: 'login', at: Date.now() }),
		reportError,
	};

	const keeper: TokenKeeper = {
		ready,
		get session() {
			return session;
		},
		async login(credentials) {
			const login = calls.login;
			if (!login) throw new TokenKeeperError('LOGIN_FAILED', 'No login endpoint is configured');
			await ready;
			const answer = await callTokenEndpoint(() => login({ credentials, signal: withTimeout(lifetime.signal, timeout), fetch }), 'LOGIN_FAILED', 'Login', lifetime.signal);
			return startSession(answer, { type: 'login', at: Date.now() });
		},
		async setTokens(response) {
			await ready;
			const now = Date.now();
			return startSession({ body: response, receipt: { sentAt: -Infinity, receivedAt: now } }, { type: 'login', at: now });
		},
		fetch: authFetch,
		getAccessToken: tokenForRequest,
		async refresh() {
			await ready;
			halted = undefined;
			retryAt = 0;
			await refreshNow('manual');
			return session;
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => void listeners.delete(listener);
		},
		async logout(logoutOptions = {}) {
			await ready;
			const result = endSession('user');
			if (result) await Promise.all([result.cleared, revoke(result.ended)]);
			await options.redirectLogin?.endSession(logoutOptions, result?.ended.idToken, redirectContext);
		},
		loginWithRedirect: async (loginOptions = {}) => redirectFlow().loginWithRedirect(loginOptions, redirectContext),
		handleRedirectCallback: async (url = globalThis.location?.href ?? '') => redirectFlow().handleRedirectCallback(url, redirectContext),
		destroy() {
			lifetime.abort();
			sessionAbort.abort();
			schedule.stop();
			listeners.clear();
		},
	};
	// The request path, lent to tokenkeeper/ky under a symbol: not enumerable, not in the public type.
	Object.defineProperty(keeper, INTERNALS, { value: { authorizer, apiUrl: options.apiUrl } satisfies KeeperInternals });
	return keeper;
}
