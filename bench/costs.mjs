// What each behaviour costs an app: the app entries of the size budgets bundled from the sources by esbuild
// (as Vite builds, minified), cut into the behaviours of the SDK (each a few source files, one concern each),
// and, for each behaviour, the gzip -9 bytes the app would save without it: the whole bundle's gzip minus the
// gzip of the bundle with that behaviour's code cut out. Cut-out bytes count only what is left to compress,
// so the figures do not add up to the whole (the parts share words) and a behaviour that other code calls
// could not really be dropped alone: they say where the bytes are, not what to delete.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { APPS } from './apps.mjs';

const root = new URL('..', import.meta.url).pathname;

/** The behaviours, by the source files that carry them (the layout of src/ is the architecture). */
export const BEHAVIOURS = [
	['session state machine and the keeper (tickets, events, start-up, login, logout, wake-up re-reads)', /^src\/(keeper|session|internal|index)\.ts$/],
	['refresh (single flight, tab lock, adopt, compare-and-swap, late answers revoked)', /^src\/refresh\.ts$/],
	['retry gate and failure classes (backoff, Retry-After, halt, offline)', /^src\/(retry-gate|failures)\.ts$/],
	['timing (lead, usable-until, due, clock skew)', /^src\/timing\.ts$/],
	['request path (attach to trusted origins only, one replay after a 401 of the same session)', /^src\/(request-path|http)\.ts$/],
	['destinations and trusted origins (<base href>, other realms, redirects, "null" origins)', /^src\/(destination|origins)\.ts$/],
	['token sets (answers normalised, RFC 6750 syntax, exp/iat, newer-session order)', /^src\/tokens\.ts$/],
	['jwt-decode', /jwt-decode/],
	['endpoints and errors (password preset, token and revocation calls, coded errors)', /^src\/(endpoints|errors)\.ts$/],
	['the object check the parts share (values.ts)', /^src\/values\.ts$/],
	['storage (IndexedDB, web storage and memory adapters, compare-and-swap writes)', /^src\/storage\//],
	['idb-keyval', /idb-keyval/],
	['tabs (BroadcastChannel, Web Locks)', /^src\/tabs\.ts$/],
	['wake-ups (timers that survive sleep, visibility, online, pageshow)', /^src\/schedule\.ts$/],
	['options checked (a TypeError naming each bad option)', /^src\/options\.ts$/],
	['oauth2(): discovery (RFC 8414, OIDC discovery)', /^src\/oauth2\/discovery\.ts$/],
	['oauth2(): redirect login (PKCE, state, nonce, RFC 9207 iss, callback)', /^src\/oauth2\/(redirect|pkce|form)\.ts$/],
	['oauth2(): preset (token, refresh, revocation and end-session endpoints)', /^src\/oauth2\/preset\.ts$/],
	['oauth2(): ID token checks (OIDC Core 3.1.3.7)', /^src\/oauth2\/id-token\.ts$/],
	['dpop(): keys (WebCrypto, stored with the tokens)', /^src\/dpop\/(key|thumbprint)\.ts$/],
	['dpop(): proofs and nonces', /^src\/dpop\/(proof|nonces|encoding)\.ts$/],
	['dpop(): binding to the keeper (token endpoint, resource requests, challenges)', /^src\/dpop\/(binding|dpop|seam|index)\.ts$/],
	["the ky client (createApi, kyHooks) and the script bundle's auth.api", /^src\/(ky\/|browser\.ts$)/],
	['ky', /node_modules\/ky\//],
];

const SCRIPT = 'script-tag bundle, everything';

const gzip = (code) => gzipSync(code, { level: 9 }).length;
const MARK = /\/\*! @@(\S+) \*\/\n?/g;

/** An app entry's text, importing the sources rather than dist/. */
export const sourceOf = (name) => APPS[name].replaceAll(/\/dist\/(index|dpop|ky)\.js/g, (_, entry) => `/src/${entry === 'index' ? 'index' : `${entry}/index`}.ts`);

/**
 * Bundles an app entry (or the script bundle) from the sources, minified as an app's esbuild would; with `marked`, each
 * module opened by a marker comment that survives minification.
 */
export async function bundleOf(name, { marked = false } = {}) {
	const script = name === SCRIPT;
	const marker = {
		name: 'marker',
		setup(build) {
			build.onLoad({ filter: /\.[cm]?[jt]s$/ }, ({ path }) => ({
				contents: `/*! @@${path.replace(root, '')} */\n${readFileSync(path, 'utf8')}`,
				loader: path.endsWith('.ts') ? 'ts' : 'js',
			}));
		},
	};
	const result = await build({
		stdin: { contents: script ? `export * from ${JSON.stringify(`${root}src/browser.ts`)};` : sourceOf(name), resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
		bundle: true,
		minify: true,
		...(marked && { legalComments: 'inline', plugins: [marker] }),
		format: script ? 'iife' : 'esm',
		...(script && { globalName: 'TokenKeeper' }),
		platform: 'browser',
		target: 'es2020',
		write: false,
		logLevel: 'silent',
	});
	return result.outputFiles[0].text;
}

/** The app's bundle cut at the markers: [file, code] in bundle order; what precedes the first marker is the app's own. */
function segments(marked) {
	const parts = [];
	let file = 'app entry';
	let from = 0;
	for (const match of marked.matchAll(MARK)) {
		parts.push([file, marked.slice(from, match.index)]);
		file = match[1];
		from = match.index + match[0].length;
	}
	parts.push([file, marked.slice(from)]);
	return parts;
}

/**
 * For each app entry named (default: the password, oauth2() and DPoP apps, and the script bundle), its gzip and what each behaviour costs in it:
 * `{ [app]: { gzip, code, behaviours: [{ behaviour, minified, gzip }] } }` (`code`: the bundle, markers taken out), the
 * behaviours the app does not carry left out.
 */
export async function measureCosts(names = ['password login + auth.fetch', 'oauth2() redirect login + auth.fetch', 'oauth2() + dpop() + auth.fetch', SCRIPT]) {
	const results = {};
	for (const name of names) {
		const parts = segments(await bundleOf(name, { marked: true }));
		const code = parts.map(([, part]) => part).join('');
		const whole = gzip(code);
		const behaviours = [];
		for (const [behaviour, files] of [...BEHAVIOURS, ['other (not listed above)', null]]) {
			const inside = ([file]) => (files ? files.test(file) : !BEHAVIOURS.some(([, f]) => f.test(file)) && file !== 'app entry');
			const minified = parts.filter(inside).reduce((sum, [, code]) => sum + code.length, 0);
			if (minified === 0) continue;
			const rest = parts.filter((part) => !inside(part)).map(([, code]) => code);
			behaviours.push({ behaviour, minified, gzip: whole - gzip(rest.join('')) });
		}
		results[name] = { gzip: whole, code, behaviours };
	}
	return results;
}
