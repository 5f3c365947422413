import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// These tests read dist/: `npm test` builds it first.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (file: string) => readFileSync(new URL(`../../dist/${file}`, import.meta.url), 'utf8');
const importsOf = (code: string) => [...code.matchAll(/(?:from|require\()\s*['"]([^'"]+)['"]/g)].map((match) => match[1]);

/** The entry minified with the framework left out, and gzipped at level 9: what an app adds by importing it. */
async function gzipped(entry: string, framework: string) {
	const result = await build({ entryPoints: [`${root}/dist/${entry}.js`], bundle: true, minify: true, format: 'esm', write: false, external: [framework], logLevel: 'silent' });
	return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
}

describe('the framework entries', () => {
	it('import only their framework: nothing of the core at run time, no shared chunk', () => {
		expect(importsOf(dist('react.js'))).toEqual(['react']);
		expect(importsOf(dist('react.cjs'))).toEqual(['react']);
		expect(importsOf(dist('vue.js'))).toEqual(['vue']);
		expect(importsOf(dist('vue.cjs'))).toEqual(['vue']);
	});

	it('leave the core bundle as it was: it names neither framework', () => {
		for (const file of ['index.js', 'index.cjs', 'tokenkeeper.iife.min.js']) expect(dist(file)).not.toMatch(/\b(react|vue)\b/i);
	});

	it('stay under 600 B gzipped each', async () => {
		expect(await gzipped('react', 'react')).toBeLessThan(600);
		expect(await gzipped('vue', 'vue')).toBeLessThan(600);
	});

	it('load in plain Node, ESM and CommonJS, with their framework', () => {
		const out = execFileSync(
			process.execPath,
			[
				'--input-type=module',
				'-e',
				`const r = await import('tokenkeeper/react'); const v = await import('tokenkeeper/vue');
				const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
				const rc = require('tokenkeeper/react'), vc = require('tokenkeeper/vue');
				console.log([r.useSession, r.RequireSession, r.TokenKeeperProvider, r.useTokenKeeper, v.useSession, v.tokenKeeperPlugin, v.requireSession, rc.useSession, vc.useSession].map((f) => typeof f).join());`,
			],
			{ cwd: root, encoding: 'utf8' },
		).trim();
		expect(out).toBe(Array(9).fill('function').join());
	});
});
