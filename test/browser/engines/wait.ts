import type { Tab, WaitOptions } from './types.js';

/**
 * Every 15 ms from outside the page, until `fn(arg)` is truthy in it or `timeout` ms have passed. A page that is
 * navigating has no context to evaluate in for a moment: that counts as not yet. The predicate's result must
 * serialise (a boolean, as a rule).
 */
export async function poll<A>(tab: Tab, fn: (arg: A) => unknown, arg: A | undefined, { timeout = 10_000 }: WaitOptions = {}): Promise<void> {
	const deadline = Date.now() + timeout;
	let failure: unknown;
	for (;;) {
		const met = await tab.evaluate(fn, arg as A).catch((error: unknown) => {
			failure = error;
			return false;
		});
		if (met) return;
		if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn.toString()}${failure ? ` (last error: ${String(failure)})` : ''}`);
		await new Promise((resolve) => setTimeout(resolve, 15));
	}
}
