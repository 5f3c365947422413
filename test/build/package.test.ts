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
	});

	it('ESM and CJS keep ky, jwt-decode and idb-keyval as imports; the main entry does not pull in the test kit', () => {
		const esm = dist('index.js');
		for (const dependency of ['ky', 'jwt-decode', 'idb-keyval']) {
			expect(esm).toContain(`from '${dependency}'`);
			expect(dist('index.cjs')).toContain(`require('${dependency}')`);
		}
		expect(esm).not.toMatch(/class Ky\b|InvalidTokenError|createStore\(/);
		expect(esm).not.toMatch(/msw|testing/);
		expect(dist('testing.js')).toContain(`from 'msw'`);
	});

	it('ships types for both conditions', () => {
		for (const file of ['index.d.ts', 'index.d.cts']) {
			const types = dist(file);
			expect(types).toMatch(/declare function createTokenKeeper/);
			expect(types).toMatch(/TokenKeeperOptions/);
			expect(types.replace(/\/\*[\s\S]*?\*\//g, '')).not.toMatch(/\bany\b/); // no `any` in the public types
		}
	});
});
