/**
 * Where a request will really go, determined the way fetch determines it, so that the trust check and the
 * send can never disagree (behaviour 5).
 *
 * - Relative URLs resolve against the document's base URL (`document.baseURI`, which a `<base href>` sets),
 *   as fetch resolves them (Fetch standard, "Request" constructor, step 5: the API base URL of the
 *   relevant settings object); in a worker, against `location.href`; with neither, they stay relative.
 * - A `Request` or a `URL` is recognised from any realm (a same-origin iframe's `Request` is not
 *   `instanceof` the page's): by calling this realm's brand-checked `url`/`href` getter on it, which Web IDL
 *   lets any platform object of that interface pass, whatever its realm, and which refuses look-alikes.
 * - Anything else (an object with a `toString`, a look-alike, a Request this realm cannot read) has no
 *   destination the SDK can vouch for: `null`, and the caller sends it without a token (fail closed).
 */

import { isObject } from './values.js';

/** The URL relative inputs resolve against, read at call time: a `<base>` may change it at any moment. */
export function baseUrl(): string | undefined {
	const document = (globalThis as { document?: { baseURI?: unknown } }).document;
	if (typeof document?.baseURI === 'string' && document.baseURI) return document.baseURI;
	return globalThis.location?.href;
}

/**
 * This realm's getter `name` of `prototype`, called on `value`: its result, or `undefined` when `value` is
 * not of that interface. Never `instanceof`: an object made with `Object.create(Request.prototype)` passes
 * that, and fetch would still read it as a string.
 */
function brandRead(prototype: object | undefined, name: string, value: object): unknown {
	// the getter is found on the prototype or one it inherits from (happy-dom's classes inherit theirs)
	for (let object = prototype ?? null; object !== null; object = Object.getPrototypeOf(object)) {
		const getter = Object.getOwnPropertyDescriptor(object, name)?.get;
		if (!getter) continue;
		try {
			return getter.call(value);
		} catch {
			return undefined; // the brand check refused it
		}
	}
	return undefined;
}

/** The URL of a `Request` of any realm, or `undefined` when `input` is none. */
export function requestUrlOf(input: unknown): string | undefined {
	if (!isObject(input)) return undefined;
	const url = brandRead(globalThis.Request?.prototype, 'url', input);
	return typeof url === 'string' && url ? url : undefined;
}

/** Whether `input` is a `Request` of any realm (one that fetch takes as a Request, not as a string). */
export const isRequest = (input: unknown): input is Request => requestUrlOf(input) !== undefined;

/**
 * The absolute URL a fetch of `input` goes to, or `null` when it cannot be determined (then no token).
 *
 * @example
 * destinationOf('collect')?.origin; // with <base href="https://cdn.example.net/">: 'https://cdn.example.net'
 */
export function destinationOf(input: unknown): URL | null {
	let text: string | undefined;
	if (typeof input === 'string') text = input;
	else if (isObject(input)) {
		const href = brandRead(globalThis.URL?.prototype, 'href', input);
		text = typeof href === 'string' ? href : requestUrlOf(input);
	}
	if (text === undefined) return null;
	try {
		return new URL(text, baseUrl());
	} catch {
		return null;
	}
}
