import { TokenKeeperError } from './errors.js';

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
const urlOf = (input: RequestInfo | URL) => (input instanceof Request ? input.url : String(input));

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
		let url: URL;
		try {
			url = new URL(urlOf(input), globalThis.location?.href);
		} catch {
			return fetch(input, init); // let fetch report the bad URL its own way
		}
		if (!authorizer.trusts(url)) return fetch(input, init);

		if (!(input instanceof Request) && resendable(init?.body)) {
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
		const own = forKy && input instanceof Request;
		const request = own ? input : new Request(input, init);
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
