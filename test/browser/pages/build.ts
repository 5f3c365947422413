import { build } from 'esbuild';
import { http, HttpResponse } from 'msw';

const root = new URL('../../..', import.meta.url).pathname;

/** Builds a test page's script with esbuild (production React and Vue, one file) and serves it at `/<name>.html`. */
export function pageHandlers(name: string, entry: string) {
	let script: Promise<string> | undefined;
	const bundle = () =>
		(script ??= build({
			entryPoints: [new URL(entry, import.meta.url).pathname],
			absWorkingDir: root,
			bundle: true,
			format: 'iife',
			write: false,
			minify: true,
			logLevel: 'silent',
			define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
		}).then((result) => result.outputFiles[0]!.text));
	const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>${name}</title><div id="root"></div><script src="/${name}.js"></script>`;
	return [
		http.get(`*/${name}.html`, () => new HttpResponse(html, { headers: { 'content-type': 'text/html' } })),
		http.get(`*/${name}.js`, async () => new HttpResponse(await bundle(), { headers: { 'content-type': 'text/javascript' } })),
	];
}
