import { describe, expect, it } from 'vitest';
import { createTokenKeeper } from '../src/index.js';
import { ALICE, keeper, useMockApi } from './support.js';

// Plain Node, as a server rendering pages: BroadcastChannel exists here too, but must not be used by default.
useMockApi();

describe('on a server', () => {
	it('keepers of one name do not share tokens: each request of each user stays its own', async () => {
		expect(typeof BroadcastChannel).toBe('function');
		const alice = keeper({ name: 'ssr' });
		const bob = keeper({ name: 'ssr' });
		await alice.auth.login(ALICE);
		await new Promise((resolve) => setTimeout(resolve, 30));
		expect(bob.auth.session.status).toBe('unauthenticated');
	});

	it('crossTab: true is still honoured when asked for', async () => {
		const a = keeper({ name: 'ssr-shared', crossTab: true });
		const b = keeper({ name: 'ssr-shared', crossTab: true });
		await a.auth.login(ALICE);
		await expect.poll(() => b.auth.session.status).toBe('authenticated');
	});

	it('an apiUrl or trusted origin that is not a URL is a configuration error at once, naming it', () => {
		// In a page a relative apiUrl resolves against the page; here there is no page to resolve against.
		expect(() => createTokenKeeper({ apiUrl: '/api' })).toThrow(/"\/api" is not one/);
		expect(() => createTokenKeeper({ trustedOrigins: ['files.example.com'] })).toThrow(TypeError);
	});

	it('a timeout or refreshBefore that is not a duration is a configuration error at once', () => {
		for (const refreshBefore of [Number.NaN, -5000]) expect(() => createTokenKeeper({ refreshBefore })).toThrow(/refreshBefore takes milliseconds/);
		for (const timeout of [0, Number.NaN, -1]) expect(() => createTokenKeeper({ timeout })).toThrow(/timeout takes milliseconds/);
		expect(() => createTokenKeeper({ refreshBefore: '30s' as unknown as number })).toThrow(TypeError);
		createTokenKeeper({ refreshBefore: 0, timeout: 1 }).destroy();
		createTokenKeeper({ refreshBefore: Number.POSITIVE_INFINITY }).destroy(); // then: half of every lifetime
	});

	it('a storage choice that is not one throws at once instead of falling back quietly', () => {
		expect(() => createTokenKeeper({ storage: 'indexedDB' as 'indexeddb' })).toThrow(/storage takes .* not "indexedDB"/);
		expect(() => createTokenKeeper({ storage: null as unknown as 'memory' })).toThrow(TypeError);
	});
});
