import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const entries = { index: 'src/index.ts', testing: 'src/testing/index.ts', ky: 'src/ky/index.ts', react: 'src/react/index.ts', vue: 'src/vue/index.ts', dpop: 'src/dpop/index.ts' };
/** The runtime dependencies stay imports in the ESM and CJS builds; ky is the app's own (an optional peer), never inside. */
const external = [/^ky(\/|$)/, /^jwt-decode(\/|$)/, /^idb-keyval(\/|$)/, /^msw(\/|$)/, /^node:/, /^react(\/|$)/, /^react-dom(\/|$)/, /^vue(\/|$)/, /^vue-router(\/|$)/, /^tokenkeeper(\/|$)/];
/**
 * ky ships ES modules only, and so do its types: a .d.cts file names them through import types with
 * `resolution-mode: import` (TypeScript 5.3+), or TypeScript under node16 refuses the import (TS1479).
 */
const kyTypesAsImport = {
	name: 'ky-types-as-import',
	renderChunk: (code, _chunk, options) =>
		options.entryFileNames.endsWith('.d.cts')
			? code.replace(/^import \{ (.*) \} from 'ky';$/m, (_line, names) =>
					names
						.split(', ')
						.map((name) => `type ${name} = import('ky', { with: { 'resolution-mode': 'import' } }).${name};`)
						.join('\n'),
				)
			: null,
};
/** tokenkeeper/ky from CommonJS: a clear error when ky is missing, or when this loader cannot require an ES module. */
const KY_REQUIRE = [
	"var ky; try { ky = require('ky'); } catch (error) { throw new Error(error && error.code === 'MODULE_NOT_FOUND' && /'ky'/.test(error.message)",
	"? 'tokenkeeper/ky builds on your own ky, which is not installed: npm install ky'",
	": 'tokenkeeper/ky could not require ky, which ships ES modules only. Node 20.19+ and 22.12+ require ES modules; in Jest (before Node 24.9), transform ky to CommonJS (see the README), or import tokenkeeper/ky from an ES module', { cause: error }); }",
].join(' '); // one line in place of one: the source map's lines still fit
const kyRequireExplained = {
	name: 'ky-require-explained',
	renderChunk: (code, chunk, options) => (options.format === 'cjs' && chunk.fileName === 'ky.cjs' ? { code: code.replace("var ky = require('ky');", KY_REQUIRE), map: null } : null),
};
const ts = () => typescript({ tsconfig: './tsconfig.build.json', noEmitOnError: true });

export default [
	{
		input: entries,
		external,
		plugins: [ts(), kyRequireExplained],
		output: [
			{ dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
			{ dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, exports: 'named', interop: 'compat' },
		],
	},
	{
		// For <script> pages: one file, its dependencies inside (ky 1 too, for `auth.api`), the global `TokenKeeper`.
		input: 'src/browser.ts',
		plugins: [nodeResolve({ browser: true }), ts(), terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } })],
		output: { file: 'dist/tokenkeeper.iife.min.js', format: 'iife', name: 'TokenKeeper', sourcemap: true },
	},
	{
		input: entries,
		// tokenkeeper/ky's types import the main entry's by the package's name: no types chunk shared by the
		// entries, which a .d.cts file could only reach as an ES module (TS1479 under node16).
		external: [...external, /^tokenkeeper$/, /^tokenkeeper\/dpop$/],
		plugins: [dts(), kyTypesAsImport],
		output: [
			{ dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' },
			{ dir: 'dist', format: 'es', entryFileNames: '[name].d.cts' },
		],
	},
];
