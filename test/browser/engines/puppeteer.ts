// Chromium (over CDP) and Firefox ESR (over WebDriver BiDi) through puppeteer-core: Debian's own browsers, no download.
import puppeteer, { type Browser, type CDPSession, type Page } from 'puppeteer-core';
import { type Engine, type LaunchOptions, type Tab, Unsupported } from './types.js';
import { poll } from './wait.js';

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';

/** Resolves any host but the loopback to nothing: a test page that links the internet fails fast and the same on every machine. */
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-component-update',
	'--disable-sync',
	'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];
/** The same for Firefox: everything but the loopback goes to a proxy on port 9 (discard), which refuses. */
const FIREFOX_PREFS = {
	'network.proxy.type': 1,
	'network.proxy.http': '127.0.0.1',
	'network.proxy.http_port': 9,
	'network.proxy.ssl': '127.0.0.1',
	'network.proxy.ssl_port': 9,
	'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
};

let documents = 0;

function tabOf(page: Page, engine: 'chromium' | 'firefox'): Tab {
	let cdp: CDPSession | undefined;
	const lifecycle = async (state: 'frozen' | 'active') => {
		if (engine !== 'chromium') throw new Unsupported(engine, 'freeze a tab');
		cdp ??= await page.createCDPSession();
		await cdp.send('Page.setWebLifecycleState', { state });
	};
	/**
	 * Polls until `fn` holds, twice. Measured in Firefox over BiDi under load: a poll can read `readyState` "complete"
	 * from a new document that the very next call finds "loading", its scripts not run; the second poll waits that out.
	 */
	const settled = async <A>(fn: (arg: A) => unknown, arg: A) => {
		await poll(tab, fn, arg, { timeout: 30_000 });
		await poll(tab, fn, arg, { timeout: 30_000 });
	};
	/**
	 * Firefox over BiDi: after a page came back from the back/forward cache, page.goto() and page.reload() wait for a
	 * load event that never comes. So there the page navigates itself, and a new document that has loaded ends the wait.
	 */
	const navigateInPage = async (navigate: (url: string) => void, url = '') => {
		const marker = `document-${++documents}`;
		await page.evaluate((marker) => void ((window as unknown as { driverMarker?: string }).driverMarker = marker), marker);
		await page.evaluate(navigate, url).catch(() => undefined); // the context may go away under the call
		await settled((marker) => (window as unknown as { driverMarker?: string }).driverMarker !== marker && document.readyState === 'complete', marker);
	};
	const tab: Tab = {
		goto: async (url) => {
			// Firefox over BiDi: page.goto() can resolve while the new document is still loading (seen under load, its
			// scripts not yet run), so there the page navigates itself and the new document's load ends the wait
			if (engine === 'firefox') return navigateInPage((url) => void location.assign(url), url);
			await page.goto(url, { waitUntil: 'load' });
		},
		evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate(fn as (arg: unknown) => R, arg) as Promise<Awaited<R>>,
		waitForFunction: (fn, arg, options) => poll(tab, fn, arg, options),
		reload: async () => {
			if (engine === 'firefox') return navigateInPage(() => location.reload());
			await page.reload({ waitUntil: 'load' });
		},
		// not page.goBack(): a page restored from the back/forward cache fires no load event, and Firefox never reports one
		back: async () => {
			const leaving = await page.evaluate(() => {
				const address = location.href;
				history.back();
				return address;
			});
			await settled((left) => location.href !== left && document.readyState === 'complete', leaving);
		},
		url: async () => page.url(),
		resize: (width, height) => page.setViewport({ width, height }),
		screenshot: async (path) => void (await page.screenshot({ path: path as `${string}.png` })),
		close: () => page.close(),
		freeze: () => lifecycle('frozen'),
		resume: () => lifecycle('active'),
	};
	page.on('pageerror', (error) => console.error(`page error (${engine}):`, error));
	return tab;
}

/** Starts Debian's Chromium or Firefox ESR; one browser context is one profile. */
export async function launchPuppeteer(engine: 'chromium' | 'firefox', options: LaunchOptions = {}): Promise<Engine> {
	// puppeteer turns Chromium's background throttling off by default: the suite keeps that, the benchmark may not
	const throttled = options.backgroundThrottling
		? { ignoreDefaultArgs: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'] }
		: {};
	const privately = options.privateBrowsing ? { 'browser.privatebrowsing.autostart': true } : {};
	const browser: Browser =
		engine === 'chromium'
			? await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...throttled })
			: await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocol: 'webDriverBiDi', extraPrefsFirefox: { ...FIREFOX_PREFS, ...privately } });
	return {
		name: engine,
		version: await browser.version(),
		async newProfile() {
			const context = await browser.createBrowserContext();
			return {
				newTab: async () => tabOf(await context.newPage(), engine),
				close: () => context.close(),
			};
		},
		close: () => browser.close(),
	};
}
