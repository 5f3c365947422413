// The ky entry's behaviour, run once with ky 1 and once with ky 2 (each test file hands its ky over).
import type { KyInstance, Options } from 'ky';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createTokenKeeper } from '../../src/index.js';
import { createApi, kyHooks } from '../../src/ky/index.js';
import { ALICE, API, JSON_ENDPOINTS, keeper, useMockApi } from '../support.js';

interface Echo {
	body: string;
	authorization: string | null;
}

/** The request a hook of either major was called for: ky 1 passes it first, ky 2 in one state object. */
const requestOf = (args: unknown[]) => {
	const first = args[0] as Request | { request: Request };
	return 'request' in first ? first.request : first;
};

export function kySuite(ky: KyInstance, major: 1 | 2) {
	const { server, msw } = useMockApi();
	const me = `${API}/me`;
	/** ky 2 renamed `prefixUrl` to `prefix`. */
	const noPrefix = (major === 1 ? { prefixUrl: '' } : { prefix: '' }) as Options;
	/** Makes the current access token fail once on the server, as a revoked or clock-rejected token would. */
	const rejectOnce = () => server.fail('resource', { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }, { times: 1 });

	describe(`tokenkeeper/ky on ky ${major}`, () => {
		it('createApi prefixes apiUrl, attaches the token and replays a 401 with its JSON body', async () => {
			const { auth } = keeper();
			const api = createApi(auth);
			await auth.login(ALICE);
			expect(await api.get('me').json()).toMatchObject({ sub: 'alice' });
			rejectOnce();
			const answer = await api.post('echo', { json: { a: 1 } }).json<Echo>();
			expect(answer).toMatchObject({ body: '{"a":1}', authorization: `Bearer ${auth.session.accessToken}` });
			expect(server.calls.refresh).toBe(1);
		});

		it('createApi takes ky options, and sends no token to an untrusted origin', async () => {
			msw.use(http.get('https://evil.example.net/collect', ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization'), app: request.headers.get('x-app') })));
			const { auth } = keeper();
			const api = createApi(auth, { headers: { 'x-app': 'shop' } });
			await auth.login(ALICE);
			expect(await api.get('https://evil.example.net/collect', noPrefix).json()).toEqual({ authorization: null, app: 'shop' });
			expect(() => createApi(auth, { fetch: globalThis.fetch })).toThrow(/createTokenKeeper\(\{ fetch \}\)/);
			expect(() => createApi({} as typeof auth)).toThrow(TypeError);
		});

		it("kyHooks give an app's own ky instance the same behaviour, leaving its other hooks in place", async () => {
			const { auth } = keeper();
			await auth.login(ALICE);
			const oldToken = auth.session.accessToken;
			const sentOut: Array<string | null> = [];
			let ownHookRan = 0;
			const hooks = kyHooks(auth);
			const client = ky.create({
				...(major === 1 ? { prefixUrl: API } : ({ prefix: API } as Options)),
				fetch: (input, init) => {
					sentOut.push(new Request(input, init).headers.get('authorization'));
					return globalThis.fetch(input, init);
				},
				hooks: {
					beforeRequest: [...hooks.beforeRequest, (...args: unknown[]) => void (ownHookRan += requestOf(args).headers.has('authorization') ? 1 : 0)],
					beforeRetry: hooks.beforeRetry,
					afterResponse: hooks.afterResponse,
				},
			});
			rejectOnce();
			expect(await client.get('me').json()).toMatchObject({ sub: 'alice' });
			expect(sentOut).toEqual([`Bearer ${oldToken}`, `Bearer ${auth.session.accessToken}`]);
			expect(auth.session.accessToken).not.toBe(oldToken);
			expect(ownHookRan).toBeGreaterThan(0);
			const evil: Array<string | null> = [];
			const stranger = ky.create({
				hooks,
				fetch: (input, init) => {
					evil.push(new Request(input, init).headers.get('authorization'));
					return Promise.resolve(new Response('{}'));
				},
			});
			await stranger.get('https://evil.example.net/x', { headers: { authorization: `Bearer ${auth.session.accessToken}` } }).json();
			expect(evil).toEqual([null]); // this keeper's token is taken off a request to an untrusted origin
		});

		it('kyHooks sign a retry with the token current then', async () => {
			const { auth } = keeper();
			await auth.login(ALICE);
			const firstToken = auth.session.accessToken;
			const sentOut: Array<string | null> = [];
			let calls = 0;
			const client = ky.create({
				hooks: kyHooks(auth),
				retry: { limit: 1, delay: () => 0 },
				fetch: async (input, init) => {
					sentOut.push(new Request(input, init).headers.get('authorization'));
					if (calls++ === 0) {
						await auth.refresh(); // the token changes while the first attempt is answered with a 503
						return new Response('busy', { status: 503 });
					}
					return new Response('{}');
				},
			});
			await client.get(me).json();
			expect(sentOut).toEqual([`Bearer ${firstToken}`, `Bearer ${auth.session.accessToken}`]);
			expect(auth.session.accessToken).not.toBe(firstToken);
		});

		it("createApi signs ky's own Request in place, replays it once, and passes fetch-only options along", async () => {
			const calls: Array<{ authorization: string | null; dispatcher: unknown; sameAsFirst: boolean }> = [];
			let first: Request | undefined;
			const auth = createTokenKeeper({
				apiUrl: API,
				endpoints: JSON_ENDPOINTS,
				storage: 'memory',
				crossTab: false,
				fetch: (input, init) => {
					if (input instanceof Request && input.url === me) {
						first ??= input;
						calls.push({ authorization: input.headers.get('authorization'), dispatcher: (init as { dispatcher?: unknown } | undefined)?.dispatcher, sameAsFirst: input === first });
					}
					return globalThis.fetch(input, input instanceof Request ? undefined : init); // the marker is no real dispatcher
				},
			});
			await auth.login(ALICE);
			const oldToken = auth.session.accessToken;
			rejectOnce();
			const dispatcher = { marker: 'undici dispatcher' };
			expect(
				await createApi(auth)
					.get('me', { dispatcher } as Options)
					.json(),
			).toMatchObject({ sub: 'alice' });
			expect(calls).toEqual([
				{ authorization: `Bearer ${oldToken}`, dispatcher, sameAsFirst: true },
				{ authorization: `Bearer ${auth.session.accessToken}`, dispatcher, sameAsFirst: true }, // a GET has no body: the same Request goes again
			]);
			expect(auth.session.accessToken).not.toBe(oldToken);
			auth.destroy();
		});

		it('a persisting 401 through ky is an HTTPError after one replay', async () => {
			server.fail('resource', { status: 401 });
			const { auth } = keeper();
			await auth.login(ALICE);
			await expect(createApi(auth).get('me')).rejects.toMatchObject({ name: 'HTTPError', response: { status: 401 } });
			expect(server.calls.refresh).toBe(1);
		});

		it('ky sends no token after logout', async () => {
			const { auth, sent } = keeper();
			await auth.login(ALICE);
			await auth.logout();
			await expect(createApi(auth).get('me', { retry: 0 })).rejects.toMatchObject({ response: { status: 401 } });
			expect(sent.at(-1)).toMatchObject({ url: me, authorization: null });
		});
	});
}
