// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { del } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { dpop } from '../src/dpop/index.js';
import { oauth2, type OAuth2Options } from '../src/index.js';
import { API, keeper, useMockApi } from './support.js';

// The redirect login with DPoP (RFC 9449 section 10): dpop_jkt on the authorization request, the key kept in
// IndexedDB across the page load to the callback, the code exchanged with a proof of that very key.

const { server } = useMockApi({ dpop: { nonce: true } });
const CALLBACK = `${location.origin}/callback`;
const settings: OAuth2Options = { issuer: API, clientId: 'spa', redirectUri: CALLBACK, scope: 'openid read' };

beforeEach(() => sessionStorage.clear());

/** The authorization request of a login begun by one page, and the callback URL the server sends the browser to. */
async function begin(name: string) {
	const before = keeper({ ...oauth2(settings), name, storage: 'indexeddb', dpop: dpop() });
	let authorizeUrl = '';
	await before.auth.loginWithRedirect({ openUrl: (url) => void (authorizeUrl = url) });
	before.auth.destroy(); // the page navigates away
	const query = new URL(authorizeUrl).searchParams;
	const dpopJkt = query.get('dpop_jkt') ?? '';
	const code = server.issueAuthorizationCode({ codeChallenge: query.get('code_challenge') ?? '', redirectUri: CALLBACK, dpopJkt });
	const back = new URL(CALLBACK);
	back.search = new URLSearchParams({ code, state: query.get('state') ?? '', iss: API }).toString();
	return { dpopJkt, callback: back.href };
}

describe('loginWithRedirect with dpop', () => {
	it('sends dpop_jkt, and the page after the redirect exchanges the code with a proof of that key', async () => {
		const { dpopJkt, callback } = await begin('redirect-dpop');
		expect(dpopJkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
		const after = keeper({ ...oauth2(settings), name: 'redirect-dpop', storage: 'indexeddb', dpop: dpop() });
		const { session } = await after.auth.handleRedirectCallback(callback);
		expect(session.claims?.cnf).toEqual({ jkt: dpopJkt });
		expect((await after.auth.fetch(`${API}/me`)).status).toBe(200);
	});

	it('a callback whose key is gone fails with DPOP_KEY_UNAVAILABLE and sends no code', async () => {
		const { callback } = await begin('redirect-dpop-lost');
		await del('tokenkeeper:redirect-dpop-lost:redirect'); // storage wiped (idb-keyval's own database keeps it)
		const logins = server.calls.login;
		const after = keeper({ ...oauth2(settings), name: 'redirect-dpop-lost', storage: 'memory', dpop: dpop() });
		await expect(after.auth.handleRedirectCallback(callback)).rejects.toMatchObject({ code: 'DPOP_KEY_UNAVAILABLE' });
		expect(server.calls.login).toBe(logins);
	});
});
