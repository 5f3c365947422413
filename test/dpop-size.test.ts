import { gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { type Plugin, rollup } from 'rollup';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The size budget of tokenkeeper/dpop (issue 15: at most 1,200 B gzip added to an app): the same app
// bundled from the sources with and without `dpop()`, its dependencies inside, minified by terser as
// the build does, gzip -9; the difference is what an app pays. Also the entry alone, for the record.

// Issue 15's target is 1,200 B, and the ceiling. With the keeper's integration (the binding: token endpoint proofs,
// the request path's proofs and nonce retry, the redirect login's key kept in IndexedDB) it measures 1,190 B here;
// scripts/size-budgets.mjs holds the "oauth2() + dpop() + auth.fetch" entry to the same 1,200 B.
const BUDGET = 1200;
const APP = `import { createTokenKeeper, oauth2 } from './src/index.ts';
export const auth = createTokenKeeper({ ...oauth2({ issuer: 'https://id.example.com', clientId: 'spa', redirectUri: location.origin + '/cb', scope: 'openid offline_access api' }), apiUrl: 'https://api.example.com' });`;
const WITH_DPOP = `${APP}\nimport { dpop } from './src/dpop/index.ts';\nexport const proofs = dpop();`;

/** The TypeScript sources, stripped of their types one file at a time (no type check: typecheck does that). */
const sources = (entry: string): Plugin => ({
	name: 'sources',
	resolveId: (id, importer) => {
		if (id === 'entry') return id;
		if (!importer?.includes('/src/') || !id.startsWith('.')) return null;
		return new URL(id.replace(/\.js$/, '.ts'), `file://${importer}`).pathname;
	},
	load: (id) => (id === 'entry' ? entry : null),
	transform: (code, id) =>
		id === 'entry' || id.endsWith('.ts')
			? ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true } }).outputText
			: null,
});

async function gzipped(entry: string, external: (id: string) => boolean = () => false): Promise<number> {
	const bundle = await rollup({
		input: 'entry',
		external,
		plugins: [sources(entry), nodeResolve({ browser: true }), terser({ ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } })],
		onwarn: () => {},
	});
	const { output } = await bundle.generate({ format: 'es' });
	await bundle.close();
	return gzipSync(output[0].code, { level: 9 }).length;
}

describe('the size of tokenkeeper/dpop', () => {
	it(`adds at most ${BUDGET} B gzip to an app`, async () => {
		const root = new URL('../', import.meta.url).pathname;
		const withDpop = await gzipped(WITH_DPOP.replaceAll("'./src/", `'${root}src/`));
		const without = await gzipped(APP.replaceAll("'./src/", `'${root}src/`));
		const alone = await gzipped(`export { dpop } from '${root}src/dpop/index.ts';`, (id) => id.endsWith('/src/errors.ts'));
		console.log(`tokenkeeper/dpop: +${withDpop - without} B gzip to an app (${without} -> ${withDpop}); the entry alone, TokenKeeperError outside: ${alone} B`);
		expect(withDpop - without).toBeGreaterThan(0);
		expect(withDpop - without).toBeLessThanOrEqual(BUDGET);
	}, 60_000);
});
