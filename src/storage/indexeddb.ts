import { del, get, promisifyRequest, set, update, type UseStore } from 'idb-keyval';
import type { StorageAdapter } from '../types.js';

const DATABASE = 'tokenkeeper';
const STORE = 'sessions';

/**
 * IndexedDB through idb-keyval, made robust for real browsers:
 * - the connection is dropped on `pagehide` (an open connection can keep a page out of the back/forward cache)
 *   and when the browser closes it (Safari does), and opened again on the next use;
 * - an operation that meets `InvalidStateError` (a connection closed under us) is tried once more on a new connection.
 */
export function indexedDbAdapter(lifetime: AbortSignal): StorageAdapter {
	let connection: Promise<IDBDatabase> | undefined;

	const open = (): Promise<IDBDatabase> => {
		if (connection) return connection;
		const request = indexedDB.open(DATABASE);
		request.onupgradeneeded = () => request.result.createObjectStore(STORE);
		const opening = promisifyRequest(request);
		connection = opening;
		opening.then(
			(database) => {
				database.onclose = () => forget(opening);
				database.onversionchange = () => {
					database.close();
					forget(opening);
				};
			},
			() => forget(opening),
		);
		return opening;
	};
	const forget = (which: Promise<IDBDatabase>) => {
		if (connection === which) connection = undefined;
	};
	const close = () => {
		const current = connection;
		connection = undefined;
		current?.then(
			(database) => database.close(),
			() => undefined,
		);
	};

	const useStore: UseStore = async (mode, callback) => {
		for (let attempt = 0; ; attempt++) {
			const current = open();
			try {
				const database = await current;
				return await callback(database.transaction(STORE, mode).objectStore(STORE));
			} catch (error) {
				if (attempt > 0 || (error as Error | null)?.name !== 'InvalidStateError') throw error;
				forget(current);
			}
		}
	};

	globalThis.addEventListener?.('pagehide', close, { signal: lifetime });
	lifetime.addEventListener('abort', close);

	return {
		get: (key) => get(key, useStore),
		set: (key, value) => set(key, value, useStore),
		delete: (key) => del(key, useStore),
		update: (key, updater) => update(key, updater, useStore),
	};
}
