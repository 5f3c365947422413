import { MAX_TIMER_DELAY } from './tokens.js';
import type { TokenKeeperOptions } from './types.js';

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
	if (typeof value === 'object' && value !== null) return 'an object';
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
	const fits = typeof value === 'number' && value >= min && (max === undefined ? !Number.isNaN(value) : value <= max);
	if (!fits) refuse(option, `milliseconds (${max === undefined ? `a number >= ${min}` : `a finite number from ${min} to ${max}`})`, value);
	return value as number;
}

/** Whether `value` has the methods a storage adapter needs. */
const isAdapter = (value: object) => ['get', 'set', 'delete'].every((method) => typeof (value as Record<string, unknown>)[method] === 'function');

/**
 * Checks the options of `createTokenKeeper`, so that one that cannot work fails at once, with a `TypeError`
 * that names it, instead of at the first call or, worse, silently (a string of trusted origins read one
 * character at a time). The URL checks of `apiUrl` and `trustedOrigins` are in `origins.ts`.
 *
 * @example
 * checkOptions({ timeout: Infinity }); // TypeError: tokenkeeper: timeout takes milliseconds (a finite number from 1 to 2147483647), not Infinity
 */
export function checkOptions(options: TokenKeeperOptions): CheckedOptions {
	if (typeof options !== 'object' || options === null || Array.isArray(options)) refuse('createTokenKeeper', 'an options object', options);
	const { apiUrl, endpoints, storage, name, trustedOrigins, crossTab, fetch, redirectLogin } = options as Record<string, unknown>;
	if (apiUrl !== undefined && typeof apiUrl !== 'string') refuse('apiUrl', 'a URL string', apiUrl);
	if (endpoints !== undefined) {
		if (typeof endpoints !== 'object' || endpoints === null || Array.isArray(endpoints)) refuse('endpoints', 'an object of URLs or functions', endpoints);
		for (const key of ENDPOINTS) {
			const endpoint = (endpoints as Record<string, unknown>)[key];
			if (endpoint !== undefined && typeof endpoint !== 'string' && typeof endpoint !== 'function') refuse(`endpoints.${key}`, 'a URL string or a function', endpoint);
		}
	}
	if (storage !== undefined && !(typeof storage === 'string' && STORAGE_NAMES.includes(storage)) && !(typeof storage === 'object' && storage !== null && isAdapter(storage))) {
		refuse('storage', `${STORAGE_NAMES.map((choice) => `'${choice}'`).join(', ')} or an adapter with get, set and delete`, storage);
	}
	if (name !== undefined && (typeof name !== 'string' || name === '')) refuse('name', 'a non-empty string', name);
	if (trustedOrigins !== undefined && !(Array.isArray(trustedOrigins) && trustedOrigins.every((origin) => typeof origin === 'string'))) {
		refuse('trustedOrigins', 'an array of origin strings', trustedOrigins);
	}
	if (crossTab !== undefined && typeof crossTab !== 'boolean') refuse('crossTab', 'true or false', crossTab);
	if (fetch !== undefined && typeof fetch !== 'function') refuse('fetch', 'a fetch function', fetch);
	if (redirectLogin !== undefined && (typeof redirectLogin !== 'object' || redirectLogin === null)) refuse('redirectLogin', 'what oauth2() returns', redirectLogin);
	return {
		timeout: milliseconds(options.timeout, 'timeout', 1, MAX_TIMER_DELAY),
		refreshBefore: milliseconds(options.refreshBefore, 'refreshBefore', 0),
	};
}
