// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTabHub, sharedStorage } from './interleave.js';
import { ALICE, API, eventTypes, keeper, useMockApi } from './support.js';

// A page restored from the back/forward cache never gets the tab messages sent while it was cached (WebKit, Safari);
// a hidden or offline page may have missed them too. On waking it reads storage again before anything else.
const { server } = useMockApi({ users: { alice: 'wonderland', bob: 'builder' } });
afterEach(() => vi.unstubAllGlobals());

function cachedTab(name: string) {
	const hub = createTabHub();
	hub.install();
	const storage = sharedStorage();
	const a = keeper({ name, storage: storage.adapter, crossTab: true });
	const b = keeper({ name, storage: storage.adapter, crossTab: true });
	return { hub, a, b };
}

const restored = () => window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));

describe('waking up re-checks storage', () => {
	it.each([
		['pageshow (restored from the back/forward cache)', restored],
		['visibilitychange to visible', () => document.dispatchEvent(new Event('visibilitychange'))],
		['online', () => window.dispatchEvent(new Event('online'))],
	])('%s: a session that ended in another tab ends here, before any request carries its token', async (_, wake) => {
		const { hub, a, b } = cachedTab(`wake-${Math.random()}`);
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		hub.deliver();
		const token = b.auth.session.accessToken;
		hub.deafen(1); // b is in the cache: it hears nothing
		await a.auth.logout();
		hub.deliver();
		expect(b.auth.session.status).toBe('authenticated');
		wake();
		await b.auth.fetch(`${API}/me`);
		expect(b.sent.filter((entry) => entry.authorization === `Bearer ${token}`)).toEqual([]);
		expect(eventTypes(b.events).at(-1)).toBe('logout:other-tab');
	});

	it('a session replaced by another user is a logout then a sync, never a refresh', async () => {
		const { hub, a, b } = cachedTab('wake-switch');
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		hub.deliver();
		hub.deafen(1);
		await a.auth.logout();
		await a.auth.login({ username: 'bob', password: 'builder' });
		hub.deliver();
		const before = b.events.length;
		restored();
		const response = await b.auth.fetch(`${API}/me`);
		expect(eventTypes(b.events.slice(before))).toEqual(['logout:other-tab', 'sync']);
		expect(b.auth.session.claims?.sub).toBe('bob');
		expect(b.sent.at(-1)?.authorization).toBe(`Bearer ${a.auth.session.accessToken}`);
		expect(response.status).toBe(200);
		expect(server.calls.refresh).toBe(0);
	});

	it('a session another tab refreshed meanwhile is taken as it is (a sync), and its spent refresh token is never presented', async () => {
		const { hub, a, b } = cachedTab('wake-newer');
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		hub.deliver();
		hub.deafen(1);
		await a.auth.refresh();
		restored();
		await b.auth.fetch(`${API}/me`);
		expect(b.auth.session.accessToken).toBe(a.auth.session.accessToken);
		expect(eventTypes(b.events).at(-1)).toBe('sync');
		await b.auth.refresh();
		expect(server.reuses).toBe(0);
	});
});
