// Serves the demo on 127.0.0.1: the pages, the built SDK, and the mock auth server of tokenkeeper/testing
// over real HTTP. The server's state lives in this process, so every tab talks to the same server.
// Usage: npm run demo  (PORT=8080 npm run demo to choose the port). Ctrl-C stops it.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { build } from 'esbuild';
import { http, HttpResponse } from 'msw';
import { createMockAuthServer, startMockHttpServer } from '../dist/testing.js';

const root = new URL('..', import.meta.url);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** Files the pages may load: the demo itself, the built SDK, and the three dependencies for the module page. */
const files = {
	'/': 'demo/index.html',
	'/index.html': 'demo/index.html',
	'/module.html': 'demo/module.html',
	'/app.js': 'demo/app.js',
	'/style.css': 'demo/style.css',
	'/favicon.svg': 'demo/favicon.svg',
	'/react.html': 'demo/react.html',
	'/tokenkeeper.iife.min.js': 'dist/tokenkeeper.iife.min.js',
};
const allowedPrefixes = ['/dist/', '/node_modules/ky/distribution/', '/node_modules/jwt-decode/build/esm/', '/node_modules/idb-keyval/dist/'];

const serveFile = async (path) => {
	const file = files[path] ?? (allowedPrefixes.some((prefix) => path.startsWith(prefix)) && !path.includes('..') ? path.slice(1) : undefined);
	if (file === undefined) return undefined;
	try {
		return new HttpResponse(await readFile(new URL(file, root)), { headers: { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' } });
	} catch {
		return new HttpResponse('not found', { status: 404 });
	}
};

/** The React page's script: demo/react-app.jsx and what it imports (the built package, React), bundled once, on first request. */
let reactApp;
const buildReactApp = () =>
	(reactApp ??= build({
		entryPoints: [new URL('react-app.jsx', import.meta.url).pathname],
		absWorkingDir: new URL('.', root).pathname,
		bundle: true,
		format: 'esm',
		jsx: 'automatic',
		minify: true,
		sourcemap: 'inline',
		write: false,
		define: { 'process.env.NODE_ENV': '"production"' },
		logLevel: 'warning',
	}).then((result) => result.outputFiles[0].contents));
const reactScript = http.get('*/react-app.js', async () => new HttpResponse(await buildReactApp(), { headers: { 'content-type': 'text/javascript', 'cache-control': 'no-store' } }));

const mock = createMockAuthServer({ origin: '*', accessTokenTtl: 30 });
const state = { lifetime: 30, offline: false, skewMinutes: 0 };

/** Server controls for the page: token lifetime, offline, clock skew, revoke every session. */
const control = http.post('*/demo/control', async ({ request }) => {
	const change = await request.json().catch(() => ({}));
	if (typeof change.lifetime === 'number' && change.lifetime > 0) mock.setAccessTokenTtl((state.lifetime = change.lifetime));
	if (typeof change.skewMinutes === 'number') mock.setClockOffset((state.skewMinutes = change.skewMinutes) * 60_000);
	if (typeof change.offline === 'boolean') {
		state.offline = change.offline;
		mock.clearFaults();
		if (state.offline) for (const target of ['login', 'refresh', 'revoke', 'resource']) mock.fail(target, 'network');
	}
	if (change.revoke === true) mock.revokeAll();
	return HttpResponse.json({ ...state, calls: mock.calls, reuses: mock.reuses });
});
const status = http.get('*/demo/control', () => HttpResponse.json({ ...state, calls: mock.calls, reuses: mock.reuses }));
const statics = http.get('*', async ({ request }) => serveFile(new URL(request.url).pathname));

const server = { ...mock, handlers: [control, status, reactScript, ...mock.handlers, statics] };
const wanted = Number(process.env.PORT ?? 5175);
const running = await startMockHttpServer(server, { port: wanted }).catch((error) => {
	if (error.code !== 'EADDRINUSE') throw error;
	console.log(`port ${wanted} is busy, taking a free one`);
	return startMockHttpServer(server, { port: 0 });
});

console.log(`tokenkeeper demo: ${running.url}/`);
console.log(`  module import:   ${running.url}/module.html`);
console.log(`  React:           ${running.url}/react.html`);
console.log('  Ctrl-C stops it.');
const stop = async () => {
	await running.close();
	process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
