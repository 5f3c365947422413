// In Chromium: refreshes per expiry with K tabs, and how fast a logout reaches every tab.
import { existsSync, readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { chromium } from 'playwright-core';
import { createMockAuthServer, startMockHttpServer } from '../dist/testing.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const PAGE = `<!doctype html><script src="/tokenkeeper.js"></script><script>
  const query = new URLSearchParams(location.search);
  window.auth = TokenKeeper.createTokenKeeper({ apiUrl: location.origin, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' }, name: query.get('name'), refreshBefore: 500 });
  window.traffic = async (ms) => { const end = Date.now() + ms; let failed = 0; while (Date.now() < end) { try { const r = await auth.fetch('/me'); if (r.status !== 200) failed++; } catch { failed++; } await new Promise((r) => setTimeout(r, 200)); } return failed; };
</script>`;

async function start() {
	const bundle = readFileSync(new URL('../dist/tokenkeeper.iife.min.js', import.meta.url), 'utf8');
	const mock = createMockAuthServer({ origin: '*' });
	const pages = [
		http.get('*/', () => new HttpResponse(PAGE, { headers: { 'content-type': 'text/html' } })),
		http.get('*/tokenkeeper.js', () => new HttpResponse(bundle, { headers: { 'content-type': 'text/javascript' } })),
	];
	const running = await startMockHttpServer({ ...mock, handlers: [...pages, ...mock.handlers] });
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
	const open = async (profile, name) => {
		const page = await profile.newPage();
		await page.goto(`${running.url}/?name=${name}`);
		await page.evaluate(() => window.auth.ready);
		return page;
	};
	return { mock, running, browser, open, close: async () => (await browser.close(), await running.close()) };
}

/** K tabs, `seconds` of steady traffic with `ttl`-second tokens: refreshes per token lifetime (1.00 is one per expiry). */
export async function measureTabEconomy({ tabs = [1, 2, 4, 8], seconds = 60, ttl = 5 } = {}) {
	if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} not found` };
	const results = {};
	for (const k of tabs) {
		const harness = await start(); // one server per K: its counters are K's alone
		harness.mock.setAccessTokenTtl(ttl);
		const profile = await harness.browser.newContext();
		const pages = [];
		for (let index = 0; index < k; index++) pages.push(await harness.open(profile, `economy-${k}`));
		await pages[0].evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }));
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

/** 8 tabs, `rounds` logouts: the time from logout() in one tab until the last other tab is signed out. */
export async function measureLogoutReach({ tabs = 8, rounds = 50 } = {}) {
	if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} not found` };
	const harness = await start();
	const profile = await harness.browser.newContext();
	const pages = [];
	for (let index = 0; index < tabs; index++) pages.push(await harness.open(profile, 'reach'));
	const [first, ...others] = pages;
	const delays = [];
	const baseline = [];
	for (let round = 0; round < rounds; round++) {
		await first.evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }));
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
	const quantiles = (values) => {
		const sorted = [...values].sort((a, b) => a - b);
		const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
		return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) };
	};
	return { tabs, rounds, ...quantiles(delays), channel: quantiles(baseline) };
}
