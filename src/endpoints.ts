import { TokenKeeperError, type ErrorCode } from './errors.js';
import type { Receipt } from './tokens.js';
import type { EndpointContext, EndpointFunctions, Endpoints, TokenResult } from './types.js';

/** Joins an endpoint path to `apiUrl` the way `ky`'s `prefixUrl` does; absolute URLs are kept. */
export function resolveUrl(path: string, apiUrl: string | undefined): string {
	if (/^[a-z][a-z\d+.-]*:/i.test(path) || apiUrl === undefined) return path;
	return `${apiUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** Endpoint URLs become functions that POST JSON; functions are kept as they are. */
export function endpointFunctions({ login, refresh, logout }: Endpoints = {}, apiUrl?: string): EndpointFunctions {
	const post = (path: string, body: unknown, { fetch, signal }: EndpointContext) =>
		fetch(resolveUrl(path, apiUrl), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body), signal });
	const functions: EndpointFunctions = {};
	if (typeof login === 'string') functions.login = ({ credentials, ...context }) => post(login, credentials, context);
	else if (login) functions.login = login;
	if (typeof refresh === 'string') functions.refresh = ({ refreshToken, ...context }) => post(refresh, { refresh_token: refreshToken }, context);
	else if (refresh) functions.refresh = refresh;
	if (typeof logout === 'string') {
		functions.logout = async ({ refreshToken, ...context }) => {
			const response = await post(logout, { refresh_token: refreshToken }, context);
			if (!response.ok) throw await errorFrom(response, 'REFRESH_FAILED', 'Revocation');
		};
	} else if (logout) functions.logout = logout;
	return functions;
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (value === null || value.trim() === '') return undefined;
	const seconds = Number(value);
	const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
	return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

const isResponse = (value: unknown): value is Response =>
	typeof value === 'object' && value !== null && typeof (value as Response).json === 'function' && typeof (value as Response).status === 'number' && typeof (value as Response).headers === 'object';

async function errorFrom(response: Response, code: ErrorCode, what: string): Promise<TokenKeeperError> {
	const body: unknown = await response.json().catch(() => undefined);
	const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
	const oauthError = typeof fields.error === 'string' ? fields.error : undefined;
	const description = fields.error_description ?? fields.message;
	const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
	return new TokenKeeperError(
		code,
		`${what} failed: HTTP ${response.status}${oauthError ? ` ${oauthError}` : ''}${typeof description === 'string' ? ` (${description})` : ''}`,
		{ status: response.status, cause: body, ...(oauthError === undefined ? {} : { oauthError }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
	);
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
	let result: TokenResult;
	try {
		result = await call();
	} catch (error) {
		throw await asTokenKeeperError(error, code, what, signal);
	}
	const receivedAt = Date.now();
	if (!isResponse(result)) return { body: result, receipt: { sentAt, receivedAt } };
	if (!result.ok) throw await errorFrom(result, code, what);
	const serverDate = Date.parse(result.headers.get('date') ?? '');
	let body: unknown;
	try {
		body = await result.json();
	} catch (cause) {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', `${what} answered HTTP ${result.status} with a body that is not JSON`, { cause, status: result.status });
	}
	return { body, receipt: { sentAt, receivedAt, ...(Number.isFinite(serverDate) ? { serverDate } : {}) } };
}

/** Maps whatever an endpoint call threw to a `TokenKeeperError` (an abort by `signal` stays an abort). */
export async function asTokenKeeperError(error: unknown, code: ErrorCode, what: string, signal?: AbortSignal): Promise<unknown> {
	if (error instanceof TokenKeeperError) return error;
	if (signal?.aborted && signal.reason === error) return error;
	const name = (error as Error | null)?.name;
	const response = (error as { response?: unknown } | null)?.response;
	if (isResponse(response)) return errorFrom(response, code, what); // ky's HTTPError and the like
	if (name === 'TimeoutError' || name === 'AbortError' || error instanceof TypeError) {
		return new TokenKeeperError('NETWORK_ERROR', `${what} got no answer: ${(error as Error).message}`, { cause: error });
	}
	return new TokenKeeperError(code, `${what} failed: ${(error as Error | null)?.message ?? String(error)}`, { cause: error });
}
