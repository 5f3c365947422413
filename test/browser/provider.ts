import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { click, fill, waitForSelector, waitForUrl } from './dom.js';
import type { Tab } from './support.js';

// What the tests against oidc-provider share: servers on 127.0.0.1 at ports they choose, and the provider's
// development login and consent pages.

/** Listens on 127.0.0.1 at a port of the system's choice; resolves to the server's origin. */
export const listen = (server: Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** A port free now (the provider is given its issuer URL before it listens). */
export async function freePort() {
	const probe = createServer();
	const url = await listen(probe);
	await new Promise((resolve) => probe.close(resolve));
	return Number(new URL(url).port);
}

/** Signs in at the provider's development pages (any login and password), and consents when asked, until the app at `appUrl` has the callback. */
export async function signInAtProvider(tab: Tab, appUrl: string) {
	await waitForSelector(tab, 'input[name=login]');
	const loginPage = await tab.url();
	await fill(tab, 'input[name=login]', 'alice');
	await fill(tab, 'input[name=password]', 'any');
	await click(tab, 'button[type=submit]');
	// the consent page is another /interaction/ address; the app's callback ends the flow
	await waitForUrl(tab, (url) => url.href.startsWith(appUrl) || (url.pathname.includes('/interaction/') && url.href !== loginPage));
	if (!(await tab.url()).startsWith(appUrl)) {
		await waitForSelector(tab, 'button[type=submit]');
		await click(tab, 'button[type=submit]'); // "Continue": the consent page
		await waitForUrl(tab, (url) => url.href.startsWith(appUrl));
	}
}

/**
 * oidc-provider's configuration for the app at `appUrl`: one public client (PKCE, refresh tokens always issued),
 * the development pages, revocation and RP-initiated logout; `features` and `more` add to it.
 */
export const providerConfiguration = (appUrl: string, features: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
	clients: [
		{
			client_id: 'spa',
			token_endpoint_auth_method: 'none',
			redirect_uris: [`${appUrl}/callback`],
			post_logout_redirect_uris: [`${appUrl}/`],
			grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code'],
		},
	],
	clientBasedCORS: () => true,
	features: { devInteractions: { enabled: true }, revocation: { enabled: true }, rpInitiatedLogout: { enabled: true }, ...features },
	scopes: ['openid', 'offline_access'],
	issueRefreshToken: async () => true,
	findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
	cookies: { keys: ['a key for this test only'] },
	...more,
});

/** The app: the script bundle at `/tokenkeeper.js`, and `page()` at every other address. Resolves to its origin. */
export function serveApp(page: () => string): { server: Server; url: Promise<string> } {
	const bundle = readFileSync(new URL('../../dist/tokenkeeper.iife.min.js', import.meta.url), 'utf8');
	const server = createServer((request, response) => {
		if (request.url === '/tokenkeeper.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
		response.writeHead(200, { 'content-type': 'text/html' }).end(page());
	});
	return { server, url: listen(server) };
}
