import ky from 'ky';
import { destinationOf, isRequest, requestUrlOf } from './destination.js';
import { TokenKeeperError } from './errors.js';
import type { KyHooks } from './types.js';

/** What the request path needs from the keeper. */
export interface Authorizer {
	/** Whether `url` may receive the token. */
	trusts(url: string | URL): boolean;
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
const urlOf = (input: RequestInfo | URL) => requestUrlOf(input) ?? destinationOf(input)?.href ?? 'a request whose URL cannot be read';

/**
 * Whether a body is sent twice byte for byte as it is. A stream (or an async iterable in Node) can be read
 * once only, and FormData gets a new multipart boundary each time: those go through a cloned Request.
 */
const resendable = (body: unknown) =>
	body === undefined || body === null || typeof body === 'string' || body instanceof Blob || body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body);

/**
 * The drop-in fetch: the token goes to trusted origins only, and a 401 answer to a request that carried
 * the current token leads to one refresh and one replay, body included. A request that already has an
 * `Authorization` header is the app's own business and is left alone. A request that gets no answer
 * rejects with `NETWORK_ERROR` (its `cause` is fetch's own `TypeError`).
 *
 * With `forKy`, a Request comes from the keeper's own ky instance, which makes one for every send and keeps
 * a clone for its retries: it is signed as it is, without a copy (a copy costs more than the rest of this
 * path together), and `init` (what ky passes for fetch alone, such as undici's `dispatcher`) goes along.
 */
export function createAuthFetch(authorizer: Authorizer, forKy = false): typeof globalThis.fetch {
	const fetch: typeof globalThis.fetch = (input, init) =>
		authorizer.fetch(input, init).catch((error: unknown) => {
			throw error instanceof TypeError ? new TokenKeeperError('NETWORK_ERROR', `No answer from ${urlOf(input)}: ${error.message}`, { cause: error }) : error;
		});

	/** Sends with the token; after a 401 on it, once more with the token the keeper gives instead. */
	async function withToken(send: (authorization: string) => Promise<Response>, unsigned: () => Promise<Response>): Promise<Response> {
		const token = await authorizer.tokenForRequest();
		if (token === null) return unsigned();
		const response = await send(bearer(token));
		if (response.status !== 401) return response;
		const next = await authorizer.tokenAfterUnauthorized(token);
		if (next === null) return response;
		void response.body?.cancel().catch(() => undefined);
		return send(bearer(next));
	}

	return async (input, init) => {
		// Where the request goes, as fetch will see it (see destination.ts); unknown means no token, and fetch
		// reports a bad URL its own way.
		const url = destinationOf(input);
		if (url === null || !authorizer.trusts(url)) return fetch(input, init);
		const asRequest = isRequest(input);
		// A string or URL is sent as the absolute URL just checked: a `<base>` changed, or a URL object
		// mutated, while the token is fetched cannot move the request elsewhere.
		if (!asRequest) input = url.href;

		if (!asRequest && resendable(init?.body)) {
			// The common case: the same input and init can be sent twice, no Request needs building.
			const headers = new Headers(init?.headers);
			if (headers.has('authorization')) return fetch(input, init);
			return withToken(
				(authorization) => {
					headers.set('authorization', authorization);
					return fetch(input, { ...init, headers });
				},
				() => fetch(input, init),
			);
		}
		const own = forKy && asRequest;
		const request = own ? (input as Request) : new Request(input, init);
		const fetchOnly = own ? init : undefined; // ky's options for fetch alone
		if (request.headers.has('authorization')) return fetch(request, fetchOnly);
		const attempts = [request, request.body === null ? request : request.clone()]; // cloned before the first send
		return withToken(
			(authorization) => {
				const attempt = attempts.shift() ?? request;
				attempt.headers.set('authorization', authorization);
				return fetch(attempt, fetchOnly);
			},
			() => fetch(request, fetchOnly),
		);
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
