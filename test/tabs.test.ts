// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { ALICE, eventTypes, keeper, useMockApi } from './support.js';

// Keepers of one name in one process talk over a real BroadcastChannel, like tabs of one origin.
// (Web Locks and shared IndexedDB across tabs are proven in real Chromium: test/browser.)
const { server } = useMockApi();

const pair = (name: string) => [keeper({ name }), keeper({ name })] as const;

describe('tabs of one name', () => {
	it('a login in one tab signs the others in, with the same tokens', async () => {
		const [a, b] = pair('tabs-login');
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		await vi.waitFor(() => expect(b.auth.session.accessToken).toBe(a.auth.session.accessToken));
		expect(b.events.at(-1)).toMatchObject({ type: 'sync', source: 'other-tab' });
	});

	it('a refreshed set reaches the other tabs, so none presents the used refresh token again', async () => {
		const [a, b] = pair('tabs-refresh');
		await a.auth.login(ALICE);
		await vi.waitFor(() => expect(b.auth.session.status).toBe('authenticated'));
		await a.auth.refresh();
		await vi.waitFor(() => expect(b.auth.session.accessToken).toBe(a.auth.session.accessToken));
		await b.auth.refresh();
		await vi.waitFor(() => expect(a.auth.session.accessToken).toBe(b.auth.session.accessToken));
		expect(server.calls.refresh).toBe(2);
		expect(server.reuses).toBe(0);
		expect(new Set(server.presented).size).toBe(server.presented.length);
	});

	it('a logout in one tab signs every tab out, with reason other-tab', async () => {
		const [a, b] = pair('tabs-logout');
		await a.auth.login(ALICE);
		await vi.waitFor(() => expect(b.auth.session.status).toBe('authenticated'));
		await a.auth.logout();
		await vi.waitFor(() => expect(b.auth.session.status).toBe('unauthenticated'));
		expect(eventTypes(b.events).at(-1)).toBe('logout:other-tab');
		expect(await b.auth.getAccessToken()).toBeNull();
		expect(server.calls.revoke).toBe(1); // only the tab that logged out revokes
	});

	it('a logout is told to the other tabs before its revocation is sent, so no tab waits on the network to hear of it', async () => {
		const order: string[] = [];
		const post = vi.spyOn(BroadcastChannel.prototype, 'postMessage').mockImplementation(function (this: BroadcastChannel, message: unknown) {
			order.push(`post ${(message as { type: string }).type}`);
		});
		try {
			const a = keeper({ name: 'tabs-logout-first', fetch: (input, init) => (order.push(`fetch ${new URL(new Request(input, init).url).pathname}`), globalThis.fetch(input, init)) });
			await a.auth.login(ALICE);
			order.length = 0;
			await a.auth.logout();
			expect(order).toEqual(['post logout', 'fetch /auth/logout']);
			expect(server.calls.revoke).toBe(1);
		} finally {
			post.mockRestore();
		}
	});

	it('tokens of a session that ended are ignored when they arrive late', async () => {
		const [a, b] = pair('tabs-late');
		await a.auth.login(ALICE);
		await vi.waitFor(() => expect(b.auth.session.status).toBe('authenticated'));
		const refreshing = a.auth.refresh(); // its new tokens are on their way to b...
		await b.auth.logout(); // ...while b ends the session
		await refreshing.catch(() => undefined);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(a.auth.session.status).toBe('unauthenticated');
		expect(b.auth.session.status).toBe('unauthenticated');
	});

	it('keepers of other names are not affected', async () => {
		const admin = keeper({ name: 'tabs-admin' });
		const shop = keeper({ name: 'tabs-shop' });
		await admin.auth.login(ALICE);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(shop.auth.session.status).toBe('unauthenticated');
	});

	it('crossTab: false keeps a keeper to itself', async () => {
		const a = keeper({ name: 'tabs-off', crossTab: false });
		const b = keeper({ name: 'tabs-off' });
		await a.auth.login(ALICE);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(b.auth.session.status).toBe('unauthenticated');
	});
});
