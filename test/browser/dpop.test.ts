import { describe, expect, it } from 'vitest';
import { createMockAuthServer } from '../../src/testing/index.js';
import { engineLabel, hasChromium, useBrowser } from './support.js';

// DPoP in a real browser, through the script bundle's TokenKeeper.dpop: two tabs of one profile share one
// session whose tokens are bound to a non-extractable key kept in IndexedDB; the server (the test kit, speaking
// DPoP) verifies every proof strictly, rotates its nonce every 3 answers and rotates refresh tokens.

const server = createMockAuthServer({ origin: '*', dpop: { nonce: { rotateEvery: 3 } } });
const harness = useBrowser(server.handlers); // before the harness's own server: these routes answer

type DPoPWindow = Window & { dauth: Window['auth']; TokenKeeper: Window['TokenKeeper'] & { dpop: () => unknown } };

/** A DPoP keeper in the tab, beside the page's own: IndexedDB, the tab channel, the mock's JSON endpoints. */
const start = (tab: Awaited<ReturnType<typeof harness.tab>>) =>
	tab.evaluate(() => {
		const page = window as unknown as DPoPWindow;
		page.dauth = page.TokenKeeper.createTokenKeeper({
			apiUrl: location.origin,
			endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
			name: 'dpop',
			storage: 'indexeddb',
			dpop: page.TokenKeeper.dpop() as never,
		});
		return page.dauth.ready;
	});
const me = (tab: Awaited<ReturnType<typeof harness.tab>>) => tab.evaluate(async () => (await (window as unknown as DPoPWindow).dauth.fetch('/me')).status);

describe.runIf(hasChromium)(`DPoP in ${engineLabel}`, () => {
	it('two tabs share one bound session: proofs verified, nonces rotating, refresh rotation without reuse, logout everywhere', async () => {
		const profile = await harness.profile();
		const [a, b] = [await harness.tab(profile), await harness.tab(profile)];
		await Promise.all([start(a), start(b)]);
		await a.evaluate(() => (window as unknown as DPoPWindow).dauth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
		await b.waitForFunction(() => (window as unknown as DPoPWindow).dauth.session.status === 'authenticated');
		expect(await a.evaluate(() => (window as unknown as DPoPWindow).dauth.session.claims?.cnf)).toEqual({ jkt: expect.any(String) });

		// the key in IndexedDB is the CryptoKey itself, and it cannot be exported
		const stored = await a.evaluate(
			() =>
				new Promise<{ type: string; extractable: boolean }>((resolve, reject) => {
					const opening = indexedDB.open('tokenkeeper');
					opening.onerror = () => reject(opening.error);
					opening.onsuccess = () => {
						const read = opening.result.transaction('sessions').objectStore('sessions').get('tokenkeeper:dpop');
						read.onsuccess = () => {
							const key = (read.result as { dpop: { privateKey: CryptoKey } }).dpop.privateKey;
							resolve({ type: key.type, extractable: key.extractable });
						};
					};
				}),
		);
		expect(stored).toEqual({ type: 'private', extractable: false });

		for (let round = 0; round < 3; round++) expect([await me(a), await me(b)]).toEqual([200, 200]);
		await Promise.all([
			a.evaluate(() => (window as unknown as DPoPWindow).dauth.refresh().then(() => undefined)),
			b.evaluate(() => (window as unknown as DPoPWindow).dauth.refresh().then(() => undefined)),
		]);
		expect(server.reuses).toBe(0);
		expect(new Set(server.presented).size).toBe(server.presented.length);
		expect([await me(a), await me(b)]).toEqual([200, 200]);

		await a.evaluate(() => (window as unknown as DPoPWindow).dauth.logout());
		await b.waitForFunction(() => (window as unknown as DPoPWindow).dauth.session.status === 'unauthenticated');
		const c = await harness.tab(profile);
		await start(c);
		expect(await c.evaluate(() => (window as unknown as DPoPWindow).dauth.session.status)).toBe('unauthenticated');
		await Promise.all([a.close(), b.close(), c.close()]);
	}, 60_000);
});
