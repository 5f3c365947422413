import { MAX_TIMER_DELAY } from './tokens.js';
import type { WakeEvent } from './types.js';

/**
 * When to look at the token again: one timer, plus the page events after which timers may have missed their time.
 * Timers do not fire in a sleeping laptop or a frozen tab, and a long delay overflows `setTimeout`
 * (2^31-1 ms, 24.8 days: a longer one fires at once). So the timer is clamped and re-armed, and
 * `visibilitychange` (to visible), `online` and `pageshow` check the token as well.
 *
 * Returns the function that sets the timer: it calls `onDue()` at `at` (local ms), or never for `Infinity`, and
 * replaces the previous time. The end of `lifetime` clears the timer and the listeners.
 */
export function createSchedule(onDue: (event?: WakeEvent) => void, lifetime: AbortSignal): (at: number) => void {
	let timer: ReturnType<typeof setTimeout> | undefined;
	/** A clamped timer that fires before `at` arms again for the rest (a negative delay is no delay). */
	const arm = (at: number) => {
		timer = setTimeout(() => (Date.now() < at ? arm(at) : onDue()), Math.min(at - Date.now(), MAX_TIMER_DELAY));
	};

	const options = { signal: lifetime };
	globalThis.document?.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && onDue('visibilitychange'), options);
	globalThis.addEventListener?.('online', () => onDue('online'), options);
	globalThis.addEventListener?.('pageshow', () => onDue('pageshow'), options);
	lifetime.addEventListener('abort', () => clearTimeout(timer));

	return (at) => {
		clearTimeout(timer);
		if (at < Infinity && !lifetime.aborted) arm(at);
	};
}
