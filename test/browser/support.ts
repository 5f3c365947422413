// The real-browser harness: one mock auth server over HTTP and one engine per test file, the engine being the
// vitest project's (browser-chromium, browser-firefox, browser-webkit). A test is written once against the
// names below and runs in all three. Engine-specific facilities sit behind `capabilities`.
import { readFileSync } from 'node:fs';
import { HttpResponse, http, type RequestHandler } from 'msw';
import { afterAll, beforeAll, it } from 'vitest';
import { createMockAuthServer, type MockAuthServer, type RunningServer, startMockHttpServer } from '../../src/testing/index.js';
import { type Engine, engineAvailable, engineLabel, launchEngine, type Profile, type Tab } from './engines/index.js';

export type { Capabilities, EngineName, Profile, Tab, WaitOptions } from './engines/index.js';
export { capabilities, engineAvailable, engineLabel, engineName, launchEngine, Unsupported } from './engines/index.js';
/** The old name of `engineAvailable`, for files written when Chromium was the only engine: it gates on this run's engine. */
export const hasChromium = engineAvailable;
/** The old name of a tab. */
export type Page = Tab;

/** Users of the mock server: alice, and bob for a session that another user's replaces. */
export const USERS = { alice: 'wonderland', bob: 'builder' } as const;

/**
 * The page every tab loads: the script bundle from a <script> tag, and a keeper configured from the query string.
 * `hide=BroadcastChannel,locks` removes those before the bundle runs. `gate=1` lets a test hold the tab's
 * BroadcastChannel messages back and dispatch `pageshow` itself (`window.bfcache`), to play a back/forward-cache
 * stay in engines that evict such pages. Every `pageshow` is recorded in `window.pageshows`.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>tab</title>
<script>
  const query = new URLSearchParams(location.search);
  const hidden = (query.get('hide') ?? '').split(',');
  if (hidden.includes('BroadcastChannel')) Reflect.deleteProperty(window, 'BroadcastChannel');
  if (hidden.includes('locks')) Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
  window.pageErrors = [];
  addEventListener('error', (event) => pageErrors.push(String(event.message)));
  addEventListener('unhandledrejection', (event) => pageErrors.push(String(event.reason && (event.reason.stack || event.reason))));
  window.bfcache = { held: false, dropped: 0 };
  if (query.has('gate')) {
    const Native = window.BroadcastChannel;
    // a listener registered before the keeper's own: while the page "is in the cache", messages never reach the keeper
    window.BroadcastChannel = class extends Native {
      constructor(name) {
        super(name);
        this.addEventListener('message', (event) => { if (bfcache.held) { bfcache.dropped++; event.stopImmediatePropagation(); } });
      }
    };
    bfcache.leave = () => { bfcache.held = true; dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })); };
    bfcache.restore = () => { bfcache.held = false; dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })); };
  }
</script>
<script src="/tokenkeeper.js"></script>
<script>
  const number = (key) => (query.has(key) ? Number(query.get(key)) : undefined);
  window.log = [];
  window.pageshows = [];
  window.app = { statuses: {}, errors: [] };
  window.auth = TokenKeeper.createTokenKeeper({
    apiUrl: location.origin,
    endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
    name: query.get('name') ?? 'default',
    storage: query.get('storage') ?? undefined,
    refreshBefore: number('refreshBefore'),
    timeout: number('timeout'),
  });
  auth.subscribe((session, event) => log.push({ ...event, status: session.status, sub: session.claims && session.claims.sub, error: event.error && event.error.code, at: performance.timeOrigin + performance.now() }));
  // after the keeper's own listener, as an app's would be
  addEventListener('pageshow', (event) => {
    pageshows.push({ persisted: event.persisted, at: performance.timeOrigin + performance.now() });
    if (event.persisted && query.has('fetchOnShow')) auth.fetch(query.get('fetchOnShow')).catch((error) => app.errors.push(String(error && error.code || error)));
  });
  /** Requests /me every intervalMs for durationMs, counting the statuses the app sees. */
  window.traffic = async (durationMs, intervalMs) => {
    const end = Date.now() + durationMs;
    while (Date.now() < end) {
      try {
        const response = await auth.fetch('/me');
        app.statuses[response.status] = (app.statuses[response.status] ?? 0) + 1;
      } catch (error) {
        app.errors.push(String(error && error.code || error));
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
</script>`;

/** A page without a keeper: somewhere for a tab to go, leaving the test page in the back/forward cache. */
const BLANK = '<!doctype html><meta charset="utf-8"><title>elsewhere</title><p>elsewhere</p>';

/** One engine for the whole file, started before the first test and stopped after the last. */
export interface EngineHarness {
	engine: Engine;
	/** A new profile: its tabs share IndexedDB, localStorage, BroadcastChannel and Web Locks. */
	profile(): Promise<Profile>;
}

/**
 * Starts this run's engine for the whole file (for tests that serve their own pages).
 * @example
 * const browser = useEngine();
 * it('...', async () => { const tab = await (await browser.profile()).newTab(); await tab.goto(url); });
 */
export function useEngine(): EngineHarness {
	const harness = {} as EngineHarness;
	beforeAll(async () => {
		if (!engineAvailable) return;
		harness.engine = await launchEngine();
		harness.profile = () => harness.engine.newProfile();
	}, 60_000);
	afterAll(async () => {
		await harness.engine?.close();
	});
	return harness;
}

export interface Harness extends EngineHarness {
	server: MockAuthServer;
	url: string;
	/** Opens a tab of `profile` on the test page, with the keeper ready. */
	tab(profile: Profile, query?: Record<string, string | number>): Promise<Tab>;
}

/**
 * Starts the mock auth server over HTTP (`extra` routes first, then the page and the bundle) and this run's engine, for the whole file.
 * @example
 * const harness = useBrowser();
 * it('...', async () => { const tab = await harness.tab(await harness.profile(), { name: 'x' }); await login(tab); });
 */
export function useBrowser(extra: RequestHandler[] = []): Harness {
	const harness = {} as Harness & { running: RunningServer };
	beforeAll(async () => {
		if (!engineAvailable) return;
		const bundle = readFileSync(new URL('../../dist/tokenkeeper.iife.min.js', import.meta.url), 'utf8');
		const server = createMockAuthServer({ origin: '*', users: { ...USERS } });
		const html = (body: string) => new HttpResponse(body, { headers: { 'content-type': 'text/html', 'cache-control': 'no-cache' } });
		const pages = [
			http.get('*/', () => html(PAGE)),
			http.get('*/blank', () => html(BLANK)),
			http.get('*/tokenkeeper.js', () => new HttpResponse(bundle, { headers: { 'content-type': 'text/javascript' } })),
		];
		harness.server = server;
		harness.running = await startMockHttpServer({ ...server, handlers: [...extra, ...pages, ...server.handlers] });
		harness.url = harness.running.url;
		harness.engine = await launchEngine();
		harness.profile = () => harness.engine.newProfile();
		harness.tab = async (profile, query = {}) => {
			const tab = await profile.newTab();
			await tab.goto(`${harness.url}/?${new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]))}`);
			await tab.evaluate(() => window.auth.ready);
			return tab;
		};
	}, 60_000);
	afterAll(async () => {
		await harness.engine?.close();
		await harness.running?.close();
	});
	return harness;
}

/** What the test page puts on `window`. */
declare global {
	interface Window {
		TokenKeeper: typeof import('../../src/index.js');
		auth: import('../../src/index.js').TokenKeeper;
		log: (Record<string, unknown> & { type: string; status: string; sub?: string; at: number })[];
		pageshows: { persisted: boolean; at: number }[];
		pageErrors: string[];
		app: { statuses: Record<string, number>; errors: string[] };
		bfcache: { held: boolean; dropped: number; leave?(): void; restore?(): void };
		traffic(durationMs: number, intervalMs: number): Promise<void>;
	}
}

/**
 * The tab's session status.
 * @example expect(await status(tab)).toBe('authenticated');
 */
export const status = (tab: Tab) => tab.evaluate(() => window.auth.session.status);
/**
 * The tab's access token, or null.
 * @example expect(await token(b)).toBe(await token(a));
 */
export const token = (tab: Tab) => tab.evaluate(() => window.auth.session.accessToken);
/**
 * Signs the tab in as alice (or bob), with the mock server's passwords.
 * @example await login(tab); await login(other, 'bob');
 */
export const login = (tab: Tab, username: keyof typeof USERS = 'alice') => tab.evaluate((credentials) => window.auth.login(credentials).then(() => undefined), { username, password: USERS[username] });

/**
 * `it` where `supported` holds for this run's engine. Elsewhere a test of that very limit runs instead (`limit`: the
 * driver or the engine refuses the facility), titled with the reason, which the README's browser-support section
 * lists: no test is skipped, and a driver that gains the facility fails it until the test is enabled there.
 * @example
 * where(capabilities.freeze, 'only Chromium can freeze a tab (CDP)', async () => { ... })('a frozen tab ...', async () => { ... });
 */
export function where(supported: boolean, reason: string, limit: () => Promise<void>) {
	if (supported) return it;
	return (name: string, _fn: () => Promise<void>, timeout?: number) => it(`${name}: not in ${engineLabel}, ${reason}`, limit, timeout);
}
