import { vi } from 'vitest';
import type { StorageAdapter } from '../src/index.js';

/**
 * Tabs in one process, under the test's control: a BroadcastChannel whose messages wait in a queue until the test
 * delivers them (or drops those meant for a tab that is "in the back/forward cache"), and a Web Lock manager.
 * `install()` puts both on `globalThis`; keepers created afterwards with `crossTab: true` use them.
 */
export function createTabHub({ schedule }: { schedule?: (deliver: () => void) => void } = {}) {
	const queue: { to: FakeChannel; data: unknown }[] = [];
	const open = new Set<FakeChannel>();
	const deaf = new Set<number>();
	const lines = new Map<string, unknown[]>();
	let ids = 0;

	class FakeChannel {
		readonly id = ids++;
		onmessage: ((event: MessageEvent) => void) | null = null;
		constructor(readonly name: string) {
			open.add(this);
		}
		postMessage(data: unknown) {
			for (const other of open) {
				if (other === this || other.name !== this.name) continue;
				const entry = { to: other, data: structuredClone(data) };
				if (!schedule) queue.push(entry);
				else {
					// A channel delivers one sender's messages to one receiver in order; only the moment is the scheduler's.
					const key = `${this.id}>${other.id}`;
					const line = lines.get(key) ?? [];
					lines.set(key, [...line, entry.data]);
					schedule(() => {
						const [data, ...rest] = lines.get(key) ?? [];
						lines.set(key, rest);
						if (open.has(other) && !deaf.has(other.id)) other.onmessage?.({ data } as MessageEvent);
					});
				}
			}
		}
		close() {
			open.delete(this);
		}
	}

	const tails = new Map<string, Promise<unknown>>();
	const locks = {
		request(name: string, optionsOrTask: unknown, maybeTask?: () => Promise<unknown>) {
			const task = (typeof optionsOrTask === 'function' ? optionsOrTask : maybeTask) as () => Promise<unknown>;
			const run = (tails.get(name) ?? Promise.resolve()).then(async () => {
				(globalThis as { lockTrace?: string[] }).lockTrace?.push('lock acquired');
				try {
					return await task();
				} finally {
					(globalThis as { lockTrace?: string[] }).lockTrace?.push('lock released');
				}
			});
			tails.set(
				name,
				run.catch(() => undefined),
			);
			return run;
		},
	};

	return {
		install() {
			vi.stubGlobal('BroadcastChannel', FakeChannel);
			vi.stubGlobal('navigator', { locks, onLine: true });
		},
		/** How many messages wait. */
		get pending() {
			return queue.length;
		},
		/** Delivers the next `count` waiting messages (all by default), in the order they were sent. */
		deliver(count = Infinity) {
			for (let i = 0; i < count && queue.length > 0; i++) {
				const { to, data } = queue.shift()!;
				if (open.has(to) && !deaf.has(to.id)) to.onmessage?.({ data } as MessageEvent);
			}
		},
		/** The `n`th channel opened (the `n`th keeper created) misses every message from now on, as a cached page does. */
		deafen(n: number) {
			deaf.add(n);
		},
		hear(n: number) {
			deaf.delete(n);
		},
	};
}

/**
 * One storage shared by several keepers, like IndexedDB shared by tabs. `hold()` makes the next writes wait until
 * released, so a test can put a logout in the middle of a refresh's write. Without `atomic`, it has no `update`
 * (a read, then a write: a custom adapter's way).
 */
export function sharedStorage({ atomic = true } = {}) {
	const values = new Map<string, unknown>();
	let held: { release: () => void; promise: Promise<void> } | undefined;
	const writes: { started: () => void }[] = [];
	let onWrite: (() => void) | undefined;
	const pause = async () => {
		onWrite?.();
		if (held) await held.promise;
	};
	const adapter: StorageAdapter = {
		get: async (key) => structuredClone(values.get(key)),
		set: async (key, value) => {
			await pause();
			values.set(key, structuredClone(value));
		},
		delete: async (key) => void values.delete(key),
		...(atomic
			? {
					update: async (key: string, updater: (current: unknown) => unknown) => {
						await pause();
						values.set(key, structuredClone(updater(structuredClone(values.get(key)))));
					},
				}
			: {}),
	};
	return {
		adapter,
		writes,
		values,
		/** Writes wait from now on; resolves the returned `started` once a write is waiting. */
		hold() {
			let release!: () => void;
			const promise = new Promise<void>((resolve) => (release = resolve));
			held = { release, promise };
			const started = new Promise<void>((resolve) => (onWrite = resolve));
			return {
				started,
				release: () => {
					held = undefined;
					onWrite = undefined;
					release();
				},
			};
		},
	};
}

/** A promise the test resolves: `gate.open()` lets whatever awaits `gate.promise` go on. */
export function gate() {
	let open!: () => void;
	const promise = new Promise<void>((resolve) => (open = resolve));
	return { promise, open };
}
