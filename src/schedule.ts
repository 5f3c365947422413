import { MAX_TIMER_DELAY } from './tokens.js';
import type { WakeEvent } from './types.js';

/** When to look at the token again: one timer, plus the page events after which timers may have missed their time. */
export interface Schedule {
	/** Calls `onDue('timer')` at `at` (local ms), or never for `undefined`. Replaces the previous time. */
	at(at: number | undefined): void;
	stop(): void;
}

/**
 * Timers do not fire in a sleeping laptop or a frozen tab, and a long delay overflows `setTimeout`
 * (2^31-1 ms, 24.8 days: a longer one fires at once). So the timer is clamped and re-armed, and
 * `visibilitychange` (to visible), `online` and `pageshow` check the token as well.
 */
export function createSchedule(onDue: (event?: WakeEvent) => void, lifetime: AbortSignal): Schedule {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let target: number | undefined;

	const arm = () => {
		if (target === undefined) return;
		const delay = Math.max(0, target - Date.now());
		timer = setTimeout(
			() => {
				timer = undefined;
				if (target !== undefined && Date.now() < target)
					arm(); // clamped: not there yet
				else onDue();
			},
			Math.min(delay, MAX_TIMER_DELAY),
		);
	};
	const clear = () => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
	};

	const options = { signal: lifetime };
	globalThis.document?.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && onDue('visibilitychange'), options);
	globalThis.addEventListener?.('online', () => onDue('online'), options);
	globalThis.addEventListener?.('pageshow', () => onDue('pageshow'), options);
	lifetime.addEventListener('abort', clear);

	return {
		at(at) {
			clear();
			target = lifetime.aborted ? undefined : at;
			arm();
		},
		stop() {
			clear();
			target = undefined;
		},
	};
}
