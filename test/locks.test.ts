import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createTabs } from '../src/tabs.js';

/**
 * A minimal stand-in for `navigator.locks` (Node has none; real Chromium is tested in test/browser):
 * exclusive locks by name, queued; `signal` aborts a wait; `steal` takes the lock at once.
 */
function fakeLocks() {
	const queues = new Map<string, (() => void)[]>();
	let held = new Set<string>();
	const release = (name: string) => {
		held.delete(name);
		queues.get(name)?.shift()?.();
	};
	return {
		async request<T>(name: string, options: { signal?: AbortSignal; steal?: boolean }, task: () => Promise<T>): Promise<T> {
			if (options.steal) held = new Set([...held].filter((other) => other !== name));
			else if (held.has(name)) {
				await new Promise<void>((resolve, reject) => {
					const queue = queues.get(name) ?? [];
					queues.set(name, queue);
					queue.push(resolve);
					options.signal?.addEventListener('abort', () => {
						queue.splice(queue.indexOf(resolve), 1);
						reject(options.signal!.reason);
					});
				});
			}
			held.add(name);
			try {
				return await task();
			} finally {
				release(name);
			}
		},
	};
}

const lifetime = new AbortController();
afterEach(() => vi.unstubAllGlobals());
afterAll(() => lifetime.abort());

describe('the refresh lock', () => {
	it('runs one task at a time across keepers of one name', async () => {
		vi.stubGlobal('navigator', { locks: fakeLocks() });
		const a = createTabs('locks', true, 5_000, () => undefined, lifetime.signal);
		const b = createTabs('locks', true, 5_000, () => undefined, lifetime.signal);
		const order: string[] = [];
		const task = (label: string) => async () => {
			order.push(`${label}:start`);
			await new Promise((resolve) => setTimeout(resolve, 10));
			order.push(`${label}:end`);
			return label;
		};
		expect(await Promise.all([a.withLock(task('a')), b.withLock(task('b'))])).toEqual(['a', 'b']);
		expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
	});

	it('a wait is bounded: a holder that hangs has its lock stolen', async () => {
		vi.stubGlobal('navigator', { locks: fakeLocks() });
		const hung = createTabs('hung', true, 50, () => undefined, lifetime.signal);
		const waiting = createTabs('hung', true, 50, () => undefined, lifetime.signal);
		void hung.withLock(() => new Promise(() => undefined));
		const started = Date.now();
		expect(await waiting.withLock(async () => 'stolen')).toBe('stolen');
		expect(Date.now() - started).toBeGreaterThanOrEqual(45);
	});

	it('a task that fails inside the lock is not run again', async () => {
		vi.stubGlobal('navigator', { locks: fakeLocks() });
		const tabs = createTabs('fails', true, 50, () => undefined, lifetime.signal);
		const task = vi.fn(() => Promise.reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
		await expect(tabs.withLock(task)).rejects.toThrow('timed out');
		expect(task).toHaveBeenCalledTimes(1);
	});

	it('without Web Locks, or with crossTab off, the task simply runs', async () => {
		vi.stubGlobal('navigator', {});
		expect(await createTabs('none', true, 50, () => undefined, lifetime.signal).withLock(async () => 1)).toBe(1);
		const request = vi.fn();
		vi.stubGlobal('navigator', { locks: { request } });
		expect(await createTabs('off', false, 50, () => undefined, lifetime.signal).withLock(async () => 2)).toBe(2);
		expect(request).not.toHaveBeenCalled();
	});
});

describe('the tab channel', () => {
	it('delivers messages to the other keepers of the name, and stops when the keeper is destroyed', async () => {
		const received = vi.fn();
		const ending = new AbortController();
		const sender = createTabs('channel', true, 50, () => undefined, ending.signal);
		createTabs('channel', true, 50, received, lifetime.signal);
		sender.post({ type: 'logout', sid: 's1' });
		await vi.waitFor(() => expect(received).toHaveBeenCalledWith({ type: 'logout', sid: 's1' }));
		ending.abort();
		sender.post({ type: 'logout', sid: 's2' });
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(received).toHaveBeenCalledTimes(1);
	});
});
