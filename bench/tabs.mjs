// In Chromium, Firefox ESR and WebKitGTK, through the real-browser suite's own driver layer: refreshes per expiry with
// K tabs, how fast a logout reaches every tab, and the engine traits the README's browser-support section reports.
import { readFileSync } from 'node:fs';
import { HttpResponse, http } from 'msw';
import { createMockAuthServer, startMockHttpServer } from '../dist/testing.js';
import { loadEngines } from './engines.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

const PAGE = `<!doctype html><script src="/tokenkeeper.js"></script><script>
  const query = new URLSearchParams(location.search);
  window.auth = TokenKeeper.createTokenKeeper({ apiUrl: location.origin, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' }, name: query.get('name'), refreshBefore: 500 });
  window.traffic = async (ms) => { const end = Date.now() + ms; let failed = 0; while (Date.now() < end) { try { const r = await auth.fetch('/me'); if (r.status !== 200) failed++; } catch { failed++; } await new Promise((r) => setTimeout(r, 200)); } return failed; };
  addEventListener('pageshow', (event) => (window.persisted = event.persisted));
</script>`;

const engines = await loadEngines();

/** The engines of `names` that are installed; the others are reported as skipped. */
function installed(names) {
	const ready = [];
	const skipped = {};
	for (const name of names) {
		const missing = engines.missingParts(name);
		if (missing.files.length === 0) ready.push(name);
		else skipped[engines.labelOf(name)] = { skipped: `${missing.files.join(', ')} not found (apt-get install ${missing.packages})` };
	}
	return { ready, skipped };
}

async function start(name, launchOptions = {}) {
	const bundle = readFileSync(new URL('../dist/tokenkeeper.iife.min.js', import.meta.url), 'utf8');
	const mock = createMockAuthServer({ origin: '*' });
	const html = (body) => new HttpResponse(body, { headers: { 'content-type': 'text/html', 'cache-control': 'no-cache' } });
	const pages = [
		http.get('*/', () => html(PAGE)),
		http.get('*/blank', () => html('<!doctype html><p>elsewhere</p>')),
		http.get('*/tokenkeeper.js', () => new HttpResponse(bundle, { headers: { 'content-type': 'text/javascript' } })),
	];
	const running = await startMockHttpServer({ ...mock, handlers: [...pages, ...mock.handlers] });
	const engine = await engines.launchEngine(name, launchOptions);
	const open = async (profile, query) => {
		const tab = await profile.newTab();
		await tab.goto(`${running.url}/?${query}`);
		await tab.evaluate(() => window.auth.ready);
		return tab;
	};
	return { mock, url: running.url, engine, open, close: async () => (await engine.close(), await running.close()) };
}

/** One engine: K tabs, `seconds` of steady traffic with `ttl`-second tokens; refreshes per token lifetime (1.00 is one per expiry). */
async function economyIn(name, { tabs, seconds, ttl }) {
	const results = {};
	for (const k of tabs) {
		const harness = await start(name); // one server per K: its counters are K's alone
		harness.mock.setAccessTokenTtl(ttl);
		const profile = await harness.engine.newProfile();
		const pages = [];
		for (let index = 0; index < k; index++) pages.push(await harness.open(profile, `name=economy-${k}`));
		await pages[0].evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
		await Promise.all(pages.map((page) => page.waitForFunction(() => window.auth.session.status === 'authenticated')));
		const before = harness.mock.calls.refresh;
		const failed = (await Promise.all(pages.map((page) => page.evaluate((ms) => window.traffic(ms), seconds * 1000)))).reduce((a, b) => a + b, 0);
		const refreshes = harness.mock.calls.refresh - before;
		// A token lives ttl - 0.5 s on average (iat and exp are whole seconds); one tab refreshes 0.5 s before expiry.
		const expiries = (seconds * 1000) / ((ttl - 0.5 - 0.5) * 1000);
		results[`${k} tabs`] = { refreshes, expiries: Number(expiries.toFixed(1)), perExpiry: refreshes / expiries, reuses: harness.mock.reuses, failedRequests: failed };
		await harness.close();
	}
	return results;
}

/** Tab economy in each engine; the engines run side by side (the figures are counts, not times). */
export async function measureTabEconomy({ tabs = [1, 2, 4, 8], seconds = 60, ttl = 5, names = ENGINES } = {}) {
	const { ready, skipped } = installed(names);
	const measured = await Promise.all(ready.map(async (name) => [engines.labelOf(name), await economyIn(name, { tabs, seconds, ttl })]));
	return { ...Object.fromEntries(measured), ...skipped };
}

const quantiles = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
	return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) };
};

/** One engine: 8 tabs, `rounds` logouts; the time from logout() in one tab until the last other tab is signed out. */
async function reachIn(name, { tabs, rounds }) {
	const harness = await start(name);
	const profile = await harness.engine.newProfile();
	const pages = [];
	for (let index = 0; index < tabs; index++) pages.push(await harness.open(profile, 'name=reach'));
	const [first, ...others] = pages;
	const delays = [];
	const baseline = [];
	for (let round = 0; round < rounds; round++) {
		await first.evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
		await Promise.all(others.map((page) => page.waitForFunction(() => window.auth.session.status === 'authenticated')));
		await Promise.all(
			others.map((page) =>
				page.evaluate(() => {
					window.signedOutAt = new Promise((resolve) => {
						const off = window.auth.subscribe((_session, event) => event.type === 'logout' && (off(), resolve(performance.timeOrigin + performance.now())));
					});
				}),
			),
		);
		const started = await first.evaluate(() => {
			const at = performance.timeOrigin + performance.now();
			void window.auth.logout();
			return at;
		});
		const reached = await Promise.all(others.map((page) => page.evaluate(() => window.signedOutAt)));
		delays.push(Math.max(...reached) - started);

		// The baseline, in the same tabs and the same round: one bare BroadcastChannel message to the others.
		await Promise.all(
			others.map((page) =>
				page.evaluate(() => {
					const channel = new BroadcastChannel('bench-baseline');
					window.heardAt = new Promise((resolve) => {
						channel.onmessage = () => (channel.close(), resolve(performance.timeOrigin + performance.now()));
					});
				}),
			),
		);
		const posted = await first.evaluate(() => {
			const channel = new BroadcastChannel('bench-baseline');
			const at = performance.timeOrigin + performance.now();
			channel.postMessage('logout');
			channel.close();
			return at;
		});
		const heard = await Promise.all(others.map((page) => page.evaluate(() => window.heardAt)));
		baseline.push(Math.max(...heard) - posted);
	}
	await harness.close();
	return { tabs, rounds, ...quantiles(delays), channel: quantiles(baseline) };
}

/** Logout reach in each engine, one engine after the other (these are times: they should not share the cores). */
export async function measureLogoutReach({ tabs = 8, rounds = 50, names = ENGINES } = {}) {
	const { ready, skipped } = installed(names);
	const results = {};
	for (const name of ready) results[engines.labelOf(name)] = await reachIn(name, { tabs, rounds });
	return { ...results, ...skipped };
}

/** Timer ticks a second of a 50 ms interval, over `ms`, in the front tab and in one behind it. */
async function timerRates(front, back, ms) {
	const count = (tab) =>
		tab.evaluate(
			(ms) =>
				new Promise((resolve) => {
					let ticks = 0;
					const started = performance.now();
					const timer = setInterval(() => {
						ticks++;
						if (performance.now() - started >= ms) {
							clearInterval(timer);
							resolve((ticks * 1000) / (performance.now() - started));
						}
					}, 50);
				}),
			ms,
		);
	const [inFront, behind] = await Promise.all([count(front), count(back)]);
	return { frontPerSecond: Number(inFront.toFixed(1)), backgroundPerSecond: Number(behind.toFixed(1)) };
}

/** What the README's browser-support section says of one engine, measured. */
async function traitsIn(name) {
	const label = engines.labelOf(name);
	// as a user's browser runs: Chromium with its background throttling on
	const harness = await start(name, { backgroundThrottling: true });
	try {
		return await traitsWith(name, label, harness);
	} finally {
		await harness.close();
	}
}

async function traitsWith(name, label, harness) {
	const profile = await harness.engine.newProfile();
	const back = await harness.open(profile, 'name=traits');
	const front = await harness.open(profile, 'name=traits'); // opened last: the one in front, where an engine has a front
	const visibility = { front: await front.evaluate(() => document.visibilityState), background: await back.evaluate(() => document.visibilityState) };
	const timers = await timerRates(front, back, 3_000);

	// the back/forward cache: a page left and gone back to, then the same with a channel message sent meanwhile
	const bfcache = {};
	for (const [kind, meanwhile] of [
		['nothing sent meanwhile', async () => undefined],
		['a BroadcastChannel message sent meanwhile', () => front.evaluate(() => new BroadcastChannel('tokenkeeper:traits').postMessage('hello'))],
	]) {
		await back.evaluate(() => void (window.marker = true));
		await back.goto(`${harness.url}/blank`);
		await meanwhile();
		await back.back();
		const restored = await back.evaluate(() => ({ persisted: window.persisted === true, same: window.marker === true }));
		bfcache[kind] = restored.persisted && restored.same ? 'restored from the cache' : 'loaded anew';
	}
	await profile.close();

	// storage in a profile of the suite's kind (Chromium: incognito context; WebKit: ephemeral session) and, in Firefox, in private browsing
	const storage = async (engineHarness) => {
		const profile = await engineHarness.engine.newProfile();
		const tab = await engineHarness.open(profile, 'name=storage');
		const result = await tab.evaluate(async () => {
			const idb = await new Promise((resolve) => {
				try {
					const request = indexedDB.open('bench-probe');
					request.onupgradeneeded = () => request.result.createObjectStore('s');
					request.onsuccess = () => {
						const put = request.result.transaction('s', 'readwrite').objectStore('s').put('v', 'k');
						put.onsuccess = () => resolve('works');
						put.onerror = () => resolve(`write fails: ${put.error?.name}`);
					};
					request.onerror = () => resolve(`open fails: ${request.error?.name}`);
				} catch (error) {
					resolve(`throws: ${error.name}`);
				}
			});
			const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
			const session = await window.auth.login({ username: 'alice', password: 'wonderland' }).then(
				() => 'signs in',
				(error) => `fails: ${error.code}`,
			);
			return { indexedDB: idb, quotaMB: estimate ? Math.round(estimate.quota / 1e6) : null, keeper: session };
		});
		await profile.close();
		// a new profile starts empty: nothing of the first one's session
		const fresh = await engineHarness.engine.newProfile();
		const again = await engineHarness.open(fresh, 'name=storage');
		result.nextProfile = await again.evaluate(() => window.auth.session.status);
		await fresh.close();
		return result;
	};
	const traits = { version: harness.engine.version, visibility, timers, bfcache, storage: await storage(harness) };
	if (name === 'firefox') {
		const privately = await start(name, { privateBrowsing: true });
		try {
			traits.privateBrowsing = await storage(privately);
		} finally {
			await privately.close();
		}
	}
	return [label, traits];
}

/** Engine traits, one engine after the other. */
export async function measureEngineTraits({ names = ENGINES } = {}) {
	const { ready, skipped } = installed(names);
	const results = {};
	for (const name of ready) {
		const [label, traits] = await traitsIn(name);
		results[label] = traits;
	}
	return { ...results, ...skipped };
}
