import { destinationOf, isRequest } from './destination.js';
import type { DPoPBinding, DPoPGrant, DPoPKey } from 'tokenkeeper/dpop'; // by the package's name: the types of the entries share no chunk
import type { Ticket } from './session.js';

/** A token handed to one request, with the ticket of the session it belongs to. */
export interface Grant {
	readonly token: string;
	readonly ticket: Ticket;
	/** The DPoP key the token is bound to: it is sent as `DPoP` with a proof of it, never as Bearer. */
	readonly key?: DPoPKey | undefined;
}

/** What the request path needs from the keeper. */
export interface Authorizer {
	/** Whether `url` may receive the token. */
	trusts(url: string | URL): boolean;
	/** A token fit to send now (refreshing first when needed), or `null` when signed out. */
	grant(): Promise<Grant | null>;
	/** After a 401 for a request that carried `sent`: the grant to replay with (same session, newer token), or `null` not to replay. */
	afterUnauthorized(sent: Grant): Promise<Grant | null>;
	/** Whether a grant may still be sent (after the wait of signing its DPoP proof). */
	usable(grant: Grant): boolean;
	/** The grant `token` was handed out with, when this keeper handed it out lately (so a ky retry may swap it for the current one). */
	grantOf(token: string): Grant | undefined;
	/** The configured fetch, looked up at call time. */
	fetch: typeof globalThis.fetch;
	/** The DPoP proofs of bound tokens, when the keeper has the `dpop` option. */
	dpop?: DPoPBinding | undefined;
}

/** Puts the token (and the DPoP proof of a bound one) on a request's headers. */
const sign = (headers: Headers, authorization: string, proof?: string) => {
	headers.set('authorization', authorization);
	if (proof) headers.set('dpop', proof);
};
/** Thrown inside a DPoP send whose token ran out while its proof was signed. */
const RAN_OUT = Symbol('ran out');
/**
 * A 401 about the token: one from the origin the token went to. A response redirected to another origin was
 * refused there, for reasons of its own (fetch drops the `Authorization` header on a cross-origin redirect).
 */
export function tokenRefused(response: Response, sentTo: URL | string): boolean {
	if (response.status !== 401) return false;
	try {
		return new URL(response.url).origin === new URL(sentTo).origin;
	} catch {
		return true; // no URL to tell (a Response made by hand has the URL ""): taken as the token's
	}
}

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
	const { fetch } = authorizer;

	/** Sends with the token; after a 401 on it, once more with the token the keeper gives instead. */
	async function withToken(url: URL, method: string, send: (authorization: string, proof?: string) => Promise<Response>, unsigned: () => Promise<Response>): Promise<Response> {
		// a bound token goes with a fresh proof of its key each time (RFC 9449 section 7), or not at all
		const { dpop } = authorizer;
		const attempt = async (grant: Grant, again = true): Promise<Response> => {
			if (!grant.key) return send(`Bearer ${grant.token}`);
			if (!dpop) return unsigned();
			try {
				return await dpop.send(grant as DPoPGrant, method, url.href, (authorization, proof) => {
					// signing takes a moment, or a whole sleep: a token that ran out meanwhile is not sent (behaviour 1)
					if (!authorizer.usable(grant)) throw RAN_OUT;
					return send(authorization, proof);
				});
			} catch (error) {
				if (error !== RAN_OUT) throw error;
				// once: a fresh token of the same session, with a fresh proof; never another session's
				const fresh = again ? await authorizer.grant() : null;
				return fresh && fresh.ticket.generation === grant.ticket.generation ? attempt(fresh, false) : unsigned();
			}
		};
		const grant = await authorizer.grant();
		if (grant === null) return unsigned();
		const response = await attempt(grant);
		if (!tokenRefused(response, url) || dpop?.final(response)) return response;
		const next = await authorizer.afterUnauthorized(grant);
		if (next === null) return response;
		void response.body?.cancel().catch(() => undefined);
		return attempt(next);
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
				url,
				init?.method ?? 'GET',
				(authorization, proof) => {
					sign(headers, authorization, proof);
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
		if (authorizer.dpop && request.body !== null) attempts.push(request.clone(), request.clone()); // DPoP: a nonce retry after either
		return withToken(
			url,
			request.method,
			(authorization, proof) => {
				const attempt = attempts.shift() ?? request;
				sign(attempt.headers, authorization, proof);
				return fetch(attempt, fetchOnly);
			},
			() => fetch(request, fetchOnly),
		);
	};
}
