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
	/** Removes `set` if storage still holds it (a set whose refresh token the server refused: no tab presents it again); whether it did. */
	discard(set: TokenSet): Promise<boolean>;
	/** Removes the stored set of session `sid` (a newer session another tab started is left alone); whether there was one. */
	clear(sid: string): Promise<boolean>;
}

const sameSet = (a: unknown, b: TokenSet) => isTokenSet(a) && a.sid === b.sid && a.accessToken === b.accessToken;

/**
 * The adapter of a `storage` option; whether other tabs read the same values; whether it is a built-in browser
 * storage that may be replaced by memory when it fails.
 */
type Choice = [adapter: StorageAdapter, shared: boolean, replaceable: boolean];

function chooseAdapter(choice: TokenKeeperOptions['storage'], lifetime: AbortSignal): Choice {
	if (typeof choice === 'object' && choice !== null) return [choice, true, false]; // narrows to the adapter, no cast
	if (choice === 'localStorage' || choice === 'sessionStorage') return [webStorageAdapter(choice), choice === 'localStorage', true];
	if (choice === 'memory' || typeof indexedDB === 'undefined') return [memoryAdapter(), false, false];
	return [indexedDbAdapter(lifetime), true, true];
}

/**
 * Creates the token store. A built-in storage that fails (IndexedDB refused in a private window,
 * localStorage blocked in a sandboxed frame) is replaced by memory and reported once through
 * `onFallback`; what it held is left alone. A custom adapter's failures are thrown as `STORAGE_FAILED`.
 */
export function createTokenStore(choice: TokenKeeperOptions['storage'], name: string, lifetime: AbortSignal, onFallback: (error: TokenKeeperError) => void): TokenStore {
	const key = `tokenkeeper:${name}`;
	let [adapter, shared, replaceable] = chooseAdapter(choice, lifetime);

	/** One operation at a time, in the order asked: a clear asked after a write is never overtaken by it. */
	let queue: Promise<unknown> = Promise.resolve();
	const run = <T>(operation: string, use: (adapter: StorageAdapter) => T | Promise<T>): Promise<T> => {
		const next = queue.then(async () => {
			try {
				return await use(adapter);
			} catch (cause) {
				const error = new TokenKeeperError('STORAGE_FAILED', `Storage ${operation} failed: ${(cause as Error | null)?.message ?? String(cause)}`, { cause });
				if (!replaceable) throw error;
				adapter = memoryAdapter();
				shared = false;
				replaceable = false;
				onFallback(new TokenKeeperError('STORAGE_FAILED', `${error.message}; tokens kept in memory`, { cause }));
				return use(adapter);
			}
		});
		queue = next.catch(() => undefined);
		return next;
	};

	/**
	 * Stores `value` (`undefined`: nothing) when `when` holds for the stored value, in one step where the adapter can
	 * (IndexedDB: one transaction, so no tab's write lands between the read and the write); whether it did. idb-keyval's
	 * update cannot delete: it writes undefined, which load() reads as "no session".
	 */
	const put = (operation: string, when: (current: unknown) => boolean, value: TokenSet | undefined) =>
		run(operation, async (store) => {
			let done = false;
			const decide = (current: unknown) => {
				done = when(current);
				return done ? value : current;
			};
			if (store.update) await store.update(key, decide);
			else {
				decide(await store.get(key));
				if (done) await (value === undefined ? store.delete(key) : store.set(key, value));
			}
			return done;
		});

	return {
		get shared() {
			return shared;
		},
		async load() {
			const value = await run('read', (store) => store.get(key));
			if (value === undefined || value === null) return null;
			if (!isTokenSet(value)) {
				throw new TokenKeeperError('STORAGE_FAILED', `"${key}" holds no tokenkeeper session: left untouched, signed out`);
			}
			return value;
		},
		save: (set) => put('write', (current) => !isTokenSet(current) || current.sid === set.sid || !newerSession(current, set), set),
		replace: (expected, next) => put('update', (current) => sameSet(current, expected), next),
		discard: (set) => put('clear', (current) => sameSet(current, set), undefined),
		clear: (sid) => put('clear', (current) => isTokenSet(current) && current.sid === sid, undefined),
	};
}
