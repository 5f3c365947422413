import type { TokenKeeperError } from './errors.js';
import { backoffDelay } from './failures.js';

/** When automatic refreshes may run: after failures they back off, and a failure retrying cannot mend halts them. */
export interface RetryGate {
	/** Whether an automatic refresh may run now. */
	mayTry(): boolean;
	/** When the next automatic try may run (local ms), `undefined` while halted. */
	readonly openAt: number | undefined;
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

export function createRetryGate(): RetryGate {
	let failures = 0;
	let retryAt = 0;
	let failure: TokenKeeperError | undefined;
	let halted = false;
	return {
		mayTry: () => !halted && Date.now() >= retryAt,
		get openAt() {
			return halted ? undefined : retryAt;
		},
		get failure() {
			return failure;
		},
		succeeded(dueOnArrival) {
			retryAt = dueOnArrival ? Date.now() + backoffDelay(failures) : 0;
			failures = dueOnArrival ? failures + 1 : 0;
			failure = undefined;
			halted = false;
		},
		backOff(error) {
			const wait = backoffDelay(failures++, error.retryAfterMs);
			retryAt = Date.now() + wait;
			failure = error;
			return wait;
		},
		halt(error) {
			halted = true;
			failure = error;
		},
		open() {
			halted = false;
			retryAt = 0;
		},
		online() {
			retryAt = 0;
		},
	};
}
