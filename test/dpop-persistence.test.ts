import 'fake-indexeddb/auto';
import { createStore, del, get, set } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import type { DPoPKey } from '../src/dpop/index.js';
import { dpopSeam } from './dpop-seam.js';
import { verifyDPoPProof } from '../src/testing/index.js';

// The key record as storage and the tab channel carry it: a plain object around a non-extractable
// CryptoKey, structured-cloned by IndexedDB and BroadcastChannel (here fake-indexeddb on Node's
// structuredClone, and Node's BroadcastChannel), and refused clearly when it does not survive.

const URL_ = 'https://api.example.com/me';

/** The restored key still signs proofs that verify against its public JWK and keep its thumbprint. */
async function signsAsBefore(original: DPoPKey, restored: DPoPKey) {
	const seam = dpopSeam();
	expect(restored).not.toBe(original);
	expect(restored.privateKey.extractable).toBe(false);
	expect(restored.thumbprint).toBe(original.thumbprint);
	const proof = await seam.proof({ key: restored, method: 'GET', url: URL_, accessToken: 't', now: Date.now() });
	const result = await verifyDPoPProof(new Request(URL_, { headers: { DPoP: proof } }), { accessToken: 't', jkt: original.thumbprint, now: Date.now(), maxAgeSeconds: 5, seenJti: new Set() });
	expect(result).toMatchObject({ ok: true, thumbprint: original.thumbprint });
}

describe('the key record', () => {
	for (const algorithm of ['ES256', 'EdDSA'] as const) {
		it(`survives IndexedDB as it is, ${algorithm}, and is gone after a delete`, async () => {
			const seam = dpopSeam({ algorithm });
			const key = await seam.newKey();
			const store = createStore(`dpop-${algorithm}`, 'session');
			await set('session', { tokens: { accessToken: 't' }, key }, store);
			const stored = (await get('session', store)) as { key: unknown };
			const restored = seam.restoreKey(stored.key);
			expect(restored.privateKey).toBeInstanceOf(CryptoKey);
			await signsAsBefore(key, restored);
			await del('session', store);
			const afterDelete = (await get('session', store)) as { key?: unknown } | undefined;
			expect(afterDelete).toBeUndefined();
			expect(() => seam.restoreKey(afterDelete?.key)).toThrow(expect.objectContaining({ code: 'DPOP_KEY_UNAVAILABLE' }));
		});

		it(`travels on a BroadcastChannel to another tab's channel, ${algorithm}`, async () => {
			const seam = dpopSeam({ algorithm });
			const key = await seam.newKey();
			const sender = new BroadcastChannel('tokenkeeper-dpop-test');
			const receiver = new BroadcastChannel('tokenkeeper-dpop-test');
			try {
				const received = new Promise<unknown>((resolve) => {
					receiver.onmessage = (event: MessageEvent<{ key: unknown }>) => resolve(event.data.key);
				});
				sender.postMessage({ type: 'session', key });
				await signsAsBefore(key, seam.restoreKey(await received));
			} finally {
				sender.close();
				receiver.close();
			}
		});
	}

	it('does not survive JSON (localStorage, sessionStorage): restoring it is DPOP_KEY_UNAVAILABLE', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const fromJson: unknown = JSON.parse(JSON.stringify(key));
		expect(fromJson).toMatchObject({ privateKey: {}, thumbprint: key.thumbprint });
		expect(() => seam.restoreKey(fromJson)).toThrow(expect.objectContaining({ name: 'TokenKeeperError', code: 'DPOP_KEY_UNAVAILABLE', message: expect.stringContaining('gone') }));
	});

	it('is refused when missing, partial, or holding a public key', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
		for (const record of [undefined, null, 'key', {}, { ...key, alg: 'RS256' }, { ...key, jwk: undefined }, { ...key, thumbprint: 1 }, { ...key, privateKey: pair.publicKey }]) {
			expect(() => seam.restoreKey(record)).toThrow(expect.objectContaining({ code: 'DPOP_KEY_UNAVAILABLE' }));
		}
		expect(seam.restoreKey({ ...key })).toMatchObject({ thumbprint: key.thumbprint });
	});
});
