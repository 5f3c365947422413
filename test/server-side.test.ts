import { describe, expect, it } from 'vitest';
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
});
