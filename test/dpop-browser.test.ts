import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { type Browser, chromium } from 'playwright-core';
import { type Plugin, rollup } from 'rollup';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDPoPProof } from '../src/testing/index.js';

// What the key's persistence rests on, in a real browser (Debian's Chromium): a non-extractable
// CryptoKey inside the key record survives IndexedDB and a BroadcastChannel to another tab, and the
// copy signs proofs that the test kit verifies against the first tab's thumbprint. The pages run
// tokenkeeper/dpop's own functions, bundled from the sources.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const API = 'https://api.example.com/me';

/** src/dpop's functions (test/dpop-seam.ts) as one browser script that sets `window.dpop`, the TypeScript stripped file by file. */
async function bundleDpop(): Promise<string> {
	const sources: Plugin = {
		name: 'sources',
		resolveId: (id, importer) => (importer && !importer.includes('/node_modules/') && id.startsWith('.') ? new URL(id.replace(/\.js$/, '.ts'), `file://${importer}`).pathname : null),
		transform: (code, id) =>
			id.endsWith('.ts') ? ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true } }).outputText : null,
	};
	const bundle = await rollup({ input: new URL('./dpop-seam.ts', import.meta.url).pathname, plugins: [sources, nodeResolve({ browser: true })] });
	const { output } = await bundle.generate({ format: 'iife', name: 'dpopEntry' });
	await bundle.close();
	return `${output[0].code}\nwindow.dpop = dpopEntry.dpopSeam;`;
}

let browser: Browser | undefined;
let server: Server | undefined;
let origin = '';

describe.runIf(existsSync(CHROMIUM) || process.env.CI)('the key record in Chromium', () => {
	beforeAll(async () => {
		const script = await bundleDpop();
		server = createServer((request, response) => {
			if (request.url === '/dpop.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
			response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>tab</title><script src="/dpop.js"></script>');
		});
		await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
	}, 60_000);
	afterAll(async () => {
		await browser?.close();
		server?.close();
		server?.closeAllConnections();
	});

	for (const algorithm of ['ES256', 'EdDSA'] as const) {
		it(`travels to another tab and survives IndexedDB, ${algorithm}, non-extractable all the way`, async () => {
			const context = await browser!.newContext();
			try {
				const [first, second] = [await context.newPage(), await context.newPage()];
				await Promise.all([first.goto(`${origin}/`), second.goto(`${origin}/`)]);
				// The second tab waits for the key on the channel, and signs with what it receives.
				const received = second.evaluate(
					({ url }) =>
						new Promise<{ proof: string; extractable: boolean }>((resolve) => {
							const channel = new BroadcastChannel('keys');
							channel.onmessage = async (event) => {
								const seam = window.dpop();
								const key = seam.restoreKey(event.data.key);
								resolve({ proof: await seam.proof({ key, method: 'GET', url, accessToken: 't', now: Date.now() }), extractable: key.privateKey.extractable });
							};
						}),
					{ url: API },
				);
				const sent = await first.evaluate(
					async ({ algorithm }) => {
						const key = await window.dpop({ algorithm }).newKey();
						const exported = await crypto.subtle.exportKey('jwk', key.privateKey).then(
							() => 'exported',
							(error: Error) => error.name,
						);
						await new Promise<void>((resolve, reject) => {
							const open = indexedDB.open('dpop-test', 1);
							open.onupgradeneeded = () => open.result.createObjectStore('session');
							open.onsuccess = () => {
								const put = open.result
									.transaction('session', 'readwrite')
									.objectStore('session')
									.put({ tokens: { accessToken: 't' }, key }, 'current');
								put.onsuccess = () => resolve();
								put.onerror = () => reject(put.error);
							};
						});
						new BroadcastChannel('keys').postMessage({ type: 'session', key });
						return { thumbprint: key.thumbprint, exported };
					},
					{ algorithm },
				);
				expect(sent.exported).toBe('InvalidAccessError');
				const { proof, extractable } = await received;
				expect(extractable).toBe(false);
				const check = (dpopProof: string) =>
					verifyDPoPProof(new Request(API, { headers: { DPoP: dpopProof } }), { accessToken: 't', jkt: sent.thumbprint, now: Date.now(), maxAgeSeconds: 30, seenJti: new Set() });
				expect(await check(proof)).toMatchObject({ ok: true, thumbprint: sent.thumbprint });

				// A new tab, after the first ones closed, reads the record back from IndexedDB and signs with it.
				await first.close();
				await second.close();
				const third = await context.newPage();
				await third.goto(`${origin}/`);
				const restored = await third.evaluate(
					async ({ url }) => {
						const record = await new Promise<{ key: unknown }>((resolve, reject) => {
							const open = indexedDB.open('dpop-test', 1);
							open.onsuccess = () => {
								const get = open.result.transaction('session').objectStore('session').get('current');
								get.onsuccess = () => resolve(get.result as { key: unknown });
								get.onerror = () => reject(get.error);
							};
						});
						const seam = window.dpop();
						const key = seam.restoreKey(record.key);
						return {
							proof: await seam.proof({ key, method: 'GET', url, accessToken: 't', now: Date.now() }),
							jsonRestore: (() => {
								try {
									seam.restoreKey(JSON.parse(JSON.stringify(record.key)));
									return 'restored';
								} catch (error) {
									return (error as { code: string }).code;
								}
							})(),
						};
					},
					{ url: API },
				);
				expect(await check(restored.proof)).toMatchObject({ ok: true, thumbprint: sent.thumbprint });
				expect(restored.jsonRestore).toBe('DPOP_KEY_UNAVAILABLE');
			} finally {
				await context.close();
			}
		}, 60_000);
	}
});

declare global {
	interface Window {
		dpop: typeof import('./dpop-seam.js').dpopSeam;
	}
}
