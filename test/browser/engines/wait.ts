import type { Tab, WaitOptions } from './types.js';

/**
 * Every 15 ms from outside the page, until `fn(arg)` is truthy in it or `timeout` ms have passed. A page that is
 * navigating has no context to evaluate in for a moment: that counts as not yet.
 */
export async function poll<A>(tab: Tab, fn: (arg: A) => unknown, arg: A | undefined, { timeout = 10_000 }: WaitOptions = {}): Promise<void> {
	const source = fn.toString();
	const deadline = Date.now() + timeout;
	let failure: unknown;
	for (;;) {
		// the predicate travels as source and is rebuilt in the page, so that each engine's evaluate takes the same shape
		const met = await tab.evaluate(({ source, arg }) => Boolean((0, eval)(`(${source})`)(arg)), { source, arg: arg ?? null }).catch((error: unknown) => {
			failure = error;
			return false;
		});
		if (met) return;
		if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeout} ms: ${source}${failure ? ` (last error: ${String(failure)})` : ''}`);
		await new Promise((resolve) => setTimeout(resolve, 15));
	}
}
