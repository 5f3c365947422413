import { TokenKeeperError } from '../errors.js';
import { isTokenSet, newerSession, type TokenSet } from '../tokens.js';
import type { StorageAdapter, TokenKeeperOptions } from '../types.js';
import { memoryAdapter, webStorageAdapter } from './adapters.js';
import { indexedDbAdapter } from './indexeddb.js';

/** The keeper's view of storage: one token set under one namespaced key. */
export interface TokenStore {
	/** Whether other tabs of the origin read the same values (IndexedDB, localStorage). */
	readonly shared: boolean;
	/** The stored set, or `null` when there is none. Throws `STORAGE_FAILED` when it cannot be read or is not a token set. */
	load(): Promise<TokenSet | null>;
	/** Writes a new session's set, unless storage holds a newer session already (then `false`). */
	save(set: TokenSet): Promise<boolean>;
	/** Replaces `expected` by `next` atomically; `false` (and nothing written) when the stored set is no longer `expected`. */
	replace(expected: TokenSet, next: TokenSet): Promise<boolean>;
	/** Removes `set` if storage still holds it (a set whose refresh token the server refused: no tab presents it again). */
	discard(set: TokenSet): Promise<void>;
	/** Removes the stored set of session `sid` (a newer session another tab started is left alone). */
	clear(sid: string): Promise<void>;
}

const sameSet = (a: unknown, b: TokenSet) => isTokenSet(a) && a.sid === b.sid && a.accessToken === b.accessToken;

interface Choice {
	adapter: StorageAdapter;
	/** Other tabs read the same values. */
	shared: boolean;
	/** A built-in browser storage that may be replaced by memory when it fails. */
	replaceable: boolean;
}

function chooseAdapter(choice: TokenKeeperOptions['storage'], lifetime: AbortSignal): Choice {
	if (typeof choice === 'object' && choice !== null) return { adapter: choice, shared: true, replaceable: false };
	if (choice === 'localStorage' || choice === 'sessionStorage') {
		return { adapter: webStorageAdapter(choice), shared: choice === 'localStorage', replaceable: true };
	}
	if (choice !== undefined && choice !== 'memory' && choice !== 'indexeddb') {
		throw new TypeError(`tokenkeeper: storage takes 'indexeddb', 'localStorage', 'sessionStorage', 'memory' or an adapter, not ${JSON.stringify(choice)}`);
	}
	if (choice === 'memory' || typeof indexedDB === 'undefined') return { adapter: memoryAdapter(), shared: false, replaceable: false };
	return { adapter: indexedDbAdapter(lifetime), shared: true, replaceable: true };
}

/**
 * Creates the token store. A built-in storage that fails (IndexedDB refused in a private window,
 * localStorage blocked in a sandboxed frame) is replaced by memory and reported once through
 * `onFallback`; what it held is left alone. A custom adapter's failures are thrown as `STORAGE_FAILED`.
 */
export function createTokenStore(choice: TokenKeeperOptions['storage'], name: string, lifetime: AbortSignal, onFallback: (error: TokenKeeperError) => void): TokenStore {
	const key = `tokenkeeper:${name}`;
	let { adapter, shared, replaceable } = chooseAdapter(choice, lifetime);

	/** One operation at a time, in the order asked: a clear asked after a write is never overtaken by it. */
	let queue: Promise<unknown> = Promise.resolve();
	const run = <T>(operation: string, use: (adapter: StorageAdapter) => T | Promise<T>): Promise<T> => {
		const next = queue.then(() => attempt(operation, use));
		queue = next.catch(() => undefined);
		return next;
	};
	const attempt = async <T>(operation: string, use: (adapter: StorageAdapter) => T | Promise<T>): Promise<T> => {
		try {
			return await use(adapter);
		} catch (cause) {
			const error = new TokenKeeperError('STORAGE_FAILED', `Could not ${operation} the token storage: ${(cause as Error | null)?.message ?? String(cause)}`, { cause });
			if (!replaceable) throw error;
			adapter = memoryAdapter();
			shared = false;
			replaceable = false;
			onFallback(new TokenKeeperError('STORAGE_FAILED', `${error.message}; keeping tokens in memory for this page instead`, { cause }));
			return use(adapter);
		}
	};

	return {
		get shared() {
			return shared;
		},
		async load() {
			const value = await run('read', (store) => store.get(key));
			if (value === undefined || value === null) return null;
			if (!isTokenSet(value)) {
				throw new TokenKeeperError('STORAGE_FAILED', `The value stored under "${key}" is not a tokenkeeper session; starting signed out and leaving it untouched`);
			}
			return value;
		},
		save: (set) =>
			run('write', async (store) => {
				let written = false;
				const updater = (current: unknown) => {
					written = !isTokenSet(current) || current.sid === set.sid || !newerSession(current, set);
					return written ? set : current;
				};
				if (store.update) await store.update(key, updater);
				else if (updater(await store.get(key)) === set) await store.set(key, set);
				return written;
			}),
		replace: (expected, next) =>
			run('update', async (store) => {
				let replaced = false;
				const updater = (current: unknown) => {
					replaced = sameSet(current, expected);
					return replaced ? next : current;
				};
				if (store.update) await store.update(key, updater);
				else if (updater(await store.get(key)) === next) await store.set(key, next);
				return replaced;
			}),
		discard: (set) =>
			run('clear', async (store) => {
				const held = (current: unknown) => sameSet(current, set);
				if (store.update) await store.update(key, (current) => (held(current) ? undefined : current));
				else if (held(await store.get(key))) await store.delete(key);
			}),
		clear: (sid) =>
			run('clear', async (store) => {
				const ofSession = (current: unknown) => isTokenSet(current) && current.sid === sid;
				// idb-keyval's update cannot delete: it writes undefined, which load() reads as "no session".
				if (store.update) await store.update(key, (current) => (ofSession(current) ? undefined : current));
				else if (ofSession(await store.get(key))) await store.delete(key);
			}),
	};
}
