import { TokenKeeperError, type ErrorCode } from './errors.js';
import type { Receipt } from './tokens.js';
import type { EndpointContext, EndpointFunctions, Endpoints, TokenResult } from './types.js';
import { isObject } from './values.js';

/** Joins an endpoint path to `apiUrl` the way `ky`'s `prefixUrl` does; absolute URLs are kept. */
export function resolveUrl(path: string, apiUrl: string | undefined): string {
	if (/^[a-z][a-z\d+.-]*:/i.test(path) || apiUrl === undefined) return path;
	return `${apiUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** Endpoint URLs become functions that POST JSON; functions are kept as they are. */
export function endpointFunctions({ login, refresh, logout }: Endpoints = {}, apiUrl?: string): EndpointFunctions {
	const posting = <Context extends EndpointContext, Result>(endpoint: string | ((context: Context) => Promise<Result>) | undefined, body: (context: Context) => unknown) =>
		typeof endpoint === 'string'
			? (context: Context) => context.fetch(resolveUrl(endpoint, apiUrl), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body(context)), signal: context.signal })
			: endpoint;
	return {
		login: posting(login, ({ credentials }) => credentials),
		refresh: posting(refresh, ({ refreshToken }) => ({ refresh_token: refreshToken })),
		logout: posting(logout, ({ refreshToken }) => ({ refresh_token: refreshToken })),
	};
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (!value?.trim()) return undefined; // none, or blank (which Number reads as 0)
	const seconds = Number(value);
	const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
	return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

const isResponse = (value: unknown): value is Response => isObject(value) && typeof value.json === 'function' && typeof value.status === 'number' && typeof value.headers === 'object';

/**
 * Calls an endpoint: whatever the call throws, and an answer that is not ok (a `Response`), become the
 * `TokenKeeperError` of `code` (see {@link asTokenKeeperError}). Returns what the call returned.
 */
async function answerOf<Result>(call: () => Promise<Result>, code: ErrorCode, what: string, signal?: AbortSignal): Promise<Result> {
	let result: Result;
	try {
		result = await call();
	} catch (error) {
		throw await asTokenKeeperError(error, code, what, signal);
	}
	if (isResponse(result) && !result.ok) throw await errorFrom(result, code, what);
	return result;
}

/** Calls the revocation endpoint (RFC 7009): an answer that is not ok (a `Response`) fails like no answer, as `REVOCATION_FAILED`. */
export const callRevocation = (call: () => Promise<unknown>): Promise<unknown> => answerOf(call, 'REVOCATION_FAILED', 'Revocation');

/**
 * `fetch`, with its own failure to get an answer (a `TypeError`) as `NETWORK_ERROR`. Only this marks a network
 * error: anything else an endpoint function throws is a bug, reported as itself and never retried.
 */
export const networkFetch =
	(fetch: typeof globalThis.fetch): typeof globalThis.fetch =>
	(input, init) =>
		fetch(input, init).catch((error: unknown) => {
			throw error instanceof TypeError ? new TokenKeeperError('NETWORK_ERROR', `No answer from ${input instanceof Request ? input.url : String(input)}: ${error.message}`, { cause: error }) : error;
		});

async function errorFrom(response: Response, code: ErrorCode, what: string): Promise<TokenKeeperError> {
	const body: unknown = await response.json().catch(() => undefined);
	const fields = Object(body) as Record<string, unknown>; // a primitive, null or no JSON: an object without these fields
	const oauthError = typeof fields.error === 'string' ? fields.error : undefined;
	const description = fields.error_description ?? fields.message;
	const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
	return new TokenKeeperError(code, `${what} failed: HTTP ${response.status}${oauthError ? ` ${oauthError}` : ''}${typeof description === 'string' ? ` (${description})` : ''}`, {
		status: response.status,
		cause: body,
		oauthError,
		retryAfterMs,
	});
}

/** A token endpoint's answer, read: the body to normalise and when it arrived. */
export interface TokenAnswer {
	readonly body: unknown;
	readonly receipt: Receipt;
}

/**
 * Calls a token endpoint and reads its answer. Every failure becomes a `TokenKeeperError`:
 * `NETWORK_ERROR` without an answer, `code` (`LOGIN_FAILED`/`REFRESH_FAILED`) for an error answer,
 * `INVALID_TOKEN_RESPONSE` for a body that is not JSON. An abort by `signal` is rethrown as it is.
 */
export async function callTokenEndpoint(call: () => Promise<TokenResult>, code: ErrorCode, what: string, signal: AbortSignal): Promise<TokenAnswer> {
	const sentAt = Date.now();
	const result = await answerOf(call, code, what, signal);
	const receivedAt = Date.now();
	if (!isResponse(result)) return { body: result, receipt: { sentAt, receivedAt } };
	const serverDate = Date.parse(result.headers.get('date') ?? '');
	let body: unknown;
	try {
		body = await result.json();
	} catch (cause) {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', `${what}: HTTP ${result.status}, not JSON`, { cause, status: result.status });
	}
	return { body, receipt: { sentAt, receivedAt, serverDate: Number.isFinite(serverDate) ? serverDate : undefined } };
}

/**
 * Maps whatever an endpoint call threw to a `TokenKeeperError` (an abort by `signal` stays an abort): an HTTP error
 * answer by its status, a timeout as `NETWORK_ERROR`, anything else (a bug in an endpoint function, credentials
 * that are not JSON) as a failure of `code` that keeps the thrown error as its `cause`.
 */
export async function asTokenKeeperError(error: unknown, code: ErrorCode, what: string, signal?: AbortSignal): Promise<unknown> {
	if (error instanceof TokenKeeperError) return error;
	if (signal?.aborted && signal.reason === error) return error;
	const name = (error as Error | null)?.name;
	const response = (error as { response?: unknown } | null)?.response;
	if (isResponse(response)) return errorFrom(response, code, what); // ky's HTTPError and the like
	if (name === 'TimeoutError' || name === 'AbortError') {
		return new TokenKeeperError('NETWORK_ERROR', `${what} got no answer: ${(error as Error).message}`, { cause: error });
	}
	return new TokenKeeperError(code, `${what} failed: ${(error as Error | null)?.message ?? String(error)}`, { cause: error });
}
