import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineAvailable, engineLabel, login, useBrowser } from './support.js';

// What each engine's fetch really does with the Authorization header on a redirect to another origin.
const seen: IncomingHttpHeaders[] = [];
const elsewhere = createServer((request, response) => {
	seen.push(request.headers);
	response.writeHead(200, {
		'content-type': 'application/json',
		'access-control-allow-origin': '*',
		'access-control-allow-headers': 'Authorization', // were the header forwarded, nothing would stop it here
	});
	response.end(JSON.stringify({ authorization: request.headers.authorization ?? null }));
});
let elsewhereUrl = '';

const harness = useBrowser([http.get('*/leave', () => new HttpResponse(null, { status: 302, headers: { location: `${elsewhereUrl}/collect` } }))]);

describe.runIf(engineAvailable)(`redirects, in ${engineLabel}`, () => {
	beforeAll(async () => {
		await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
		elsewhereUrl = `http://localhost:${(elsewhere.address() as AddressInfo).port}`; // another origin than 127.0.0.1
	});
	afterAll(() => new Promise((resolve) => elsewhere.close(resolve)));

	it('a trusted request redirected to another origin arrives there without the token', async () => {
		harness.server.reset();
		const profile = await harness.profile();
		const tab = await harness.tab(profile, { name: 'redirects' });
		await login(tab);
		const answer = await tab.evaluate(async () => {
			const response = await window.auth.fetch('/leave');
			return { redirected: response.redirected, url: response.url, body: (await response.json()) as unknown };
		});
		expect(answer.redirected).toBe(true);
		expect(answer.url).toBe(`${elsewhereUrl}/collect`);
		expect(answer.body).toEqual({ authorization: null });
		expect(seen.length).toBeGreaterThan(0);
		expect(seen.every((headers) => headers.authorization === undefined)).toBe(true);
		await profile.close();
	});
});
