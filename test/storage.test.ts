// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenKeeperError } from '../src/errors.js';
import { createTokenStore } from '../src/storage/token-store.js';
import { toTokenSet, type TokenSet } from '../src/tokens.js';
import type { StorageAdapter } from '../src/types.js';

const set = (accessToken: string, previous?: TokenSet) => toTokenSet({ access_token: accessToken, refresh_token: `r-${accessToken}`, expires_in: 60 }, { sentAt: 0, receivedAt: 1 }, previous);

let lifetime: AbortController;
let errors: TokenKeeperError[];
const open = (choice: Parameters<typeof createTokenStore>[0], name = 'default') => createTokenStore(choice, name, lifetime.signal, (error) => errors.push(error));

beforeEach(() => {
	globalThis.indexedDB = new IDBFactory(); // a fresh database for every test
	lifetime = new AbortController();
	errors = [];
	localStorage.clear();
	sessionStorage.clear();
});
afterEach(() => lifetime.abort());

describe.each(['indexeddb', 'localStorage', 'sessionStorage', 'memory'] as const)('%s', (choice) => {
	it('saves, loads, replaces atomically and clears one session', async () => {
		const store = open(choice);
		expect(await store.load()).toBeNull();
		const first = set('a1');
		await store.save(first);
		expect(await store.load()).toEqual(first);

		const second = set('a2', first);
		expect(await store.replace(first, second)).toBe(true);
		expect(await store.load()).toEqual(second);
		// the same rotation presented again finds the store moved on, and writes nothing
		expect(await store.replace(first, set('a3', first))).toBe(false);
		expect(await store.load()).toEqual(second);

		await store.clear('another-session');
		expect(await store.load()).toEqual(second);
		await store.clear(second.sid);
		expect(await store.load()).toBeNull();
		expect(errors).toEqual([]);
	});

	it('keeps keepers of different names apart', async () => {
		const admin = open(choice, 'admin');
		const shop = open(choice, 'shop');
		await admin.save(set('admin-token'));
		expect(await shop.load()).toBeNull();
	});
});

describe('Web Storage values', () => {
	it.each([
		['not JSON', '{"accessToken":'],
		["another app's value", JSON.stringify({ token: 'theirs' })],
		['a future format', JSON.stringify({ v: 2, accessToken: 'a' })],
	])('reports %s as STORAGE_FAILED and leaves it in place', async (_, raw) => {
		localStorage.setItem('tokenkeeper:default', raw);
		const store = open('localStorage');
		await expect(store.load()).rejects.toMatchObject({ name: 'TokenKeeperError', code: 'STORAGE_FAILED' });
		expect(localStorage.getItem('tokenkeeper:default')).toBe(raw);
	});
});

describe('IndexedDB in real browsers', () => {
	it('opens a new connection when the old one was closed under it (InvalidStateError)', async () => {
		const store = open('indexeddb');
		await store.save(set('a1'));
		const opens = vi.spyOn(indexedDB, 'open');
		const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementationOnce(function (this: IDBDatabase) {
			this.close();
			throw new DOMException('The database connection is closing.', 'InvalidStateError');
		});
		expect((await store.load())?.accessToken).toBe('a1');
		expect(transaction).toHaveBeenCalledTimes(2);
		expect(opens).toHaveBeenCalledTimes(1);
		expect(errors).toEqual([]);
	});

	it('does not hold the database open across pagehide', async () => {
		const store = open('indexeddb');
		await store.save(set('a1'));
		const close = vi.spyOn(IDBDatabase.prototype, 'close');
		window.dispatchEvent(new Event('pagehide'));
		await vi.waitFor(() => expect(close).toHaveBeenCalledTimes(1));
		const opens = vi.spyOn(indexedDB, 'open');
		expect((await store.load())?.accessToken).toBe('a1'); // and reopens on the next use
		expect(opens).toHaveBeenCalledTimes(1);
	});

	it('lets another version of the database take over', async () => {
		const store = open('indexeddb');
		await store.save(set('a1'));
		const close = vi.spyOn(IDBDatabase.prototype, 'close');
		const upgrade = indexedDB.open('tokenkeeper', 99);
		await new Promise((resolve) => (upgrade.onsuccess = resolve));
		expect(close).toHaveBeenCalled();
		upgrade.result.close();
		expect((await store.load())?.accessToken).toBe('a1');
	});

	it('falls back to memory with one error when IndexedDB is unusable, and never reads that as signed out of storage', async () => {
		vi.spyOn(indexedDB, 'open').mockImplementation(() => {
			throw new DOMException('IndexedDB is disabled in this browsing mode', 'InvalidStateError');
		});
		const store = open('indexeddb');
		expect(await store.load()).toBeNull();
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ code: 'STORAGE_FAILED' });
		expect(errors[0]!.message).toMatch(/memory/);
		expect(store.shared).toBe(false);
		const first = set('a1');
		await store.save(first);
		expect(await store.load()).toEqual(first);
		expect(errors).toHaveLength(1);
	});
});

describe('custom adapters', () => {
	it('are used as they are, with every value structured, and their failures surface as STORAGE_FAILED', async () => {
		const values = new Map<string, unknown>();
		const adapter: StorageAdapter = { get: (key) => values.get(key), set: (key, value) => void values.set(key, value), delete: (key) => void values.delete(key) };
		const store = open(adapter, 'custom');
		const first = set('a1');
		await store.save(first);
		expect(values.get('tokenkeeper:custom')).toEqual(first);
		expect(await store.replace(first, set('a2', first))).toBe(true);

		const broken: StorageAdapter = { get: () => Promise.reject(new Error('vault locked')), set: () => undefined, delete: () => undefined };
		await expect(open(broken).load()).rejects.toMatchObject({ code: 'STORAGE_FAILED', message: expect.stringMatching(/vault locked/) });
		expect(errors).toEqual([]); // no silent fallback for the app's own storage
	});
});
