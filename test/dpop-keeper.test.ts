import 'fake-indexeddb/auto';
import { createStore, get } from 'idb-keyval';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { dpop } from '../src/dpop/index.js';
import { createTokenKeeper, type StorageAdapter, type TokenKeeperError } from '../src/index.js';
import { createMockAuthServer } from '../src/testing/index.js';
import { createApi, kyHooks } from '../src/ky/index.js';
import { createTabHub } from './interleave.js';
import { ALICE, API, eventTypes, keeper, useMockApi } from './support.js';

// The keeper with the dpop option (api.md behaviours 11-16), end to end against the test kit's DPoP server,
// which verifies every proof strictly (signature, htm, htu, iat in its clock, jti replay, ath, key, nonce).

const { server, msw } = useMockApi({ dpop: {} });

const decode = (part = '') => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
const claimsOf = (proof: string) => decode(proof.split('.')[1]);
const headerOf = (proof: string) => decode(proof.split('.')[0]);
const jktOf = (auth: { session: { claims: Record<string, unknown> | null } }) => (auth.session.claims?.cnf as { jkt?: string } | undefined)?.jkt;
const sha256 = async (text: string) => Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))).toString('base64url');

/** A keeper with dpop whose every send is recorded with its Authorization and DPoP headers. */
function dpopKeeper(options: Parameters<typeof keeper>[0] = {}) {
	const sends: { method: string; url: string; authorization: string | null; proof: string | null; status: number }[] = [];
	const recorded = keeper({
		dpop: dpop(),
		...options,
		fetch: async (input, init) => {
			const request = new Request(input, init);
			const response = await globalThis.fetch(request);
			sends.push({ method: request.method, url: request.url, authorization: request.headers.get('authorization'), proof: request.headers.get('dpop'), status: response.status });
			return response;
		},
	});
	return { ...recorded, sends };
}

describe('login and the token endpoint (behaviour 12)', () => {
	it('a password login sends a proof without ath and gets a DPoP session bound to a key', async () => {
		const { auth, sends } = dpopKeeper();
		await auth.login(ALICE);
		const [login] = sends;
		expect(login?.proof).toBeTruthy();
		const claims = claimsOf(login?.proof ?? '');
		expect(claims).toMatchObject({ htm: 'POST', htu: `${API}/auth/login` });
		expect(claims.ath).toBeUndefined();
		expect(auth.session.claims?.cnf).toEqual({ jkt: expect.any(String) });
		expect(headerOf(login?.proof ?? '')).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
	});

	it('a new key at every login', async () => {
		const { auth } = dpopKeeper();
		await auth.login(ALICE);
		const first = jktOf(auth);
		await auth.login(ALICE);
		expect(jktOf(auth)).not.toBe(first);
	});

	it('refuses a Bearer answer to a DPoP request, unless allowBearer; then requests go as Bearer with no proof', async () => {
		const bearerServer = createMockAuthServer({ origin: 'https://bearer.example.com', dpop: { answerBearer: true } });
		msw.use(...bearerServer.handlers);
		const refused = dpopKeeper({ apiUrl: bearerServer.origin });
		const error = (await refused.auth.login(ALICE).catch((caught: unknown) => caught)) as TokenKeeperError;
		expect(error.code).toBe('INVALID_TOKEN_RESPONSE');
		expect(refused.auth.session.status).toBe('unauthenticated');

		const allowed = dpopKeeper({ apiUrl: bearerServer.origin, dpop: dpop({ allowBearer: true }) });
		await allowed.auth.login(ALICE);
		expect((await allowed.auth.fetch(`${bearerServer.origin}/me`)).status).toBe(200);
		expect(allowed.sends.at(-1)).toMatchObject({ authorization: expect.stringMatching(/^Bearer /), proof: null });
	});

	it('refuses an access token bound to another key (cnf.jkt)', async () => {
		msw.use(
			http.post(`${API}/auth/login`, async () =>
				HttpResponse.json({ access_token: await server.signAccessToken({ sub: 'alice', exp: 4e9, iat: 1, cnf: { jkt: 'another-key' } }), token_type: 'DPoP', expires_in: 300 }),
			),
		);
		const { auth } = dpopKeeper();
		await expect(auth.login(ALICE)).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE' });
	});

	it('refuses localStorage and sessionStorage at creation: they cannot hold a CryptoKey', () => {
		for (const storage of ['localStorage', 'sessionStorage'] as const) expect(() => createTokenKeeper({ storage, dpop: dpop() })).toThrow(TypeError);
	});
});

describe('the token endpoint fetch', () => {
	it("keeps the init's own fields (a proxy dispatcher, a framework's cache option) and rejects rather than throws", async () => {
		const seen: Array<Record<string, unknown> | undefined> = [];
		const binding = dpop()(async (input, init) => {
			seen.push(init as Record<string, unknown> | undefined);
			const { dispatcher: _, ...standard } = (init ?? {}) as Record<string, unknown>;
			return globalThis.fetch(input, standard);
		});
		const key = await binding.newKey();
		const dispatcher = { proxy: 'http://127.0.0.1:9' };
		const tokenFetch = binding.tokenFetch(key);
		const answer = await tokenFetch(`${API}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ALICE), dispatcher } as RequestInit);
		expect(answer.status).toBe(200);
		expect(seen.map((init) => init?.dispatcher)).toEqual([dispatcher]);
		await tokenFetch(`${API}/me`, { dispatcher } as RequestInit); // a GET (discovery) goes as it is
		expect(seen.at(-1)?.dispatcher).toBe(dispatcher);
		const bad = tokenFetch('http://[::1', { method: 'POST' });
		expect(bad).toBeInstanceOf(Promise);
		await expect(bad).rejects.toThrow(TypeError);
	});
});

describe('requests (behaviour 13)', () => {
	it('carry Authorization: DPoP and a fresh proof with ath and htu without query, every one', async () => {
		const { auth, sends } = dpopKeeper();
		await auth.login(ALICE);
		const token = auth.session.accessToken ?? '';
		for (let i = 0; i < 3; i++) expect((await auth.fetch(`${API}/me?page=${i}#top`)).status).toBe(200);
		const proofs = sends.slice(1).map((send) => send.proof ?? '');
		expect(sends.slice(1).every((send) => send.authorization === `DPoP ${token}`)).toBe(true);
		const claims = proofs.map(claimsOf);
		expect(new Set(claims.map((claim) => claim.jti)).size).toBe(3);
		for (const claim of claims) expect(claim).toMatchObject({ htm: 'GET', htu: `${API}/me`, ath: await sha256(token) });
	});

	it('a body is sent again on the nonce retry, as it was', async () => {
		const { auth } = dpopKeeper();
		await auth.login(ALICE);
		const answer = await (await auth.fetch(new Request(`${API}/echo`, { method: 'POST', body: 'hello' }))).json();
		expect(answer).toMatchObject({ method: 'POST', body: 'hello' });
	});

	it('never go to an untrusted origin with the token or a proof', async () => {
		const seen: (string | null)[] = [];
		msw.use(
			http.get('https://elsewhere.example.org/x', ({ request }) => {
				seen.push(request.headers.get('authorization'), request.headers.get('dpop'));
				return HttpResponse.json({});
			}),
		);
		const { auth } = dpopKeeper();
		await auth.login(ALICE);
		await auth.fetch('https://elsewhere.example.org/x');
		expect(seen).toEqual([null, null]);
	});

	it('after a 401, the refresh carries a proof and the replay a new one', async () => {
		const { auth, sends } = dpopKeeper();
		await auth.login(ALICE);
		server.fail('resource', { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"' } }, { times: 1 });
		expect((await auth.fetch(`${API}/me`)).status).toBe(200);
		expect(server.calls.refresh).toBe(1);
		const [first, refresh, replay] = sends.slice(1);
		expect(refresh).toMatchObject({ url: `${API}/auth/refresh`, status: 200 });
		expect(claimsOf(refresh?.proof ?? '').htu).toBe(`${API}/auth/refresh`);
		expect(claimsOf(replay?.proof ?? '').jti).not.toBe(claimsOf(first?.proof ?? '').jti);
		expect(replay?.authorization).toBe(`DPoP ${auth.session.accessToken}`);
	});

	it('a bound token sent without its proof is refused by the kit (it is no bearer token)', async () => {
		const { auth } = dpopKeeper();
		await auth.login(ALICE);
		const response = await fetch(`${API}/me`, { headers: { authorization: `Bearer ${auth.session.accessToken}` } });
		expect(response.status).toBe(401);
	});
});

describe('ky', () => {
	it('createApi(auth) sends DPoP with a proof; kyHooks refuses the keeper, which it cannot serve', async () => {
		const { auth, sends } = dpopKeeper();
		await auth.login(ALICE);
		expect(await createApi(auth).get('me').json()).toMatchObject({ sub: 'alice' });
		expect(sends.at(-1)?.authorization).toMatch(/^DPoP /);
		expect(() => kyHooks(auth)).toThrow(TypeError);
	});
});

describe('nonces (behaviour 14)', () => {
	const nonced = createMockAuthServer({ origin: 'https://nonce.example.com', dpop: { nonce: true }, clockOffsetMs: 10 * 60_000 });
	const setup = () => {
		nonced.reset();
		msw.use(...nonced.handlers);
		return dpopKeeper({ apiUrl: nonced.origin });
	};

	it('the token endpoint: one retry with the nonce, its iat in the server clock 10 minutes ahead', async () => {
		const { auth, sends } = setup();
		await auth.login(ALICE);
		expect(sends.map((send) => send.status)).toEqual([400, 200]);
		const retry = claimsOf(sends[1]?.proof ?? '');
		expect(retry.nonce).toBeTruthy();
		expect(Math.abs((retry.iat as number) - nonced.now() / 1000)).toBeLessThan(5);
	});

	it('a resource: a rotated nonce costs one retry and no refresh', async () => {
		const { auth, sends } = setup();
		await auth.login(ALICE);
		nonced.rotateDPoPNonce();
		expect((await auth.fetch(`${nonced.origin}/me`)).status).toBe(200);
		expect(sends.slice(2).map((send) => send.status)).toEqual([401, 200]);
		expect(nonced.calls.refresh).toBe(0);
	});

	it('a server that always asks for a new nonce gets exactly one retry', async () => {
		const { auth, sends } = setup();
		await auth.login(ALICE);
		let count = 0;
		msw.use(http.get(`${nonced.origin}/always`, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': `n${++count}` } })));
		expect((await auth.fetch(`${nonced.origin}/always`)).status).toBe(401);
		expect(count).toBe(2); // the retry's answer is final: no refresh and replay for it either
		expect(sends.length).toBe(4);
		expect(nonced.calls.refresh).toBe(0);
	});
});

describe('the key (behaviours 11 and 15)', () => {
	/** A custom storage that keeps JSON, as a careless adapter would: the CryptoKey becomes `{}`. */
	const jsonStorage = (values = new Map<string, string>()): StorageAdapter => ({
		get: (key) => (values.has(key) ? JSON.parse(values.get(key) ?? '') : undefined),
		set: (key, value) => void values.set(key, JSON.stringify(value)),
		delete: (key) => void values.delete(key),
	});

	it('a stored DPoP set whose key is gone ends the session once, with DPOP_KEY_UNAVAILABLE, and no refresh', async () => {
		const values = new Map<string, string>();
		const name = 'lost-key';
		const first = dpopKeeper({ name, storage: jsonStorage(values) });
		await first.auth.login(ALICE);
		first.auth.destroy();
		const second = dpopKeeper({ name, storage: jsonStorage(values) });
		await second.auth.ready;
		expect(second.auth.session.status).toBe('unauthenticated');
		const logouts = second.events.filter((event) => event.type === 'logout');
		expect(logouts).toEqual([expect.objectContaining({ reason: 'revoked', error: expect.objectContaining({ code: 'DPOP_KEY_UNAVAILABLE' }) })]);
		expect(server.calls.refresh).toBe(0);
		await vi.waitFor(() => expect(values.size).toBe(0));
		expect(second.sends).toEqual([]);
	});

	it('a refresh that finds the key gone in storage ends the session rather than refresh with another key', async () => {
		const { auth, events } = dpopKeeper({ storage: jsonStorage() });
		await auth.login(ALICE);
		await expect(auth.refresh()).rejects.toThrow();
		expect(server.calls.refresh).toBe(0);
		expect(eventTypes(events).filter((type) => type.startsWith('logout'))).toEqual(['logout:revoked']);
	});

	it('IndexedDB holds the key with the tokens; a new tab uses it; logout deletes it before it resolves', async () => {
		const name = 'idb-key';
		const a = dpopKeeper({ name, storage: 'indexeddb' });
		await a.auth.login(ALICE);
		const record = (await get(`tokenkeeper:${name}`, createStore('tokenkeeper', 'sessions'))) as { dpop?: { privateKey: CryptoKey } };
		expect(record.dpop?.privateKey).toMatchObject({ type: 'private', extractable: false });
		const b = dpopKeeper({ name, storage: 'indexeddb' });
		await b.auth.ready;
		expect((await b.auth.fetch(`${API}/me`)).status).toBe(200);
		await a.auth.logout();
		expect(await get(`tokenkeeper:${name}`, createStore('tokenkeeper', 'sessions'))).toBeUndefined();
	});
});

describe('tabs (behaviours 11 and 16)', () => {
	it('with memory storage the key travels on the tab channel: the other tab signs with it', async () => {
		const name = 'dpop-tabs';
		const a = dpopKeeper({ name, crossTab: true });
		const b = dpopKeeper({ name, crossTab: true });
		await Promise.all([a.auth.ready, b.auth.ready]);
		await a.auth.login(ALICE);
		await vi.waitFor(() => expect(b.auth.session.status).toBe('authenticated'));
		expect((await b.auth.fetch(`${API}/me`)).status).toBe(200);
		const thumbprintOf = async (proof: string | null) => (await import('../src/dpop/thumbprint.js')).jwkThumbprint(headerOf(proof ?? '').jwk as Record<string, unknown>);
		expect(await thumbprintOf(b.sends.at(-1)?.proof ?? null)).toBe(jktOf(a.auth));
		await a.auth.logout();
		await vi.waitFor(() => expect(b.auth.session.status).toBe('unauthenticated'));
	});

	it('refreshes are single-flight across tabs and present no refresh token twice', async () => {
		const hub = createTabHub({ schedule: (deliver) => queueMicrotask(deliver) });
		hub.install();
		try {
			const name = 'dpop-single-flight';
			const tabs = [dpopKeeper({ name, crossTab: true, storage: 'indexeddb' }), dpopKeeper({ name, crossTab: true, storage: 'indexeddb' })];
			await Promise.all(tabs.map((tab) => tab.auth.ready));
			await tabs[0]?.auth.login(ALICE);
			await vi.waitFor(() => expect(tabs[1]?.auth.session.status).toBe('authenticated'));
			await Promise.all(tabs.flatMap((tab) => [tab.auth.refresh(), tab.auth.refresh()]));
			expect(server.reuses).toBe(0);
			expect(new Set(server.presented).size).toBe(server.presented.length);
			for (const tab of tabs) expect((await tab.auth.fetch(`${API}/me`)).status).toBe(200);
		} finally {
			vi.unstubAllGlobals();
		}
	});
});

describe('a token that runs out while its proof is signed (behaviour 1 with DPoP)', () => {
	it('is not sent: the request takes a fresh token of the same session and a fresh proof', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		const { auth, sends } = dpopKeeper();
		await auth.login(ALICE);
		const expired = auth.session.accessToken;
		const sign = crypto.subtle.sign.bind(crypto.subtle);
		let slept = false;
		vi.spyOn(crypto.subtle, 'sign').mockImplementation(async (...args: Parameters<typeof sign>) => {
			const signature = await sign(...args);
			if (!slept) {
				slept = true;
				vi.setSystemTime(Date.now() + 10 * 60_000); // the laptop slept while the first proof was signed
			}
			return signature;
		});
		const response = await auth.fetch(`${API}/me`);
		expect(response.status).toBe(200);
		expect(sends.filter((send) => send.url === `${API}/me` && send.authorization === `DPoP ${expired}`)).toEqual([]);
		expect(auth.session.accessToken).not.toBe(expired);
		vi.useRealTimers();
	});
});
