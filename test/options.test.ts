import { describe, expect, it } from 'vitest';
import { createTokenKeeper, type TokenKeeperOptions } from '../src/index.js';
import { checkOptions } from '../src/options.js';

/** Options of the wrong kind, as a JavaScript caller (or a cast) can pass them. */
const bad = (options: Record<string, unknown>) => options as TokenKeeperOptions;

describe('options that cannot work are refused at creation, each with a TypeError naming it', () => {
	it.each([
		['timeout', Number.POSITIVE_INFINITY, /timeout takes milliseconds \(a finite number from 1 to 2147483647\), not Infinity/],
		['timeout', 2 ** 31, /timeout takes milliseconds.*not 2147483648/],
		['timeout', 0, /timeout takes milliseconds/],
		['timeout', Number.NaN, /timeout takes milliseconds.*not NaN/],
		['timeout', '5000', /timeout takes milliseconds.*not "5000"/],
		['refreshBefore', Number.NaN, /refreshBefore takes milliseconds \(a number >= 0\), not NaN/],
		['refreshBefore', -1, /refreshBefore takes milliseconds.*not -1/],
		['refreshBefore', '30s', /refreshBefore takes milliseconds.*not "30s"/],
		['trustedOrigins', 'https://files.example.com', /trustedOrigins takes an array of origin strings, not "https:\/\/files\.example\.com"/],
		['trustedOrigins', [new URL('https://files.example.com')], /trustedOrigins takes an array of origin strings, not an array/],
		['storage', 'indexedDB', /storage takes 'indexeddb', 'localStorage', 'sessionStorage', 'memory' or an adapter.*not "indexedDB"/],
		['storage', { read: () => null }, /storage takes .* an adapter with get, set and delete, not an object/],
		['storage', null, /storage takes .*not null/],
		['name', '', /name takes a non-empty string, not ""/],
		['name', 42, /name takes a non-empty string, not 42/],
		['fetch', 'fetch', /fetch takes a fetch function, not "fetch"/],
		['crossTab', 'false', /crossTab takes true or false, not "false"/],
		['endpoints', '/auth', /endpoints takes an object of URLs or functions, not "\/auth"/],
		['endpoints', { refresh: 42 }, /endpoints\.refresh takes a URL string or a function, not 42/],
		['endpoints', { login: { url: '/login' } }, /endpoints\.login takes a URL string or a function, not an object/],
		['apiUrl', new URL('https://api.example.com'), /apiUrl takes a URL string, not an object/],
	])('%s: %s', (option, value, message) => {
		expect(() => createTokenKeeper(bad({ storage: 'memory', [option]: value }))).toThrow(TypeError);
		expect(() => createTokenKeeper(bad({ storage: 'memory', [option]: value }))).toThrow(message);
	});

	it('options that are not an object are refused', () => {
		expect(() => createTokenKeeper('https://api.example.com' as unknown as TokenKeeperOptions)).toThrow(/createTokenKeeper takes an options object/);
	});

	it('the limits themselves are accepted', () => {
		expect(checkOptions({ timeout: 2 ** 31 - 1, refreshBefore: 0 })).toEqual({ timeout: 2 ** 31 - 1, refreshBefore: 0 });
		expect(checkOptions({ timeout: 1 })).toEqual({ timeout: 1, refreshBefore: undefined });
		expect(checkOptions({})).toEqual({ timeout: undefined, refreshBefore: undefined });
	});

	it('good options of every kind pass', () => {
		const auth = createTokenKeeper({
			apiUrl: 'https://api.example.com',
			endpoints: { login: '/login', refresh: async () => ({ access_token: 't' }) },
			storage: { get: () => undefined, set: () => undefined, delete: () => undefined },
			name: 'checked',
			trustedOrigins: ['https://files.example.com'],
			crossTab: false,
			fetch: globalThis.fetch,
			timeout: 5000,
			refreshBefore: 30_000,
		});
		auth.destroy();
	});

	it('the largest timeout works: a call under it is not aborted at once', async () => {
		let signal: AbortSignal | undefined;
		const auth = createTokenKeeper({
			storage: 'memory',
			timeout: 2 ** 31 - 1,
			endpoints: {
				login: async (context) => {
					signal = context.signal;
					return { access_token: 'token' };
				},
			},
		});
		await auth.login({});
		expect(signal?.aborted).toBe(false);
		expect(auth.session.status).toBe('authenticated');
		auth.destroy();
	});
});
