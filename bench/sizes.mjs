// Sizes: what tokenkeeper adds (ESM, dependencies external, minified) and what a <script> page downloads.
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { minify } from 'terser';

/** Minified as an app's bundler would: the same settings for every figure. */
const minified = async (code) => (await minify(code, { module: true, ecma: 2020, compress: { passes: 2 }, format: { comments: false } })).code;
const sizesOf = (code) => ({ bytes: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length });

/** Bundles `source` (an ES module text) the way an app's bundler would, minified. */
export async function bundle(source, { external = [], resolveFrom = process.cwd() } = {}) {
	const build = await rollup({
		input: 'entry',
		external,
		onwarn: () => undefined,
		plugins: [
			{ name: 'entry', resolveId: (id) => (id === 'entry' ? id : null), load: (id) => (id === 'entry' ? source : null) },
			nodeResolve({ browser: true, rootDir: resolveFrom, modulePaths: [`${resolveFrom}/node_modules`] }),
		],
	});
	const { output } = await build.generate({ format: 'es' });
	return sizesOf(await minified(output[0].code));
}

const DEPENDENCIES = ['ky', 'jwt-decode', 'idb-keyval'];
const isDependency = (id) => DEPENDENCIES.some((dependency) => id === dependency || id.startsWith(`${dependency}/`));
const root = new URL('..', import.meta.url).pathname;

export async function measureSizes() {
	const dist = `${root}dist/index.js`;
	return {
		/** Everything the main entry exports, dependencies external. */
		core: await bundle(`export * from ${JSON.stringify(dist)};`, { external: isDependency }),
		/** An app that only calls createTokenKeeper: what tree-shaking leaves. */
		coreWithoutOAuth: await bundle(`export { createTokenKeeper } from ${JSON.stringify(dist)};`, { external: isDependency }),
		/** The script bundle, as shipped. */
		script: sizesOf(await import('node:fs').then((fs) => fs.readFileSync(`${root}dist/tokenkeeper.iife.min.js`, 'utf8'))),
		/** The parts of ky, jwt-decode and idb-keyval the script bundle uses, alone: its floor. (ky's instance uses nearly all of ky.) */
		dependencies: await bundle(`export { default as ky } from 'ky'; export { jwtDecode } from 'jwt-decode'; export { del, get, promisifyRequest, set, update } from 'idb-keyval';`, {
			resolveFrom: root.replace(/\/$/, ''),
		}),
	};
}
