// A tab that missed the tab channel's messages re-checks storage when it comes back: from the back/forward cache
// (`pageshow` with `persisted`), to visible, or online. WebKit really keeps a cached page and never delivers what the
// channel sent meanwhile (Safari does the same); Chromium and Firefox evict such a page instead, so there the stay in
// the cache is played: the page holds its channel's messages back and gets `pagehide`/`pageshow` with `persisted`.
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { capabilities, engineAvailable, engineLabel, login, status, type Tab, token, useBrowser } from './support.js';

/** The Authorization header of every request to /seen, in order. */
const seen: (string | null)[] = [];
const harness = useBrowser([
	http.get('*/seen', ({ request }) => {
		seen.push(request.headers.get('authorization'));
		return HttpResponse.json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
	}),
]);
let names = 0;
/** A fresh keeper name per test; every tab can play a cache stay and asks /seen as soon as it is shown again. */
const query = () => ({ name: `bfcache-${++names}`, gate: 1, fetchOnShow: '/seen' });

/** Events the tab logged from index `from` on: type, reason and the session's subject. */
const eventsSince = (tab: Tab, from: number) => tab.evaluate((from) => window.log.slice(from).map(({ type, reason, sub }) => ({ type, reason, sub })), from);
const carried = (ended: string | null) => seen.filter((header) => ended !== null && header?.includes(ended));

/**
 * `tab` leaves for another page and comes back from the back/forward cache, with `meanwhile` done in between.
 * In WebKit for real (and checked: the page is the same, restored with `persisted`); elsewhere played (and checked:
 * the tab's channel dropped the messages sent meanwhile).
 */
async function stayInCache(tab: Tab, meanwhile: () => Promise<void>): Promise<void> {
	if (capabilities.bfcache === 'keeps') {
		await tab.evaluate(() => void ((window as unknown as { before: boolean }).before = true));
		await tab.goto(`${harness.url}/blank`);
		await meanwhile();
		await tab.back();
		expect(await tab.evaluate(() => ({ same: (window as unknown as { before?: boolean }).before === true, persisted: window.pageshows.at(-1)?.persisted }))).toEqual({ same: true, persisted: true });
		return;
	}
	await tab.evaluate(() => window.bfcache.leave!());
	await meanwhile();
	expect(await tab.evaluate(() => window.bfcache.dropped)).toBeGreaterThan(0);
	await tab.evaluate(() => window.bfcache.restore!());
}

/** Two tabs of a fresh profile, signed in from the first: the second's token, and where its event log stands. */
async function signedInPair() {
	harness.server.reset();
	const profile = await harness.profile();
	const q = query();
	const [a, b] = await Promise.all([1, 2].map(() => harness.tab(profile, q)));
	await login(a!);
	await b!.waitForFunction(() => window.auth.session.status === 'authenticated');
	const ended = await token(b!);
	const from = await b!.evaluate(() => window.log.length);
	return { profile, a, b, ended, from };
}

describe.runIf(engineAvailable)(`back/forward cache, visibility and online, in ${engineLabel}`, () => {
	it('a session another tab logged out of while this one was in the back/forward cache ends with a logout (other-tab) before any request carries its token', async () => {
		const { profile, a, b, ended, from } = await signedInPair();
		await stayInCache(b!, () => a!.evaluate(() => window.auth.logout()));
		// the page asked /seen in its own pageshow listener, right after the keeper's; and asks again now
		await b!.evaluate(() => window.auth.fetch('/seen').then(() => undefined));
		expect(await status(b!)).toBe('unauthenticated');
		expect((await eventsSince(b!, from))[0]).toMatchObject({ type: 'logout', reason: 'other-tab' });
		expect(carried(ended)).toEqual([]);
		await profile.close();
	});

	it("a session another user's replaced meanwhile is a logout then a sync to the new user, never a refresh", async () => {
		const { server } = harness;
		server.reset();
		const profile = await harness.profile();
		const q = query();
		const [a, b] = await Promise.all([1, 2].map(() => harness.tab(profile, q)));
		await login(a!, 'alice');
		await b!.waitForFunction(() => window.auth.session.status === 'authenticated');
		const ended = await token(b!);
		const from = await b!.evaluate(() => window.log.length);
		const refreshes = server.calls.refresh;
		await stayInCache(b!, async () => {
			await a!.evaluate(() => window.auth.logout());
			await login(a!, 'bob');
		});
		await expect.poll(() => b!.evaluate(() => window.auth.session.claims?.sub ?? null), { timeout: 2_000 }).toBe('bob');
		await b!.evaluate(() => window.auth.fetch('/seen').then(() => undefined));
		const events = await eventsSince(b!, from);
		expect(events.map((event) => event.type)).toEqual(['logout', 'sync']);
		expect(events[0]).toMatchObject({ reason: 'other-tab' });
		expect(events[1]).toMatchObject({ sub: 'bob' });
		expect(await token(b!)).toBe(await token(a!));
		expect(server.calls.refresh).toBe(refreshes);
		expect(carried(ended)).toEqual([]);
		await profile.close();
	});

	it('a tab that missed the logout while hidden ends its session when it becomes visible, before its next request carries the token', async () => {
		const { profile, a, b, ended, from } = await signedInPair();
		// hidden: the tab's channel holds messages back; visible: it lets them through and asks /seen in the same task
		const show = (state: 'hidden' | 'visible') =>
			b!.evaluate((state) => {
				window.bfcache.held = state === 'hidden';
				Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
				Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
				document.dispatchEvent(new Event('visibilitychange'));
				return state === 'visible' ? window.auth.fetch('/seen').then(() => undefined) : undefined;
			}, state);
		await show('hidden');
		await a!.evaluate(() => window.auth.logout());
		expect(await b!.evaluate(() => window.bfcache.dropped)).toBeGreaterThan(0);
		await show('visible');
		expect(await status(b!)).toBe('unauthenticated');
		expect((await eventsSince(b!, from))[0]).toMatchObject({ type: 'logout', reason: 'other-tab' });
		expect(carried(ended)).toEqual([]);
		await profile.close();
	});

	it('a tab that missed the logout while offline ends its session when it comes back online, before its next request carries the token', async () => {
		const { profile, a, b, ended, from } = await signedInPair();
		await b!.evaluate(() => {
			window.bfcache.held = true;
			Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
			dispatchEvent(new Event('offline'));
		});
		await a!.evaluate(() => window.auth.logout());
		expect(await b!.evaluate(() => window.bfcache.dropped)).toBeGreaterThan(0);
		await b!.evaluate(() => {
			window.bfcache.held = false;
			Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
			dispatchEvent(new Event('online'));
			return window.auth.fetch('/seen').then(() => undefined); // in the same task as the event
		});
		expect(await status(b!)).toBe('unauthenticated');
		expect((await eventsSince(b!, from))[0]).toMatchObject({ type: 'logout', reason: 'other-tab' });
		expect(carried(ended)).toEqual([]);
		await profile.close();
	});

	// Chromium and Firefox evict such a page and load it anew; WebKit keeps it and restores it: signed out either way
	it(`going back to a page that another tab logged out of while it was cached shows it signed out (${capabilities.bfcache === 'evicts' ? 'the engine evicted it: loaded anew' : 'the engine kept it: restored'})`, async () => {
		const { profile, a, b } = await signedInPair();
		await b!.goto(`${harness.url}/blank`);
		await a!.evaluate(() => window.auth.logout());
		await b!.back();
		await b!.evaluate(() => window.auth.ready);
		expect(await b!.evaluate(() => window.pageshows.map((show) => show.persisted))).toEqual(capabilities.bfcache === 'evicts' ? [false] : [false, true]);
		await b!.waitForFunction(() => window.auth.session.status === 'unauthenticated');
		await profile.close();
	});
});
