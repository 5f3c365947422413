import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const entries = { index: 'src/index.ts', testing: 'src/testing/index.ts' };
/** Sender-constrained tokens (RFC 9449), an entry of its own so that only apps that import it ship it. */
entries.dpop = 'src/dpop/index.ts';
/** The runtime dependencies stay imports in the ESM and CJS builds: an app that uses ky ships one copy. */
const external = [/^ky(\/|$)/, /^jwt-decode(\/|$)/, /^idb-keyval(\/|$)/, /^msw(\/|$)/, /^node:/];
const ts = () => typescript({ tsconfig: './tsconfig.build.json', noEmitOnError: true });

export default [
	{
		input: entries,
		external,
		plugins: [ts()],
		output: [
			{ dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
			{ dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, exports: 'named' },
		],
	},
	{
		// For <script> pages: one file, its dependencies inside, the global `TokenKeeper`.
		input: entries.index,
		plugins: [nodeResolve({ browser: true }), ts(), terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } })],
		output: { file: 'dist/tokenkeeper.iife.min.js', format: 'iife', name: 'TokenKeeper', sourcemap: true },
	},
	{
		input: entries,
		external,
		plugins: [dts()],
		output: [
			{ dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' },
			{ dir: 'dist', format: 'es', entryFileNames: '[name].d.cts' },
		],
	},
];
