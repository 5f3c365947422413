import { describe, expect, it } from 'vitest';
import { ALICE, API, keeper, useMockApi } from './support.js';

// Node's own fetch and Request (the other request tests run in happy-dom).
const { server } = useMockApi();
const echo = `${API}/echo`;
const rejectOnce = () => server.fail('resource', { status: 401 }, { times: 1 });

describe('every kind of body survives a replay', () => {
	it.each([
		['a string', () => 'plain text'],
		['a Blob', () => new Blob(['blob body'], { type: 'text/plain' })],
		['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'two' })],
		['bytes', () => new TextEncoder().encode('some bytes')],
	])('%s', async (_, body) => {
		const { auth } = keeper();
		await auth.login(ALICE);
		rejectOnce();
		const sent = body();
		const expected = await new Response(sent instanceof Uint8Array ? sent.slice() : sent).text();
		const answer = (await (await auth.fetch(echo, { method: 'POST', body: sent })).json()) as { body: string; authorization: string };
		expect(answer.body).toBe(expected);
		expect(answer.authorization).toBe(`Bearer ${auth.session.accessToken}`);
		expect(server.calls.refresh).toBe(1);
	});

	it('a stream, read once only, is cloned before the first send', async () => {
		const { auth } = keeper();
		await auth.login(ALICE);
		rejectOnce();
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('streamed '));
				controller.enqueue(new TextEncoder().encode('body'));
				controller.close();
			},
		});
		const response = await auth.fetch(echo, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
		expect(((await response.json()) as { body: string }).body).toBe('streamed body');
	});

	it('a Request object with a body', async () => {
		const { auth } = keeper();
		await auth.login(ALICE);
		rejectOnce();
		const response = await auth.fetch(new Request(echo, { method: 'PUT', body: 'from a Request', headers: { 'content-type': 'text/plain' } }));
		expect(await response.json()).toMatchObject({ method: 'PUT', body: 'from a Request', contentType: 'text/plain', authorization: `Bearer ${auth.session.accessToken}` });
	});

	it('a Request object that carries its own Authorization is left alone', async () => {
		const { auth, sent } = keeper();
		await auth.login(ALICE);
		await auth.fetch(new Request(echo, { headers: { authorization: 'Bearer theirs' } }));
		expect(sent.at(-1)?.authorization).toBe('Bearer theirs');
	});
});
