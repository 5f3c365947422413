import type { StorageAdapter } from '../types.js';

/** Keeps values in this page's memory: nothing survives a reload, no other tab can read them. */
export function memoryAdapter(): StorageAdapter {
	const values = new Map<string, unknown>();
	return {
		get: (key) => values.get(key),
		set: (key, value) => void values.set(key, value),
		delete: (key) => void values.delete(key),
	};
}

/** Keeps values as JSON in `localStorage` or `sessionStorage` (looked up lazily: access can throw in sandboxed frames). */
export function webStorageAdapter(kind: 'localStorage' | 'sessionStorage'): StorageAdapter {
	const area = (): Storage => globalThis[kind];
	return {
		get(key) {
			const text = area().getItem(key);
			if (text === null) return undefined;
			try {
				return JSON.parse(text) as unknown;
			} catch {
				return text; // a foreign value: the store reports it, it is not a storage failure
			}
		},
		set: (key, value) => area().setItem(key, JSON.stringify(value)),
		delete: (key) => area().removeItem(key),
	};
}
