// Speed in Node: request overhead against plain fetch and plain ky, the refresh storm, and memory.
// Every figure is a ratio against a baseline measured in the same run, on the same server.
import { createServer } from 'node:http';
import ky from 'ky';
import { Agent, setGlobalDispatcher } from 'undici';
import { createTokenKeeper } from '../dist/index.js';
import { createApi } from '../dist/ky.js';
import { createMockAuthServer, startMockHttpServer } from '../dist/testing.js';

const now = () => performance.now();
/** A JWT that never expires, as the token every request carries. */
const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsImV4cCI6OTk5OTk5OTk5OX0.c2ln';
const drain = (response) => response.arrayBuffer();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A bare resource server: 200 and a small JSON body, whatever the token. */
async function resourceServer() {
	const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Runs `once` n times, sequentially or all at once (ms). */
async function time(once, n, concurrent) {
	const started = now();
	if (concurrent) await Promise.all(Array.from({ length: n }, once));
	else for (let index = 0; index < n; index++) await once();
	return now() - started;
}

/** Baseline and keeper in alternating rounds (so that the machine's moods hit both alike); medians (ms). */
async function compare(baseline, keeper, n, concurrent, rounds = 5) {
	const times = { baseline: [], keeper: [] };
	await time(baseline, 200, concurrent); // warm up both
	await time(keeper, 200, concurrent);
	for (let round = 0; round < rounds; round++) {
		times.baseline.push(await time(baseline, n, concurrent));
		times.keeper.push(await time(keeper, n, concurrent));
	}
	const base = median(times.baseline);
	const ours = median(times.keeper);
	return { baselineMs: base, keeperMs: ours, ratio: ours / base };
}

export async function measureRequests({ n = 5000 } = {}) {
	// A pool of 64 connections, as a browser keeps a few per origin: 5,000 sockets at once would overflow
	// the machine's listen queue, and the figures would measure dropped connections, not the SDK.
	setGlobalDispatcher(new Agent({ connections: 64 }));
	const resource = await resourceServer();
	const auth = createTokenKeeper({ apiUrl: resource.url, storage: 'memory', crossTab: false });
	await auth.setTokens({ access_token: token, expires_in: 3600 });
	const api = createApi(auth);
	const headers = { authorization: `Bearer ${token}` };
	const plainKy = ky.create({ prefixUrl: resource.url, headers, retry: 0, timeout: false });
	const cases = {
		fetch: [() => fetch(`${resource.url}/me`, { headers }).then(drain), () => auth.fetch(`${resource.url}/me`).then(drain)],
		ky: [() => plainKy.get('me').arrayBuffer(), () => api.get('me', { retry: 0, timeout: false }).arrayBuffer()],
	};
	const results = {};
	for (const [name, [baseline, keeper]] of Object.entries(cases)) {
		for (const concurrent of [false, true]) results[`${name} ${concurrent ? 'concurrent' : 'sequential'}`] = await compare(baseline, keeper, n, concurrent);
	}
	auth.destroy();
	await resource.close();
	return results;
}

/**
 * What the SDK itself adds to a request, in microseconds, with the network taken out: the same calls against
 * an in-process fetch that answers at once. Network timings on a shared machine move by more than this.
 */
export async function measureAddedCost({ n = 20000, rounds = 7 } = {}) {
	const origin = 'http://127.0.0.1:1';
	const answer = () => Promise.resolve(new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }));
	const auth = createTokenKeeper({ apiUrl: origin, storage: 'memory', crossTab: false, fetch: answer });
	await auth.setTokens({ access_token: token, expires_in: 3600 });
	const api = createApi(auth);
	const headers = { authorization: `Bearer ${token}` };
	const plainKy = ky.create({ prefixUrl: origin, headers, retry: 0, timeout: false, fetch: answer });
	const cases = {
		fetch: [() => answer(`${origin}/me`, { headers }).then(drain), () => auth.fetch(`${origin}/me`).then(drain), n],
		ky: [() => plainKy.get('me').arrayBuffer(), () => api.get('me', { retry: 0, timeout: false }).arrayBuffer(), n / 4], // ky costs ~100 µs a call, mostly garbage: more rounds below
	};
	const results = {};
	for (const [name, [baseline, keeper, count]] of Object.entries(cases)) {
		const { baselineMs, keeperMs } = await compare(baseline, keeper, count, false, name === 'ky' ? rounds * 2 + 1 : rounds);
		results[name] = { baselineUs: (baselineMs * 1000) / count, keeperUs: (keeperMs * 1000) / count, addedUs: ((keeperMs - baselineMs) * 1000) / count };
	}
	auth.destroy();
	return results;
}

/** 1,000 requests meet an expired token at once: how many refreshes, and how long against one refresh + one request. */
export async function measureStorm({ n = 1000 } = {}) {
	const mock = createMockAuthServer({ origin: '*' });
	const running = await startMockHttpServer(mock);
	const endpoints = { login: '/auth/login', refresh: '/auth/refresh' };
	const make = () => createTokenKeeper({ apiUrl: running.url, endpoints, storage: 'memory', crossTab: false });
	const expire = async (auth) => {
		await auth.login({ username: 'alice', password: 'wonderland' });
		mock.setClockOffset(0);
		const tokens = await mock.issueTokens();
		// an already expired access token, with a good refresh token
		const expired = await mock.signAccessToken({ sub: 'alice', iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 });
		await auth.setTokens({ access_token: expired, refresh_token: tokens.refresh_token });
	};
	// the reference: one refresh, then one request, alone
	const singles = [];
	for (let round = 0; round < 5; round++) {
		const auth = make();
		await expire(auth);
		const started = now();
		await (await auth.fetch(`${running.url}/me`)).arrayBuffer();
		singles.push(now() - started);
		auth.destroy();
	}
	// the same burst with a valid token: what 1,000 requests cost without any refresh
	const bursts = [];
	for (let round = 0; round < 3; round++) {
		const auth = make();
		await auth.login({ username: 'alice', password: 'wonderland' });
		const started = now();
		await Promise.all(Array.from({ length: n }, () => auth.fetch(`${running.url}/me`).then((response) => response.arrayBuffer())));
		bursts.push(now() - started);
		auth.destroy();
	}
	const storms = [];
	let refreshes = 0;
	for (let round = 0; round < 3; round++) {
		const auth = make();
		await expire(auth);
		const before = mock.calls.refresh;
		const started = now();
		const responses = await Promise.all(Array.from({ length: n }, () => auth.fetch(`${running.url}/me`).then((response) => response.status)));
		storms.push(now() - started);
		refreshes = mock.calls.refresh - before;
		if (responses.some((status) => status !== 200)) throw new Error('a storm request failed');
		auth.destroy();
	}
	await running.close();
	const single = median(singles);
	const storm = Math.min(...storms);
	const burst = Math.min(...bursts);
	return { requests: n, refreshes, singleMs: single, burstMs: burst, stormMs: storm, ratioToSingle: storm / single, ratioToBurstPlusRefresh: storm / (burst + single), reuses: mock.reuses };
}

/** Heap after 10,000 requests and 1,000 refresh cycles, against the heap after the first 100 of each. */
export async function measureMemory() {
	if (typeof globalThis.gc !== 'function') return { skipped: 'run node with --expose-gc' };
	const mock = createMockAuthServer({ origin: 'https://api.bench.test' });
	const { setupServer } = await import('msw/node');
	const msw = setupServer(...mock.handlers);
	msw.listen({ onUnhandledRequest: 'error' });
	const auth = createTokenKeeper({ apiUrl: 'https://api.bench.test', endpoints: { login: '/auth/login', refresh: '/auth/refresh' }, storage: 'memory', crossTab: false });
	await auth.login({ username: 'alice', password: 'wonderland' });
	const heap = () => {
		globalThis.gc();
		globalThis.gc();
		return process.memoryUsage().heapUsed;
	};
	const work = async (requests, refreshes) => {
		for (let index = 0; index < requests; index++) await (await auth.fetch('https://api.bench.test/me')).arrayBuffer();
		for (let index = 0; index < refreshes; index++) await auth.refresh();
	};
	await work(100, 100);
	const early = heap();
	await work(9900, 900);
	const late = heap();
	auth.destroy();
	msw.close();
	return { earlyBytes: early, lateBytes: late, growthBytes: late - early, ratio: late / early };
}
