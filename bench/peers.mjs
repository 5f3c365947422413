// The shipped size of the SDKs a user would pick instead, bundled the same way as tokenkeeper:
// everything they import inside, minified, gzip and brotli, through rollup + terser and through esbuild. Installed on demand into a temporary
// folder from the npm registry; never a dependency of this package.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esbuildBundle } from './apps.mjs';
import { bundle } from './sizes.mjs';

export const PEERS = ['@auth0/auth0-spa-js', '@supabase/auth-js', 'oidc-client-ts', 'keycloak-js'];

const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });

/** Installs the newest version of `name` whose dependencies the registry has (a mirror may lag behind). */
function install(name, folder) {
	const versions = JSON.parse(npm(['view', name, 'versions', '--json'], folder))
		.filter((version) => !version.includes('-'))
		.reverse();
	for (const version of versions.slice(0, 8)) {
		try {
			npm(['install', `${name}@${version}`], folder);
			return true;
		} catch {
			// a dependency of this version is missing: try the one before
		}
	}
	return false;
}

export async function measurePeers() {
	const folder = mkdtempSync(join(tmpdir(), 'tokenkeeper-peers-'));
	try {
		writeFileSync(join(folder, 'package.json'), '{"private":true}');
		const results = {};
		for (const name of PEERS) {
			if (!install(name, folder)) {
				results[name] = { skipped: 'no version of it installs from this registry' };
				continue;
			}
			const { version } = JSON.parse(readFileSync(join(folder, 'node_modules', name, 'package.json'), 'utf8'));
			const source = `import * as peer from '${name}'; globalThis.peer = peer;`; // everything it exports, default included
			results[`${name}@${version}`] = { rollup: await bundle(source, { resolveFrom: folder }), esbuild: await esbuildBundle(source, { resolveDir: folder }) };
		}
		return results;
	} catch (error) {
		return { skipped: `could not install the peers: ${error.message}` };
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}
