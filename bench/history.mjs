// How the password app's size moved over the project's history: the same app entry built, by the same esbuild
// pipeline, from the sources of each step (read from git, so any clone with its history can measure the steps again),
// once with every dependency inside (what the app downloads) and once with them outside (tokenkeeper's own code).
// The steps are the ones the README's Performance section reports; the last is the working tree.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

/** The steps: a label and the commit whose `src/` is built (`null`: the working tree). */
export const STEPS = [
	['before the state machine (ky inside the core)', '7c6f933'],
	['the state machine', '492f6af'],
	['the edges hardened', '80e8998'],
	['ky out of the core', 'c06ce87'],
	["DPoP's hooks", '0696516'],
	['now', null],
];

const DEPENDENCIES = ['ky', 'jwt-decode', 'idb-keyval'];

/** The password app of the size budgets (bench/apps.mjs), importing `index.ts` from the sources under `src`. */
const passwordApp = (src) => `import { createTokenKeeper } from ${JSON.stringify(join(src, 'index.ts'))};
const apiUrl = 'https://api.example.com';
(async () => {
const auth = createTokenKeeper({ apiUrl, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' } });
await auth.login({ username: 'alice', password: 'wonderland' });
globalThis.me = await (await auth.fetch(apiUrl + '/me')).json();
globalThis.logout = () => auth.logout();
})();`;

async function measure(src, external) {
	const result = await build({
		stdin: { contents: passwordApp(src), resolveDir: root, loader: 'ts' },
		bundle: true,
		minify: true,
		format: 'esm',
		target: 'es2020',
		write: false,
		logLevel: 'silent',
		external,
		nodePaths: [join(root, 'node_modules')], // the steps' sources sit outside the repository: ky 1, as every step used
	});
	const code = result.outputFiles[0].text;
	return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/**
 * Each step's password app: `download` with the dependencies inside, `own` with them outside (minified bytes and
 * gzip -9). A step whose commit this clone lacks (a shallow clone) is `{ skipped }`.
 */
export async function measureHistory(steps = STEPS) {
	const results = [];
	for (const [label, commit] of steps) {
		let dir;
		try {
			let src = join(root, 'src');
			if (commit) {
				dir = mkdtempSync(join(tmpdir(), 'tokenkeeper-history-'));
				const archive = execFileSync('git', ['archive', commit, 'src'], { cwd: root, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
				execFileSync('tar', ['-x', '-C', dir], { input: archive });
				src = join(dir, 'src');
			}
			results.push({ label, commit, download: await measure(src, []), own: await measure(src, DEPENDENCIES) });
		} catch (error) {
			results.push({ label, commit, skipped: `not measurable here (${error.message.split('\n')[0]})` });
		} finally {
			if (dir) rmSync(dir, { recursive: true, force: true });
		}
	}
	return results;
}
