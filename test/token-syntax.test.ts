import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { toTokenSet } from '../src/tokens.js';
import { ALICE, API, keeper, useMockApi } from './support.js';

const { server, msw } = useMockApi();
const receipt = { sentAt: 0, receivedAt: 0 };

describe('the access token must fit an Authorization header (RFC 6750 section 2.1, b64token)', () => {
	it.each([
		['a non-ASCII character', 'abc€def'],
		['a control character', 'abc\u0001def'],
		['a line break', 'abc\r\nX-Injected: 1'],
		['a space', 'abc def'],
		['padding in the middle', 'ab=c'],
		['a quote', 'abc"def'],
	])('%s is INVALID_TOKEN_RESPONSE', (_, token) => {
		expect(() => toTokenSet({ access_token: token }, receipt)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN_RESPONSE', message: expect.stringMatching(/RFC 6750/) }));
	});

	it.each([
		['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig-_'],
		['every b64token character, with padding', 'AZaz09-._~+/=='],
	])('%s is accepted', (_, token) => {
		expect(toTokenSet({ access_token: token }, receipt).accessToken).toBe(token);
	});

	it('setTokens with such a token rejects and leaves the session as it was', async () => {
		const { auth } = keeper();
		await auth.login(ALICE);
		const before = auth.session;
		await expect(auth.setTokens({ access_token: 'abc€def' })).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE' });
		expect(auth.session).toBe(before);
		const response = await auth.fetch(`${API}/me`);
		expect(response.status).toBe(200);
	});

	it('a refresh answering such a token is refused: the session keeps its token, requests still work', async () => {
		const { auth } = keeper();
		await auth.login(ALICE);
		const before = auth.session;
		msw.use(http.post(`${API}/auth/refresh`, () => HttpResponse.json({ access_token: 'abc\u0007def', refresh_token: 'r2', expires_in: 300 }), { once: true }));
		await expect(auth.refresh()).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE' });
		expect(auth.session.accessToken).toBe(before.accessToken);
		expect((await auth.fetch(`${API}/me`)).status).toBe(200);
		expect(server.calls.resource).toBeGreaterThan(0);
	});
});
