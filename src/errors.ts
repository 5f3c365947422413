/**
 * What went wrong, as a machine-readable code.
 *
 * - `LOGIN_FAILED`: the login endpoint rejected the credentials (or a redirect login failed).
 * - `REFRESH_FAILED`: the refresh endpoint answered with an error.
 * - `SESSION_EXPIRED`: there is no session (any more) to take a token from.
 * - `INVALID_TOKEN_RESPONSE`: a token endpoint answered with something that is not a token response.
 * - `STORAGE_FAILED`: the storage could not be read or written, or held a value that is not a session.
 * - `NETWORK_ERROR`: the request did not get an answer (offline, DNS, CORS, timeout).
 * - `REVOCATION_FAILED`: the revocation endpoint (RFC 7009) failed at logout; the local logout happened all the same.
 * - `CONFIGURATION_ERROR`: the keeper is not set up for what was asked (no login or refresh endpoint, no `oauth2()`
 *   for a redirect login, a server without the endpoint it needs).
 * - `DPOP_KEY_UNAVAILABLE`: no DPoP key can be made (no WebCrypto, or no Ed25519 when asked for it), or the key a session's tokens are bound to is gone.
 */
export type ErrorCode =
	| 'LOGIN_FAILED'
	| 'REFRESH_FAILED'
	| 'SESSION_EXPIRED'
	| 'INVALID_TOKEN_RESPONSE'
	| 'STORAGE_FAILED'
	| 'NETWORK_ERROR'
	| 'REVOCATION_FAILED'
	| 'CONFIGURATION_ERROR'
	| 'DPOP_KEY_UNAVAILABLE';

/** Details that come with an error from an HTTP answer. */
export interface ErrorDetails {
	/** The original error. */
	cause?: unknown;
	/** HTTP status of the answer, when there was one. */
	status?: number;
	/** The OAuth 2.0 `error` field of the answer (`invalid_grant`, `invalid_client`, …). */
	oauthError?: string | undefined;
	/** How long the server asked us to wait (`Retry-After`), in milliseconds. */
	retryAfterMs?: number | undefined;
}

/**
 * The one error class of tokenkeeper. Check `code`, not the message.
 *
 * @example
 * try {
 *   await auth.login({ username, password });
 * } catch (error) {
 *   if (error instanceof TokenKeeperError && error.code === 'LOGIN_FAILED') showWrongPassword();
 * }
 */
export class TokenKeeperError extends Error {
	// Declared, then set in the constructor: a class field is compiled for older targets into a helper of
	// its own, and the values are the same own, enumerable properties either way.
	declare readonly name: 'TokenKeeperError';
	declare readonly code: ErrorCode;
	declare readonly status: number | undefined;
	declare readonly oauthError: string | undefined;
	declare readonly retryAfterMs: number | undefined;

	constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.name = 'TokenKeeperError';
		this.code = code;
		this.status = details.status;
		this.oauthError = details.oauthError;
		this.retryAfterMs = details.retryAfterMs;
	}
}
