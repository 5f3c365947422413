import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { http, HttpResponse, type RequestHandler } from 'msw';
import { afterAll, beforeAll } from 'vitest';
import { createMockAuthServer, startMockHttpServer, type MockAuthServer, type RunningServer } from '../../src/testing/index.js';

/** Debian's Chromium; CI installs it. Without it (and without CI) the browser tests are skipped, loudly. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
	if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: the real-browser tests cannot run (apt-get install chromium)`);
	console.warn(`\n!!! ${CHROMIUM} not found: SKIPPING the real-browser tests. Install Debian's chromium to run them.\n`);
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The page every tab loads: the script bundle from a <script> tag, and a keeper configured from the query string. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>tab</title>
<script src="/tokenkeeper.js"></script>
<script>
  const query = new URLSearchParams(location.search);
  const number = (key) => (query.has(key) ? Number(query.get(key)) : undefined);
  window.log = [];
  window.app = { statuses: {}, errors: [] };
  window.auth = TokenKeeper.createTokenKeeper({
    apiUrl: location.origin,
    endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
    name: query.get('name') ?? 'default',
    storage: query.get('storage') ?? undefined,
    refreshBefore: number('refreshBefore'),
    timeout: number('timeout'),
  });
  auth.subscribe((session, event) => log.push({ ...event, status: session.status, error: event.error && event.error.code, at: performance.timeOrigin + performance.now() }));
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

export interface Harness {
	server: MockAuthServer;
	url: string;
	browser: Browser;
	/** A new profile: its tabs share IndexedDB, BroadcastChannel and Web Locks. */
	profile(): Promise<BrowserContext>;
	/** Opens a tab of `profile` on the test page, with the keeper ready. */
	tab(profile: BrowserContext, query?: Record<string, string | number>): Promise<Page>;
}

/** Starts the mock auth server over HTTP (with the page, the bundle and `extra` routes) and Chromium, for the whole file. */
export function useBrowser(extra: RequestHandler[] = []): Harness {
	const harness = {} as Harness & { running: RunningServer };
	beforeAll(async () => {
		if (!hasChromium) return;
		const bundle = readFileSync(new URL('../../dist/tokenkeeper.iife.min.js', import.meta.url), 'utf8');
		const server = createMockAuthServer({ origin: '*' });
		const pages = [
			http.get('*/', () => new HttpResponse(PAGE, { headers: { 'content-type': 'text/html' } })),
			http.get('*/tokenkeeper.js', () => new HttpResponse(bundle, { headers: { 'content-type': 'text/javascript' } })),
		];
		harness.server = server;
		harness.running = await startMockHttpServer({ ...server, handlers: [...pages, ...extra, ...server.handlers] });
		harness.url = harness.running.url;
		harness.browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
		harness.profile = () => harness.browser.newContext();
		harness.tab = async (profile, query = {}) => {
			const page = await profile.newPage();
			page.on('pageerror', (error) => console.error('page error:', error));
			await page.goto(`${harness.url}/?${new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]))}`);
			await page.evaluate(() => window.auth.ready);
			return page;
		};
	}, 60_000);
	afterAll(async () => {
		await harness.browser?.close();
		await harness.running?.close();
	});
	return harness;
}

/** What the test page puts on `window`. */
declare global {
	interface Window {
		TokenKeeper: typeof import('../../src/index.js');
		auth: import('../../src/index.js').TokenKeeper;
		log: (Record<string, unknown> & { type: string; status: string; at: number })[];
		app: { statuses: Record<string, number>; errors: string[] };
		traffic(durationMs: number, intervalMs: number): Promise<void>;
	}
}

export const status = (page: Page) => page.evaluate(() => window.auth.session.status);
export const token = (page: Page) => page.evaluate(() => window.auth.session.accessToken);
export const login = (page: Page) => page.evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
