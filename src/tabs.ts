import type { TokenSet } from './tokens.js';

/** What tabs tell each other. Token sets travel on the message itself, so memory storage works across tabs too. */
export type TabMessage =
	/** A tab logged in or refreshed: here is the new set. */
	| { readonly type: 'tokens'; readonly set: TokenSet }
	/** A tab ended session `sid`; `refreshToken` is the one it revoked (a tab holding a newer one revokes that too). */
	| { readonly type: 'logout'; readonly sid: string; readonly refreshToken?: string | undefined };

/** The seam between a keeper and the other tabs of its origin. */
export interface Tabs {
	post(message: TabMessage): void;
	/** Runs `task` while holding the refresh lock of this keeper's `name` in every tab. */
	withLock<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * Tabs of one origin and one `name` talk over a BroadcastChannel and take turns refreshing through a Web Lock.
 *
 * A lock wait is bounded by `lockWaitMs`: a frozen tab keeps holding its lock, and must not stall the others.
 * The holder's own refresh call times out before that bound, so a tab that stops waiting can assume
 * the holder gave up; it steals the lock and, inside it, reads storage again before it refreshes.
 * Where Web Locks or BroadcastChannel are missing (old browsers, Node, some workers) or `enabled` is
 * false, the task runs at once and messages go nowhere: the keeper works for its own tab only.
 */
export function createTabs(name: string, enabled: boolean, lockWaitMs: number, onMessage: (message: TabMessage) => void, lifetime: AbortSignal): Tabs {
	const channel = enabled && typeof BroadcastChannel === 'function' ? new BroadcastChannel(`tokenkeeper:${name}`) : undefined;
	if (channel) {
		channel.onmessage = (event: MessageEvent<TabMessage>) => onMessage(event.data);
		lifetime.addEventListener('abort', () => channel.close());
	}
	const locks = enabled ? globalThis.navigator?.locks : undefined;
	const lockName = `tokenkeeper:${name}:refresh`;

	return {
		post(message) {
			if (!lifetime.aborted) channel?.postMessage(message);
		},
		async withLock(task) {
			if (!locks) return task();
			let started = false;
			const run = () => {
				started = true;
				return task();
			};
			try {
				return await locks.request(lockName, { signal: AbortSignal.timeout(lockWaitMs) }, run);
			} catch (error) {
				if (started) throw error;
				return locks.request(lockName, { steal: true }, run);
			}
		},
	};
}
