import { MAX_TIMER_DELAY } from './tokens.js';
import type { TokenKeeperOptions } from './types.js';
import { isObject } from './values.js';

/** The checked values the keeper computes with. */
export interface CheckedOptions {
	/** Milliseconds, from 1 to 2^31-1; `undefined` for the default. */
	readonly timeout: number | undefined;
	/** Milliseconds, >= 0 (`Infinity`: half of each token's lifetime); `undefined` for the default. */
	readonly refreshBefore: number | undefined;
}

const STORAGE_NAMES = ['indexeddb', 'localStorage', 'sessionStorage', 'memory'];
const ENDPOINTS = ['login', 'refresh', 'logout'] as const;

/** How a value reads in an error message: strings quoted, the rest as JavaScript would show it. */
const shown = (value: unknown): string => {
	if (typeof value === 'string') return JSON.stringify(value);
	if (typeof value === 'function') return 'a function';
	if (Array.isArray(value)) return 'an array';
	if (isObject(value)) return 'an object';
	return String(value);
};

const refuse = (option: string, what: string, value: unknown): never => {
	throw new TypeError(`tokenkeeper: ${option} takes ${what}, not ${shown(value)}`);
};

/**
 * A duration option. Past 2^31-1 ms `setTimeout` fires at once (and Node's `AbortSignal.timeout` with it),
 * and `AbortSignal.timeout(Infinity)` throws in Chromium: a `timeout` like that would make every call fail,
 * so it is refused here, at creation, with the others. Without `max` (`refreshBefore`, which is capped at
 * half of each token's lifetime), `Infinity` is accepted and means that cap.
 */
function milliseconds(value: unknown, option: string, min: number, max?: number): number | undefined {
	if (value === undefined) return undefined;
	const fits = typeof value === 'number' && value >= min && value <= (max ?? Infinity); // NaN is neither
	if (!fits) refuse(option, `milliseconds (${max === undefined ? `a number >= ${min}` : `a finite number from ${min} to ${max}`})`, value);
	return value as number;
}

const isA = (type: 'string' | 'boolean' | 'function') => (value: unknown) => typeof value === type;

/**
 * The options other than the durations, in the order they are checked: each with the test a value of it
 * passes (`undefined` always does) and, for the message, what it takes.
 */
const CHECKS: readonly (readonly [option: string, fits: (value: unknown) => boolean, what: string])[] = [
	['apiUrl', isA('string'), 'a URL string'],
	[
		'endpoints',
		// an object whose endpoints are each a URL or a function; a wrong one is refused by its own name
		(endpoints) =>
			isObject(endpoints) &&
			!Array.isArray(endpoints) &&
			ENDPOINTS.every((key) => {
				const endpoint = endpoints[key];
				return endpoint === undefined || typeof endpoint === 'string' || typeof endpoint === 'function' || refuse(`endpoints.${key}`, 'a URL string or a function', endpoint);
			}),
		'an object of URLs or functions',
	],
	[
		'storage',
		(storage) => STORAGE_NAMES.includes(storage as string) || (isObject(storage) && ['get', 'set', 'delete'].every((method) => typeof storage[method] === 'function')),
		`${STORAGE_NAMES.map((choice) => `'${choice}'`).join(', ')} or an adapter with get, set and delete`,
	],
	['name', (name) => typeof name === 'string' && name !== '', 'a non-empty string'],
	['trustedOrigins', (origins) => Array.isArray(origins) && origins.every(isA('string')), 'an array of origin strings'],
	['crossTab', isA('boolean'), 'true or false'],
	['fetch', isA('function'), 'a fetch function'],
	['redirectLogin', isObject, 'what oauth2() returns'],
];

/**
 * Checks the options of `createTokenKeeper`, so that one that cannot work fails at once, with a `TypeError`
 * that names it, instead of at the first call or, worse, silently (a string of trusted origins read one
 * character at a time). The URL checks of `apiUrl` and `trustedOrigins` are in `origins.ts`.
 *
 * @example
 * checkOptions({ timeout: Infinity }); // TypeError: tokenkeeper: timeout takes milliseconds (a finite number from 1 to 2147483647), not Infinity
 */
export function checkOptions(options: TokenKeeperOptions): CheckedOptions {
	if (!isObject(options) || Array.isArray(options)) refuse('createTokenKeeper', 'an options object', options);
	for (const [option, fits, what] of CHECKS) {
		const value = (options as Record<string, unknown>)[option];
		if (value !== undefined && !fits(value)) refuse(option, what, value);
	}
	return {
		timeout: milliseconds(options.timeout, 'timeout', 1, MAX_TIMER_DELAY),
		refreshBefore: milliseconds(options.refreshBefore, 'refreshBefore', 0),
	};
}
