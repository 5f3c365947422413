// Waiting for the keeper under fake timers. Advancing fake timers runs the refresh timer, but the refresh itself
// goes through the network layer, Web Crypto and the response body, which fake timers do not drive: the server may
// have counted the refresh while the keeper still holds the old token. Waiting for the keeper's own event is exact.
import type { AuthEvent, Session, TokenKeeper } from 'tokenkeeper';

/** The real timer, taken before a test installs fake ones: a wait's time limit must run in real time. */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Which event to wait for: its `type`, or a test of the event and the session after it. */
export type EventMatch = AuthEvent['type'] | ((event: AuthEvent, session: Session) => boolean);

/** Options of `nextEvent` and `settle`. */
export interface NextEventOptions {
	/**
	 * How long to wait, in real milliseconds (fake timers do not shorten it), before rejecting with the events seen. Default 5000.
	 * @example { timeoutMs: 1000 }
	 */
	timeoutMs?: number;
	/**
	 * Stops waiting when aborted: the promise rejects with the events seen so far.
	 * @example { signal: AbortSignal.timeout(2000) }
	 */
	signal?: AbortSignal;
}

/**
 * Resolves with the keeper's next event that matches (by default, any), once every listener has seen it: the session is
 * then the one after that change. Subscribe before the action that causes the event.
 *
 * @example
 * const refreshed = nextEvent(auth, 'refresh');
 * await auth.refresh();
 * expect((await refreshed).type).toBe('refresh');
 */
export function nextEvent(auth: Pick<TokenKeeper, 'subscribe'>, match: EventMatch = () => true, { timeoutMs = 5000, signal }: NextEventOptions = {}): Promise<AuthEvent> {
	const matches = typeof match === 'function' ? match : (event: AuthEvent) => event.type === match;
	const wanted = typeof match === 'function' ? 'matching event' : `'${match}' event`;
	const seen: string[] = [];
	return new Promise((resolve, reject) => {
		const stop = () => {
			realClearTimeout(timer);
			signal?.removeEventListener('abort', aborted);
			unsubscribe();
		};
		const fail = (why: string) => {
			stop();
			reject(new Error(`tokenkeeper/testing: no ${wanted} came ${why} (events seen: ${seen.join(', ') || 'none'})`));
		};
		const aborted = () => fail('before the wait was aborted');
		const timer = realSetTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
		(timer as { unref?: () => void }).unref?.();
		const unsubscribe = auth.subscribe((session, event) => {
			seen.push(event.type);
			if (!matches(event, session)) return;
			stop();
			// after the other listeners of this change, which run in the same loop
			queueMicrotask(() => resolve(event));
		});
		if (signal?.aborted) aborted();
		else signal?.addEventListener('abort', aborted, { once: true });
	});
}

/**
 * Runs `advance` (typically the fake-timer step) and then waits until the keeper has emitted the matching event
 * (default `'refresh'`): the refresh the timers started has finished and its token is in `auth.session`.
 *
 * @example
 * vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
 * await auth.login({ username: 'alice', password: 'wonderland' });
 * await settle(auth, () => vi.advanceTimersByTimeAsync(61_000));
 * expect(server.calls.refresh).toBe(1); // and auth.session holds the new token
 */
export async function settle(auth: Pick<TokenKeeper, 'subscribe'>, advance: () => unknown, match: EventMatch = 'refresh', options: NextEventOptions = {}): Promise<AuthEvent> {
	const event = nextEvent(auth, match, options);
	event.catch(() => undefined); // reported below, unless advance fails first
	await advance();
	return event;
}
