import ky from 'ky';
import { TokenKeeperError } from './errors.js';
import type { KyHooks } from './types.js';

/** What the request path needs from the keeper. */
export interface Authorizer {
	/** Whether `url` may receive the token. */
	trusts(url: string): boolean;
	/** A token fit to send now (refreshing first when needed), or `null` when signed out. */
	tokenForRequest(): Promise<string | null>;
	/** After a 401 for a request that carried `sent`: the token to replay with, or `null` not to replay. */
	tokenAfterUnauthorized(sent: string): Promise<string | null>;
	/** Whether `token` was handed out by this keeper (so a ky retry may swap it for the current one). */
	isOwnToken(token: string): boolean;
	/** The configured fetch, looked up at call time. */
	fetch: typeof globalThis.fetch;
}

const bearer = (token: string) => `Bearer ${token}`;
const sentToken = (request: Request) => /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? null;
const urlOf = (input: RequestInfo | URL) => (input instanceof Request ? input.url : String(input));

/**
 * The drop-in fetch: the token goes to trusted origins only, and a 401 answer to a request that carried
 * the current token leads to one refresh and one replay (body included: it is cloned before the first send).
 * A request that already has an `Authorization` header is the app's own business and is left alone.
 * A request that gets no answer rejects with `NETWORK_ERROR` (its `cause` is fetch's own `TypeError`).
 */
export function createAuthFetch(authorizer: Authorizer): typeof globalThis.fetch {
	const fetch: typeof globalThis.fetch = (input, init) =>
		authorizer.fetch(input, init).catch((error: unknown) => {
			throw error instanceof TypeError ? new TokenKeeperError('NETWORK_ERROR', `No answer from ${urlOf(input)}: ${error.message}`, { cause: error }) : error;
		});
	return async (input, init) => {
		const base = globalThis.location?.href;
		let url: string;
		try {
			url = new URL(urlOf(input), base).href;
		} catch {
			return fetch(input, init); // let fetch report the bad URL its own way
		}
		if (!authorizer.trusts(url)) return fetch(input, init);
		const request = new Request(input, init);
		if (request.headers.has('authorization')) return fetch(request);
		const token = await authorizer.tokenForRequest();
		if (token === null) return fetch(request);

		const replay = request.body === null ? request : request.clone(); // a request without a body can be sent twice
		request.headers.set('authorization', bearer(token));
		const response = await fetch(request);
		if (response.status !== 401) return response;
		const next = await authorizer.tokenAfterUnauthorized(token);
		if (next === null) return response;
		void response.body?.cancel().catch(() => undefined);
		replay.headers.set('authorization', bearer(next));
		return fetch(replay);
	};
}

/**
 * The same behaviour as ky hooks. The replay after a 401 is a ky forced retry (`ky.retry`), so it runs
 * the instance's other hooks and counts against its `retry.limit` (ky's default, 2, leaves room for it).
 */
export function createKyHooks(authorizer: Authorizer): KyHooks {
	return {
		beforeRequest: [
			async (request) => {
				const current = sentToken(request);
				if (request.headers.has('authorization') && (current === null || !authorizer.isOwnToken(current))) return;
				if (!authorizer.trusts(request.url)) {
					request.headers.delete('authorization');
					return;
				}
				const token = await authorizer.tokenForRequest();
				if (token === null) request.headers.delete('authorization');
				else request.headers.set('authorization', bearer(token));
			},
		],
		afterResponse: [
			async (request, _options, response, state) => {
				if (response.status !== 401 || state.retryCount > 0) return;
				const sent = sentToken(request);
				if (sent === null || !authorizer.isOwnToken(sent)) return;
				const next = await authorizer.tokenAfterUnauthorized(sent);
				if (next === null) return;
				const headers = new Headers(request.headers);
				headers.set('authorization', bearer(next));
				return ky.retry({ request: new Request(request, { headers }), delay: 0, code: 'TOKEN_REFRESHED' });
			},
		],
	};
}
