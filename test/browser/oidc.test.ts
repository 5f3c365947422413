import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, waitForSelector, waitForUrl } from './dom.js';
import { freePort, providerConfiguration, serveApp, signInAtProvider } from './provider.js';
import { engineAvailable, engineLabel, useEngine } from './support.js';

// The whole redirect flow against a real authorization server: node's oidc-provider, with its
// development login and consent pages, on 127.0.0.1; the app is a plain page on another port.

const browser = useEngine();
let app: Server | undefined;
let op: Server | undefined;
let appUrl = '';
let issuer = '';

/** The app: one page that starts the keeper, and on /callback finishes the login. */
const page = () => `<!doctype html><meta charset="utf-8"><title>app</title>
<script src="/tokenkeeper.js"></script>
<script>
  window.auth = TokenKeeper.createTokenKeeper({
    ...TokenKeeper.oauth2({ issuer: ${JSON.stringify(issuer)}, clientId: 'spa', redirectUri: location.origin + '/callback', scope: 'openid offline_access' }),
    trustedOrigins: [${JSON.stringify(issuer)}],
    name: 'oidc',
  });
  window.callback = location.pathname === '/callback'
    ? auth.handleRedirectCallback().then((result) => result.appState, (error) => 'failed: ' + error.message)
    : Promise.resolve(null);
</script>`;

describe.runIf(engineAvailable)(`redirect login against oidc-provider, in ${engineLabel}`, () => {
	beforeAll(async () => {
		const served = serveApp(page);
		app = served.server;
		appUrl = await served.url;
		const port = await freePort();
		issuer = `http://127.0.0.1:${port}`;
		const provider = new Provider(issuer, providerConfiguration(appUrl));
		op = provider.listen(port, '127.0.0.1') as unknown as Server;
	}, 30_000);
	afterAll(() => {
		app?.close();
		op?.close();
		op?.closeAllConnections();
	});

	it('signs in with a redirect, calls a protected resource, survives a reload, reaches another tab, and logs out of the server', async () => {
		// the provider's development pages import a web font: every engine resolves only the loopback (engines/), so the
		// test stays off the internet whatever the machine
		const profile = await browser.profile();
		const tab = await profile.newTab();
		const other = await profile.newTab();
		for (const page of [tab, other]) {
			await page.goto(`${appUrl}/`);
			await page.evaluate(() => window.auth.ready);
		}
		expect(await tab.evaluate(() => window.auth.session.status)).toBe('unauthenticated');

		await tab.evaluate(() => void window.auth.loginWithRedirect({ appState: { returnTo: '/orders' }, prompt: 'consent' }));
		await waitForUrl(tab, (url) => url.href.startsWith(issuer));
		await signInAtProvider(tab, appUrl);
		expect(await tab.evaluate(() => (window as unknown as { callback: Promise<unknown> }).callback)).toEqual({ returnTo: '/orders' });
		expect(await tab.evaluate(() => window.auth.session.status)).toBe('authenticated');
		expect(new URL(await tab.url()).search).toBe(''); // code, state and iss are gone from the address bar

		const me = await tab.evaluate(async (userinfo) => {
			const response = await window.auth.fetch(userinfo);
			return { status: response.status, body: await response.json() };
		}, `${issuer}/me`);
		expect(me).toEqual({ status: 200, body: { sub: 'alice' } });
		await other.waitForFunction(() => window.auth.session.status === 'authenticated'); // the tab that was already open

		await tab.reload();
		await tab.evaluate(() => window.auth.ready);
		expect(await tab.evaluate(() => window.auth.session.status)).toBe('authenticated');
		await tab.evaluate(() => window.auth.refresh()); // the refresh_token grant against the real server
		expect(await tab.evaluate(async (userinfo) => (await window.auth.fetch(userinfo)).status, `${issuer}/me`)).toBe(200);

		await tab.evaluate((returnTo) => void window.auth.logout({ returnTo }), `${appUrl}/`);
		await waitForUrl(tab, (url) => url.href.startsWith(issuer));
		await waitForSelector(tab, 'button[name=logout]');
		await click(tab, 'button[name=logout]'); // "Yes, sign me out"
		await waitForUrl(tab, (url) => url.href === `${appUrl}/`);
		await tab.evaluate(() => window.auth.ready);
		expect(await tab.evaluate(() => window.auth.session.status)).toBe('unauthenticated');
		await other.waitForFunction(() => window.auth.session.status === 'unauthenticated');

		// the server's session ended too: a new login asks for credentials again
		await tab.evaluate(() => void window.auth.loginWithRedirect());
		await waitForUrl(tab, (url) => url.href.startsWith(issuer));
		await waitForSelector(tab, 'input[name=login]');
		await profile.close();
	}, 60_000);
});
