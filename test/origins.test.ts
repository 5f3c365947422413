// @vitest-environment happy-dom
import { Request as ForeignRequest } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenKeeper, type TokenKeeper, type TokenKeeperOptions } from '../src/index.js';
import { createMockAuthServer } from '../src/testing/index.js';

const API = 'https://api.example.com';
const EVIL = 'https://evil.example.net';
const mock = createMockAuthServer();
const keepers: TokenKeeper[] = [];
let names = 0;

afterEach(() => {
	for (const keeper of keepers.splice(0)) keeper.destroy();
	for (const base of document.querySelectorAll('base')) base.remove();
});

/**
 * A keeper whose fetch behaves as a browser's does where it matters here: a relative URL resolves against
 * the document's base URL, a Request of any kind is read as a Request. It records where each request went
 * and with which Authorization header.
 */
async function signedIn(options: TokenKeeperOptions = {}) {
	const sent: { url: string; authorization: string | null }[] = [];
	const browserLikeFetch: typeof fetch = async (input, init) => {
		const like = input as { url?: unknown; headers?: Headers };
		const url = typeof like.url === 'string' ? like.url : new URL(String(input), document.baseURI).href;
		const headers = new Headers(init?.headers ?? (like.headers instanceof Headers ? like.headers : undefined));
		if (like.headers && typeof like.headers.get === 'function' && like.headers.get('authorization') !== null) headers.set('authorization', like.headers.get('authorization') ?? '');
		sent.push({ url, authorization: headers.get('authorization') });
		return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
	};
	const auth = createTokenKeeper({ apiUrl: API, storage: 'memory', name: `origins-${++names}`, crossTab: false, ...options, fetch: browserLikeFetch });
	keepers.push(auth);
	await auth.setTokens(await mock.issueTokens());
	return { auth, sent, bearer: `Bearer ${auth.session.accessToken}` };
}

describe('the destination is read as fetch reads it', () => {
	it('a relative URL on a page whose <base href> is another origin gets no token (it goes there)', async () => {
		const base = document.createElement('base');
		base.href = `${EVIL}/`;
		document.head.append(base);
		expect(document.baseURI).toBe(`${EVIL}/`);
		const { auth, sent } = await signedIn();
		await auth.fetch('collect');
		await auth.fetch(new URL('collect', document.baseURI));
		expect(sent).toEqual([
			{ url: `${EVIL}/collect`, authorization: null },
			{ url: `${EVIL}/collect`, authorization: null },
		]);
	});

	it('a relative URL still gets the token when the base is the page itself', async () => {
		const { auth, sent, bearer } = await signedIn();
		await auth.fetch('me');
		expect(sent).toEqual([{ url: new URL('me', location.href).href, authorization: bearer }]);
	});

	it('a relative trusted origin means the page, even under a <base href> to another origin', async () => {
		const base = document.createElement('base');
		base.href = `${EVIL}/`;
		document.head.append(base);
		const { auth, sent } = await signedIn({ trustedOrigins: ['/files'] });
		await auth.fetch('collect');
		expect(sent).toEqual([{ url: `${EVIL}/collect`, authorization: null }]);
	});

	it('a Request this realm cannot read (another implementation, another realm) gets no token', async () => {
		const { auth, sent } = await signedIn();
		const foreign = new ForeignRequest(`${EVIL}/collect`);
		expect(foreign instanceof Request).toBe(false);
		await auth.fetch(foreign as unknown as Request);
		expect(sent).toEqual([{ url: `${EVIL}/collect`, authorization: null }]);
	});

	it('a look-alike whose url says trusted and whose string says elsewhere gets no token', async () => {
		const { auth, sent } = await signedIn();
		const lookAlike = { url: `${API}/me`, [Symbol.toStringTag]: 'Request', toString: () => `${EVIL}/collect` };
		await auth.fetch(lookAlike as unknown as Request);
		expect(sent).toEqual([{ url: `${API}/me`, authorization: null }]);
	});

	it('an object made from Request.prototype (instanceof Request, yet no Request to fetch) gets no token', async () => {
		const { auth, sent } = await signedIn();
		const fake = Object.create(Request.prototype, { url: { value: `${API}/me` }, toString: { value: () => `${EVIL}/collect` } }) as Request;
		expect(fake instanceof Request).toBe(true);
		await auth.fetch(fake);
		expect(sent.map((entry) => entry.authorization)).toEqual([null]);
	});

	it('a URL object changed while the token is being fetched still goes where it was checked', async () => {
		const { auth, sent, bearer } = await signedIn();
		const target = new URL(`${API}/me`);
		const pending = auth.fetch(target);
		target.href = `${EVIL}/collect`;
		await pending;
		expect(sent).toEqual([{ url: `${API}/me`, authorization: bearer }]);
	});

	it('a Request keeps its own headers and gets the token on a trusted origin', async () => {
		const { auth, sent, bearer } = await signedIn();
		await auth.fetch(new Request(`${API}/me`, { headers: { 'x-app': '1' } }));
		expect(sent).toEqual([{ url: `${API}/me`, authorization: bearer }]);
	});
});

describe('opaque origins', () => {
	it.each(['capacitor://app', 'tauri://localhost/', 'file:///index.html'])('trustedOrigins "%s" (origin "null") is refused with a TypeError naming it', (entry) => {
		expect(() => createTokenKeeper({ storage: 'memory', trustedOrigins: [entry] })).toThrow(TypeError);
		expect(() => createTokenKeeper({ storage: 'memory', trustedOrigins: [entry] })).toThrow(new RegExp(`"${entry.replace(/[/.]/g, '\\$&')}".*opaque`));
	});

	it('an apiUrl with an opaque origin is refused too', () => {
		expect(() => createTokenKeeper({ storage: 'memory', apiUrl: 'capacitor://app/api' })).toThrow(/opaque/);
	});
});
