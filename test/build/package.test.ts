import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

// These tests read dist/: `npm test` builds it first.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (file: string) => readFileSync(new URL(`../../dist/${file}`, import.meta.url), 'utf8');
/** Runs a script in a fresh Node process: no DOM, no test globals. */
const node = (args: string[], script: string) => execFileSync(process.execPath, [...args, script], { cwd: root, encoding: 'utf8' }).trim();

const probe = `typeof m.createTokenKeeper + typeof m.oauth2 + typeof m.TokenKeeperError + (new m.TokenKeeperError('NETWORK_ERROR', 'x') instanceof Error)`;

describe('the built package', () => {
	it('imports as ESM in plain Node without throwing, and a keeper works there in memory', () => {
		const out = node(
			['--input-type=module', '-e'],
			`
			const m = await import('tokenkeeper');
			const auth = m.createTokenKeeper({ apiUrl: 'https://api.example.com' });
			await auth.ready;
			console.log(${probe}, auth.session.status);
			auth.destroy();`,
		);
		expect(out).toBe('functionfunctionfunctiontrue unauthenticated');
	});

	it('requires as CommonJS in plain Node without throwing', () => {
		expect(node(['-e'], `const m = require('tokenkeeper'); console.log(${probe});`)).toBe('functionfunctionfunctiontrue');
	});

	it('the test kit is its own subpath, in both formats', () => {
		expect(node(['-e'], `console.log(typeof require('tokenkeeper/testing').createMockAuthServer)`)).toBe('function');
		expect(node(['--input-type=module', '-e'], `const m = await import('tokenkeeper/testing'); console.log(typeof m.createMockAuthServer, typeof m.startMockHttpServer)`)).toBe('function function');
	});

	it('the script bundle defines the global TokenKeeper with no window and imports nothing', () => {
		const code = dist('tokenkeeper.iife.min.js');
		expect(code).not.toMatch(/\brequire\(|^import |\bimport\s*\(/m);
		const context: Record<string, unknown> = { console, URL, AbortController, AbortSignal, Headers, Request, Response, TextEncoder, TextDecoder, setTimeout, clearTimeout, crypto }; // a worker-like global: no window, document, IndexedDB
		vm.runInNewContext(code, context);
		const global = context.TokenKeeper as Record<string, unknown>;
		expect(typeof global.createTokenKeeper).toBe('function');
		expect(typeof global.oauth2).toBe('function');
		expect(typeof global.TokenKeeperError).toBe('function');
		// The bundle carries ky (a page has none of its own): its keepers keep auth.api, prefixed with apiUrl.
		const create = global.createTokenKeeper as (options: object) => { api: { get(url: string): unknown }; destroy(): void };
		const auth = create({ apiUrl: 'https://api.example.com', storage: 'memory', crossTab: false });
		expect(typeof auth.api.get).toBe('function');
		expect(typeof global.createApi).toBe('function');
		auth.destroy();
	});

	it("the core does not import ky; tokenkeeper/ky imports the app's own ky; jwt-decode and idb-keyval stay imports; the main entry does not pull in the test kit", () => {
		const esm = dist('index.js');
		for (const dependency of ['jwt-decode', 'idb-keyval']) {
			expect(esm).toContain(`from '${dependency}'`);
			expect(dist('index.cjs')).toContain(`require('${dependency}')`);
		}
		for (const file of ['index.js', 'index.cjs']) expect(dist(file)).not.toMatch(/['"]ky['"]/);
		expect(dist('ky.js')).toMatch(/from 'ky'/);
		expect(dist('ky.cjs')).toContain(`require('ky')`);
		for (const file of ['index.js', 'ky.js']) expect(dist(file)).not.toMatch(/class Ky\b|InvalidTokenError|createStore\(/);
		expect(esm).not.toMatch(/msw|testing/);
		expect(dist('testing.js')).toContain(`from 'msw'`);
	});

	it('a CommonJS app creates a keeper, signs in against the test kit over HTTP and calls its API, with auth.fetch and tokenkeeper/ky', () => {
		// Node 20.19+ loads ky (ES modules only) through require(); see the README for older Node and Jest.
		const out = JSON.parse(execFileSync(process.execPath, ['test/build/commonjs/app.cjs'], { cwd: root, encoding: 'utf8' }));
		const me = { sub: 'alice', scope: 'read write' };
		expect(out).toEqual({ status: 'authenticated', viaFetch: me, viaKy: me, afterRefresh: me, signedOut: 401, calls: { login: 1, refresh: 1, revoke: 1, resource: 4 }, errorClass: true });
	}, 30_000);

	it('tokenkeeper/ky from a CommonJS loader that cannot require ES modules fails with a message that says what to do', () => {
		// --no-experimental-require-module: Node 20 before 20.19, or Jest's loader before Node 24.9
		const out = node(['--no-experimental-require-module', '-e'], `try { require('tokenkeeper/ky'); } catch (error) { console.log(error.message, error.cause.code); }`);
		expect(out).toMatch(/^tokenkeeper\/ky could not require ky, which ships ES modules only\..*Node 20\.19\+.*Jest.*ERR_REQUIRE_ESM$/);
	});

	it('the types check from a .cts file under module node16', () => {
		let output = '';
		try {
			execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/build/commonjs/tsconfig.json'], { cwd: root, encoding: 'utf8' });
		} catch (error) {
			output = String((error as { stdout?: string }).stdout);
		}
		// msw's own CommonJS types import an ES-module-only package (TS1479 inside node_modules/msw): not ours to mend.
		const ours = output.split('\n').filter((line) => /error TS/.test(line) && !line.startsWith('node_modules/msw/'));
		expect(ours).toEqual([]);
	}, 60_000); // a TypeScript run: seconds on a busy machine

	it('ships types for both conditions', () => {
		for (const file of ['index.d.ts', 'index.d.cts', 'ky.d.ts', 'ky.d.cts']) {
			const types = dist(file);
			expect(types).toMatch(file.startsWith('ky') ? /declare function createApi/ : /declare function createTokenKeeper/);
			expect(types).toMatch(file.startsWith('ky') ? /declare function kyHooks/ : /TokenKeeperOptions/);
			expect(types.replace(/\/\*[\s\S]*?\*\//g, '')).not.toMatch(/\bany\b/); // no `any` in the public types
		}
	});
});
