import type { TokenKeeperError } from './errors.js';
import { backoffDelay } from './failures.js';

/** When automatic refreshes may run: after failures they back off, and a failure retrying cannot mend halts them. */
export interface RetryGate {
	/** Whether an automatic refresh may run now. */
	mayTry(): boolean;
	/** When the next automatic try may run (local ms), `Infinity` while halted. */
	readonly openAt: number;
	/** The failure that closed the gate, to give callers that cannot wait. */
	readonly failure: TokenKeeperError | undefined;
	/** A token set arrived: open, unless it was due on arrival (then back off, so such a server is not called in a loop). */
	succeeded(dueOnArrival: boolean): void;
	/** A transient failure: back off (at least the server's `Retry-After`); returns the wait in ms. */
	backOff(error: TokenKeeperError): number;
	/** A failure retrying cannot mend (a misconfigured client, a bug): no automatic tries until `open()`. */
	halt(error: TokenKeeperError): void;
	/** A login or a manual refresh: try again now. */
	open(): void;
	/** The network is back: no reason to wait out the backoff (a halt stays). */
	online(): void;
}

/** The browser knows it is offline: a refresh now would fail, so wait for `online`. */
export const offline = () => globalThis.navigator?.onLine === false;

export function createRetryGate(): RetryGate {
	let failures = 0;
	/** When the next try may run; `Infinity` while halted. */
	let openAt = 0;
	let failure: TokenKeeperError | undefined;
	return {
		mayTry: () => Date.now() >= openAt,
		get openAt() {
			return openAt;
		},
		get failure() {
			return failure;
		},
		succeeded(dueOnArrival) {
			openAt = dueOnArrival ? Date.now() + backoffDelay(failures) : 0;
			failures = dueOnArrival ? failures + 1 : 0;
			failure = undefined;
		},
		backOff(error) {
			const wait = backoffDelay(failures++, error.retryAfterMs);
			if (openAt < Infinity) openAt = Date.now() + wait; // a halt stays
			failure = error;
			return wait;
		},
		halt(error) {
			openAt = Infinity;
			failure = error;
		},
		open() {
			openAt = 0;
		},
		online() {
			if (openAt < Infinity) openAt = 0; // a halt stays
		},
	};
}
