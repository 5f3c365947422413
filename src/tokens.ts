import { jwtDecode } from 'jwt-decode';
import type { DPoPBinding, DPoPKey } from 'tokenkeeper/dpop'; // by the package's name: the types of the entries share no chunk
import { TokenKeeperError } from './errors.js';
import type { Claims } from './types.js';
import { isObject } from './values.js';

/** A normalised token set, as kept in memory, in storage and on the tab channel. */
export interface TokenSet {
	readonly v: 1;
	/** Id of the session: a login starts one, refreshes keep it. Ids sort by when their sessions began (see {@link newerSession}). */
	readonly sid: string;
	readonly accessToken: string;
	readonly refreshToken?: string | undefined;
	readonly tokenType: string;
	readonly scope?: string | undefined;
	readonly idToken?: string | undefined;
	/** Local clock (ms) when the set was received. */
	readonly receivedAt: number;
	/** Local clock (ms) when the access token expires; absent when unknown (then it is used until a 401). */
	readonly expiresAt?: number | undefined;
	/** Local clock (ms) when the refresh token expires, when the server says (`refresh_expires_in`, a JWT's `exp`). */
	readonly refreshExpiresAt?: number | undefined;
	/** The DPoP key the tokens are bound to (RFC 9449), when `tokenType` is `'DPoP'`: stored and sent to tabs with them. */
	readonly dpop?: DPoPKey | undefined;
}

/** When and how a token response arrived; the bounds of the local clock around the server's answer. */
export interface Receipt {
	/** Local time the request was sent (`-Infinity` when unknown, e.g. tokens handed over by the app). */
	readonly sentAt: number;
	readonly receivedAt: number;
	/** The answer's `Date` header (ms), when readable. */
	readonly serverDate?: number | undefined;
}

/** The largest delay `setTimeout` takes; longer delays fire at once. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Decodes a JWT's claims; `null` for an opaque or malformed token. */
export function decodeClaims(token: string): Claims | null {
	try {
		const claims = jwtDecode<Claims>(token);
		return isObject(claims) ? claims : null;
	} catch {
		return null;
	}
}

/**
 * The syntax of a token in `Authorization: Bearer …`: `b64token` (RFC 6750 section 2.1,
 * https://www.rfc-editor.org/rfc/rfc6750#section-2.1). It is RFC 9110's `token68` too, which is also what
 * `Authorization: DPoP …` carries (RFC 9449 section 7.1), so the check holds for sender-constrained tokens.
 * A token outside it (`abc€def`, control characters, spaces) would make every request throw a raw TypeError.
 */
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/;

/** A field of a token response by its RFC 6749 name (`expires_in`), else by the camelCase one (`expiresIn`). */
const field = (response: Record<string, unknown>, snake: string): unknown => response[snake] ?? response[snake.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase())];
const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const finiteNumber = (value: unknown): number | undefined => {
	const number = typeof value === 'string' && value.trim() ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
};

/**
 * The server's clock minus the local clock (ms), estimated from an instant the server stamped with
 * whole-second precision (`iat` or `Date`) and the local bounds of the exchange. Zero when the clocks
 * agree within what can be measured; otherwise the bound that makes tokens expire earlier, never later.
 */
export function estimateSkew(serverSecondsMs: number, receipt: Receipt): number {
	const low = serverSecondsMs - receipt.receivedAt;
	const high = serverSecondsMs + 999 - receipt.sentAt;
	if (low <= 0 && high >= 0) return 0;
	if (high < 0) return high;
	return Number.isFinite(high) ? high : low;
}

/** `seconds` after the request was sent (when it was received, for tokens handed over by the app), in the local clock. */
const inSeconds = (seconds: number, receipt: Receipt) => (Number.isFinite(receipt.sentAt) ? receipt.sentAt : receipt.receivedAt) + seconds * 1000;

/**
 * When the access token expires, in the local clock. `undefined` (use it until a 401) when the answer does
 * not say, or says what no clock explains (a lifetime of zero or less). A token whose lifetime ran out on the way
 * (a slow answer, a laptop that slept), or that came already expired (only `exp`, in the past by the server's
 * `Date` or, without one, by the local clock), keeps its expiry: it is due at once, and refreshed before any use.
 */
function expiryOf(response: Record<string, unknown>, claims: Claims | null, receipt: Receipt): number | undefined {
	const exp = finiteNumber(claims?.exp);
	const iat = finiteNumber(claims?.iat);
	const expiresIn = finiteNumber(field(response, 'expires_in'));
	if (exp !== undefined && iat !== undefined) return exp > iat ? exp * 1000 - estimateSkew(iat * 1000, receipt) : undefined;
	if (expiresIn !== undefined) return expiresIn > 0 ? inSeconds(expiresIn, receipt) : undefined;
	if (exp === undefined) return undefined;
	return exp * 1000 - (receipt.serverDate === undefined ? 0 : estimateSkew(receipt.serverDate, receipt));
}

/** When the refresh token expires: `refresh_expires_in` (Keycloak and others) or a JWT refresh token's `exp`. */
function refreshExpiryOf(response: Record<string, unknown>, refreshToken: string | undefined, receipt: Receipt): number | undefined {
	const expiresIn = finiteNumber(field(response, 'refresh_expires_in'));
	if (expiresIn !== undefined && expiresIn > 0) return inSeconds(expiresIn, receipt);
	const exp = refreshToken === undefined ? undefined : finiteNumber(decodeClaims(refreshToken)?.exp);
	return exp === undefined ? undefined : exp * 1000;
}

/**
 * Turns a token response into a token set. Throws `INVALID_TOKEN_RESPONSE` for anything that is not one.
 * A response without a refresh token keeps the previous one (RFC 6749 section 6).
 */
export function toTokenSet(response: unknown, receipt: Receipt, previous?: TokenSet, dpop?: DPoPBinding, key = previous?.dpop): TokenSet {
	if (!isObject(response) || Array.isArray(response)) {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', `Not a token response: ${response === null ? 'null' : typeof response}`);
	}
	const accessToken = field(response, 'access_token');
	if (typeof accessToken !== 'string' || !accessToken) {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', 'No access_token');
	}
	if (!TOKEN_SYNTAX.test(accessToken)) {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', 'The access_token has characters a header cannot carry (RFC 6750 section 2.1)');
	}
	const tokenType = optionalString(field(response, 'token_type')) ?? 'Bearer';
	const claims = decodeClaims(accessToken);
	// RFC 9449 section 5: a request with a proof may be answered DPoP (bound to its key) or, if allowed, Bearer
	const bound = key !== undefined && dpop?.binds(tokenType, claims, key) === true;
	if (!bound && tokenType.toLowerCase() !== 'bearer') {
		throw new TokenKeeperError('INVALID_TOKEN_RESPONSE', `token_type ${tokenType} is not Bearer`);
	}
	const expiresAt = finiteNumber(expiryOf(response, claims, receipt)); // past what a number holds says nothing
	const newRefreshToken = optionalString(field(response, 'refresh_token'));
	const refreshToken = newRefreshToken ?? previous?.refreshToken;
	const refreshExpiresAt = newRefreshToken === undefined ? previous?.refreshExpiresAt : refreshExpiryOf(response, newRefreshToken, receipt);
	const scope = optionalString(response.scope) ?? previous?.scope;
	const idToken = optionalString(field(response, 'id_token')) ?? previous?.idToken;
	return {
		v: 1,
		sid: previous?.sid ?? sessionId(receipt.receivedAt),
		accessToken,
		tokenType: bound ? 'DPoP' : 'Bearer',
		dpop: bound ? key : undefined,
		receivedAt: receipt.receivedAt,
		refreshToken,
		scope,
		idToken,
		expiresAt,
		refreshExpiresAt: finiteNumber(refreshExpiresAt),
	};
}

/** Whether a value read from storage or the tab channel is a token set this version wrote. */
export function isTokenSet(set: unknown): set is TokenSet {
	if (!isObject(set)) return false;
	const optional = (key: string, type: 'string' | 'number') => set[key] === undefined || typeof set[key] === type;
	return (
		set.v === 1 &&
		typeof set.sid === 'string' &&
		typeof set.accessToken === 'string' &&
		set.accessToken !== '' &&
		typeof set.tokenType === 'string' &&
		typeof set.receivedAt === 'number' &&
		optional('refreshToken', 'string') &&
		optional('scope', 'string') &&
		optional('idToken', 'string') &&
		optional('refreshExpiresAt', 'number') &&
		(set.expiresAt === undefined || Number.isFinite(set.expiresAt)) // a number, and one a timer can use
	);
}

/** Scopes from the set's `scope`, else the token's `scope` or `scp` claim. */
export function scopesOf(set: TokenSet, claims: Claims | null): string[] {
	const claim = claims?.scope ?? claims?.scp;
	const scope = set.scope ?? (Array.isArray(claim) ? claim.join(' ') : claim);
	return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

let lastStart = 0;
/**
 * A session id: when it began (fixed-width base 36, so ids sort in time; strictly later than the previous one of this
 * page, so a page's logins sort in the order they happened even within a millisecond), then 128 random bits.
 */
function sessionId(at: number): string {
	lastStart = Math.max(Math.floor(at), lastStart + 1);
	return `${lastStart.toString(36).padStart(9, '0')}.${randomId()}`;
}

/**
 * Whether `a` belongs to a session that began after `b`'s: when two tabs sign in at about the same time, every tab
 * and storage settle on the newer session, whatever order their messages and writes arrive in.
 */
export const newerSession = (a: TokenSet, b: TokenSet) => a.sid > b.sid;

/** A random id (128 bits, hex). */
export function randomId(): string {
	const bytes = new Uint8Array(16);
	globalThis.crypto.getRandomValues(bytes);
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
