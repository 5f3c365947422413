import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { createTokenKeeper } from '../src/index.js';
import type { AuthEvent, Session, TokenKeeper, TokenKeeperOptions } from '../src/index.js';
import { createMockAuthServer } from '../src/testing/index.js';

export const API = 'https://api.example.com';
export const JSON_ENDPOINTS = { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' } as const;
export const ALICE = { username: 'alice', password: 'wonderland' } as const;

/** Starts the mock auth server for the whole test file; resets it and destroys keepers after each test. */
export function useMockApi(options: Parameters<typeof createMockAuthServer>[0] = {}) {
	const server = createMockAuthServer(options);
	const msw = setupServer(...server.handlers);
	beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
	afterEach(() => {
		for (const keeper of keepers.splice(0)) keeper.destroy();
		msw.resetHandlers();
		server.reset();
		vi.useRealTimers();
	});
	afterAll(() => msw.close());
	return { server, msw };
}

const keepers: TokenKeeper[] = [];
let names = 0;

/** What a test keeper saw: its events, and every request it sent with the answer's status. */
export interface Recorded {
	auth: TokenKeeper;
	events: AuthEvent[];
	sessions: Session[];
	sent: { method: string; url: string; authorization: string | null; status: number | 'network-error' }[];
}

/** A keeper on the mock API (unique name, memory storage unless told otherwise) that records what happens. */
export function keeper(options: TokenKeeperOptions = {}): Recorded {
	const sent: Recorded['sent'] = [];
	const recordingFetch: typeof fetch = async (input, init) => {
		const request = new Request(input, init);
		const entry: Recorded['sent'][number] = { method: request.method, url: request.url, authorization: request.headers.get('authorization'), status: 'network-error' };
		sent.push(entry);
		const response = await (options.fetch ?? globalThis.fetch)(request);
		entry.status = response.status;
		return response;
	};
	const auth = createTokenKeeper({ apiUrl: API, endpoints: JSON_ENDPOINTS, storage: 'memory', name: `test-${++names}`, ...options, fetch: recordingFetch });
	keepers.push(auth);
	const events: AuthEvent[] = [];
	const sessions: Session[] = [];
	auth.subscribe((session, event) => {
		events.push(event);
		sessions.push(session);
	});
	return { auth, events, sessions, sent };
}

/** Fake timers for the SDK's timers and the clock (the mock server reads the same clock). */
export function fakeTime(now = Date.UTC(2026, 10, 24, 9, 0, 0)) {
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now });
}

export const eventTypes = (events: AuthEvent[]) => events.map((event) => (event.type === 'logout' ? `logout:${event.reason}` : event.type === 'refresh' ? `refresh:${event.trigger}` : event.type));
