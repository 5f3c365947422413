// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createApi } from '../src/ky/index.js';
import { ALICE, API, fakeTime, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi();
const me = `${API}/me`;
const echo = `${API}/echo`;

interface Echo {
	method: string;
	contentType: string | null;
	body: string;
	authorization: string | null;
}

/** Makes the current access token fail once on the server, as a revoked or clock-rejected token would. */
const rejectOnce = () => server.fail('resource', { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }, { times: 1 });

describe('trusted origins', () => {
	it('the token goes to apiUrl and the page origin, never elsewhere', async () => {
		msw.use(
			http.get('https://evil.example.net/collect', ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })),
			http.get(`${location.origin}/local`, ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })),
		);
		const { auth } = keeper();
		await auth.login(ALICE);
		const bearer = `Bearer ${auth.session.accessToken}`;
		expect(await (await auth.fetch('https://evil.example.net/collect')).json()).toEqual({ authorization: null });
		expect(await (await auth.fetch(new Request('https://evil.example.net/collect'))).json()).toEqual({ authorization: null });
		expect(await createApi(auth).get('https://evil.example.net/collect', { prefixUrl: '' }).json()).toEqual({ authorization: null });
		expect(((await (await auth.fetch(echo)).json()) as Echo).authorization).toBe(bearer);
		expect(await (await auth.fetch('/local')).json()).toEqual({ authorization: bearer });
	});

	it('trustedOrigins adds origins (given as URLs too)', async () => {
		msw.use(http.get('https://files.example.com/x', ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })));
		const { auth } = keeper({ trustedOrigins: ['https://files.example.com/some/path'] });
		await auth.login(ALICE);
		expect(await (await auth.fetch('https://files.example.com/x')).json()).toEqual({ authorization: `Bearer ${auth.session.accessToken}` });
	});

	it('an origin that only looks alike is not trusted', async () => {
		msw.use(http.get('https://api.example.com.evil.net/x', ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })));
		const { auth } = keeper();
		await auth.login(ALICE);
		expect(await (await auth.fetch('https://api.example.com.evil.net/x')).json()).toEqual({ authorization: null });
	});

	it('an Authorization header the app set is left alone', async () => {
		msw.use(http.get(`${API}/open`, ({ request }) => HttpResponse.json({ authorization: request.headers.get('authorization') })));
		const { auth } = keeper();
		await auth.login(ALICE);
		expect(await (await auth.fetch(`${API}/open`, { headers: { Authorization: 'Basic YTpi' } })).json()).toEqual({ authorization: 'Basic YTpi' });
		expect(
			await createApi(auth)
				.get('open', { headers: { Authorization: 'Basic YTpi' } })
				.json(),
		).toEqual({ authorization: 'Basic YTpi' });
	});
});

describe('401 and replay', () => {
	it('a JSON POST that meets a 401 is refreshed and replayed with the identical body', async () => {
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		const first = auth.session.accessToken;
		rejectOnce();
		const body = JSON.stringify({ order: 42, items: ['a', 'ü'] });
		const response = await auth.fetch(echo, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-trace': 't1' } });
		expect(response.status).toBe(200);
		const answer = (await response.json()) as Echo;
		expect(answer).toMatchObject({ method: 'POST', contentType: 'application/json', body, authorization: `Bearer ${auth.session.accessToken}` });
		expect(auth.session.accessToken).not.toBe(first);
		expect(server.calls.refresh).toBe(1);
		expect(sent.filter((entry) => entry.url === echo).map((entry) => entry.status)).toEqual([401, 200]);
	});

	it('a FormData POST arrives intact the second time', async () => {
		const received: { contentType: string | null; body: string; authorization: string | null }[] = [];
		msw.use(
			http.post(`${API}/upload`, async ({ request }) => {
				received.push({ contentType: request.headers.get('content-type'), body: await request.text(), authorization: request.headers.get('authorization') });
				return received.length === 1 ? HttpResponse.json({ error: 'invalid_token' }, { status: 401 }) : HttpResponse.json({ ok: true });
			}),
		);
		const { auth } = keeper();
		await auth.login(ALICE);
		const form = new FormData();
		form.set('name', 'report');
		form.set('file', new Blob(['hello, file'], { type: 'text/plain' }), 'hello.txt');
		expect((await auth.fetch(`${API}/upload`, { method: 'POST', body: form })).status).toBe(200);
		expect(received).toHaveLength(2);
		expect(received[1]!.body).toBe(received[0]!.body);
		expect(received[1]!.contentType).toBe(received[0]!.contentType);
		expect(received[1]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
		expect(received[1]!.body).toContain('report');
		expect(received[1]!.body).toContain('hello, file');
		expect(received[1]!.authorization).not.toBe(received[0]!.authorization);
	});

	it('replays at most once: a 401 that persists reaches the app', async () => {
		server.fail('resource', { status: 401 });
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		expect((await auth.fetch(me)).status).toBe(401);
		expect(sent.filter((entry) => entry.url === me)).toHaveLength(2);
		expect(server.calls.refresh).toBe(1);
	});

	it('when the token changed while the request was out, replays with the new one without refreshing again', async () => {
		fakeTime();
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		const first = auth.session.accessToken;
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		msw.use(
			http.get(me, async ({ request }) => {
				if (request.headers.get('authorization') === `Bearer ${first}`) {
					await held;
					return HttpResponse.json({ error: 'invalid_token' }, { status: 401 });
				}
			}),
		);
		const slow = auth.fetch(me);
		await vi.waitFor(() => expect(sent.some((entry) => entry.url === me)).toBe(true));
		await auth.refresh();
		release();
		expect((await slow).status).toBe(200);
		expect(server.calls.refresh).toBe(1);
		expect(sent.filter((entry) => entry.url === me).map((entry) => entry.authorization)).toEqual([`Bearer ${first}`, `Bearer ${auth.session.accessToken}`]);
	});

	it('no replay once the session has ended', async () => {
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		server.revokeAll();
		const response = await auth.fetch(me);
		expect(response.status).toBe(401);
		expect(auth.session.status).toBe('unauthenticated');
		expect(sent.filter((entry) => entry.url === me)).toHaveLength(1);
	});

	it('a request signed out goes out without a token and is not replayed', async () => {
		const { auth, sent } = keeper();
		expect((await auth.fetch(me)).status).toBe(401);
		expect(sent).toEqual([expect.objectContaining({ url: me, authorization: null, status: 401 })]);
	});
});
