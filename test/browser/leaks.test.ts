import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { hasChromium, useBrowser } from './support.js';

// Two page set-ups that once sent the token to another origin, tried in a real browser. The page is served
// from 127.0.0.1; "another origin" is the same server reached as localhost, so the test sees what arrives.

/** What reached `/collect`, on which origin, with which headers. */
const arrived: { origin: string; authorization: string | null; app: string | null }[] = [];

const cors = { 'access-control-allow-origin': '*' };
/** The page's own origin and the other one, from a request to the page. */
const originsOf = (request: Request) => {
	const page = new URL(request.url).origin;
	return { page, other: page.replace('127.0.0.1', 'localhost') };
};
/** A page with the script bundle (by absolute URL: a `<base>` moves relative ones) and a signed-out keeper. */
const page = (pageOrigin: string, head: string, body = '') =>
	new HttpResponse(
		`<!doctype html><meta charset="utf-8">${head}
<script src="${pageOrigin}/tokenkeeper.js"></script>
<script>
  window.auth = TokenKeeper.createTokenKeeper({
    apiUrl: ${JSON.stringify(pageOrigin)},
    endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
    storage: 'memory',
    crossTab: false,
  });
</script>${body}`,
		{ headers: { 'content-type': 'text/html' } },
	);

const harness = useBrowser([
	http.get('*/collect', ({ request }) => {
		arrived.push({ origin: new URL(request.url).origin, authorization: request.headers.get('authorization'), app: request.headers.get('x-app') });
		return HttpResponse.json({}, { headers: cors });
	}),
	// Markup injected without script: a <base> that points relative URLs at another origin.
	http.get('*/leak/base', ({ request }) => {
		const { page: origin, other } = originsOf(request);
		return page(origin, `<base href="${other}/">`);
	}),
	// A same-origin iframe: its Request and URL are of another realm than the page's.
	http.get('*/leak/frame', ({ request }) => page(originsOf(request).page, '', '<iframe src="/leak/blank"></iframe>')),
	http.get('*/leak/blank', () => new HttpResponse('<!doctype html><title>frame</title>', { headers: { 'content-type': 'text/html' } })),
]);

const ALICE = { username: 'alice', password: 'wonderland' };

describe.runIf(hasChromium)('the token stays on trusted origins, in a real browser', () => {
	it('a relative URL on a page whose <base href> is another origin: sent there, without the token', async () => {
		arrived.length = 0;
		const profile = await harness.profile();
		const tab = await harness.tab(profile);
		await tab.goto(`${harness.url}/leak/base`);
		const base = await tab.evaluate(async (credentials) => {
			await window.auth.login(credentials);
			await window.auth.fetch('collect');
			await window.auth.fetch(`${location.origin}/collect`); // the page's own origin: the token goes
			return document.baseURI;
		}, ALICE);
		const other = harness.url.replace('127.0.0.1', 'localhost');
		expect(base).toBe(`${other}/`);
		expect(arrived).toEqual([
			{ origin: other, authorization: null, app: null },
			{ origin: harness.url, authorization: expect.stringMatching(/^Bearer ey/), app: null },
		]);
		await tab.close();
		await profile.close();
	});

	it("an iframe's Request and URL: read for what they are, the token only to a trusted origin, the Request's headers kept", async () => {
		arrived.length = 0;
		const profile = await harness.profile();
		const tab = await harness.tab(profile);
		await tab.goto(`${harness.url}/leak/frame`);
		await tab.waitForFunction(() => document.querySelector('iframe')?.contentDocument?.readyState === 'complete' && document.querySelector('iframe')?.contentDocument?.title === 'frame');
		const other = harness.url.replace('127.0.0.1', 'localhost');
		const foreignRealm = await tab.evaluate(
			async ({ credentials, other }) => {
				await window.auth.login(credentials);
				const frame = document.querySelector('iframe')?.contentWindow as (Window & typeof globalThis) | null;
				if (!frame) throw new Error('no frame');
				const request = new frame.Request(`${other}/collect`);
				await window.auth.fetch(request);
				await window.auth.fetch(new frame.URL(`${other}/collect`));
				await window.auth.fetch(new frame.Request(`${location.origin}/collect`, { headers: { 'x-app': 'kept' } }));
				await window.auth.fetch(new frame.URL(`${location.origin}/collect`));
				return request instanceof Request;
			},
			{ credentials: ALICE, other },
		);
		expect(foreignRealm).toBe(false);
		expect(arrived).toEqual([
			{ origin: other, authorization: null, app: null },
			{ origin: other, authorization: null, app: null },
			{ origin: harness.url, authorization: expect.stringMatching(/^Bearer ey/), app: 'kept' },
			{ origin: harness.url, authorization: expect.stringMatching(/^Bearer ey/), app: null },
		]);
		await tab.close();
		await profile.close();
	});
});
