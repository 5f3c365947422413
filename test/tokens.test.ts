import { describe, expect, it } from 'vitest';
import { TokenKeeperError } from '../src/errors.js';
import { decodeClaims, estimateSkew, isTokenSet, scopesOf, toTokenSet } from '../src/tokens.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned JWT: the client never verifies signatures, it only reads claims. */
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const at = (receivedAt: number, sentAt = receivedAt - 40) => ({ sentAt, receivedAt });

describe('toTokenSet', () => {
	it('reads the OAuth 2.0 shape and the camelCase shape alike', () => {
		const snake = toTokenSet({ access_token: 'opaque-1', refresh_token: 'r1', expires_in: 300, token_type: 'bearer', scope: 'a b' }, at(NOW));
		const camel = toTokenSet({ accessToken: 'opaque-1', refreshToken: 'r1', expiresIn: '300', tokenType: 'Bearer', scope: 'a b' }, at(NOW));
		for (const set of [snake, camel]) {
			expect(set).toMatchObject({ v: 1, accessToken: 'opaque-1', refreshToken: 'r1', scope: 'a b', tokenType: 'Bearer' });
			expect(set.expiresAt).toBe(NOW - 40 + 300_000); // counted from when the request left: never later than the server's
		}
	});

	it.each([
		['a string', 'token'],
		['null', null],
		['an array', [1]],
		['no access token', { refresh_token: 'r' }],
		['an empty access token', { access_token: '' }],
		['an access token with spaces', { access_token: 'a b' }],
		['a number as access token', { access_token: 42 }],
		['a non-Bearer token type', { access_token: 'x', token_type: 'MAC' }],
	])('rejects %s with INVALID_TOKEN_RESPONSE', (_, raw) => {
		const error = (() => {
			try {
				toTokenSet(raw, at(NOW));
			} catch (thrown) {
				return thrown;
			}
		})();
		expect(error).toBeInstanceOf(TokenKeeperError);
		expect((error as TokenKeeperError).code).toBe('INVALID_TOKEN_RESPONSE');
	});

	it('takes expiry from the JWT, corrected by the skew seen in iat', () => {
		const serverNow = NOW + 2 * 3600_000; // the server is two hours ahead of this machine
		const token = jwt({ sub: 'alice', iat: Math.floor(serverNow / 1000), exp: Math.floor(serverNow / 1000) + 600 });
		const set = toTokenSet({ access_token: token, expires_in: 600 }, at(NOW));
		expect(set.expiresAt).toBeLessThanOrEqual(NOW + 600_000);
		expect(set.expiresAt).toBeGreaterThan(NOW + 598_000);
	});

	it('keeps a clock that agrees with the server uncorrected', () => {
		const token = jwt({ iat: Math.floor(NOW / 1000), exp: Math.floor(NOW / 1000) + 60 });
		expect(toTokenSet({ access_token: token }, at(NOW + 20)).expiresAt).toBe(Math.floor(NOW / 1000) * 1000 + 60_000);
	});

	it('uses expires_in for opaque tokens, and no expiry at all when there is neither', () => {
		expect(toTokenSet({ access_token: 'opaque', expires_in: 60 }, at(NOW)).expiresAt).toBe(NOW - 40 + 60_000);
		expect(toTokenSet({ access_token: 'opaque' }, at(NOW)).expiresAt).toBeUndefined();
		expect(toTokenSet({ access_token: 'not.a.jwt' }, at(NOW)).expiresAt).toBeUndefined();
	});

	it('uses exp with the Date header when the JWT has no iat', () => {
		const token = jwt({ exp: Math.floor((NOW + 3600_000 + 300_000) / 1000) }); // server one hour ahead, 5 minutes left
		const set = toTokenSet({ access_token: token }, { sentAt: NOW - 10, receivedAt: NOW, serverDate: NOW + 3600_000 });
		expect(set.expiresAt! - NOW).toBeGreaterThan(298_000);
		expect(set.expiresAt! - NOW).toBeLessThanOrEqual(300_000);
	});

	it('uses a token that says nothing a clock explains until a 401, rather than refreshing in a loop', () => {
		const backwards = jwt({ iat: Math.floor(NOW / 1000), exp: Math.floor(NOW / 1000) - 10 });
		expect(toTokenSet({ access_token: backwards }, at(NOW)).expiresAt).toBeUndefined();
		expect(toTokenSet({ access_token: 'opaque', expires_in: -5 }, at(NOW)).expiresAt).toBeUndefined();
		expect(toTokenSet({ access_token: 'opaque', expires_in: 0 }, at(NOW)).expiresAt).toBeUndefined();
		expect(toTokenSet({ access_token: 'opaque', expires_in: 1e306 }, at(NOW)).expiresAt).toBeUndefined();
	});

	it('a token that came already expired (only exp, in the past) keeps its expiry: it is due at once', () => {
		expect(toTokenSet({ access_token: jwt({ exp: Math.floor(NOW / 1000) - 60 }) }, at(NOW)).expiresAt).toBe((Math.floor(NOW / 1000) - 60) * 1000);
		// RFC 7519's own example token: exp 1300819380, no iat
		expect(toTokenSet({ access_token: jwt({ iss: 'joe', exp: 1300819380 }) }, { sentAt: -Infinity, receivedAt: NOW }).expiresAt).toBe(1300819380_000);
	});

	it('keeps the expiry of a token whose lifetime ran out on the way (a slow answer, a laptop asleep)', () => {
		const token = jwt({ iat: Math.floor(NOW / 1000), exp: Math.floor(NOW / 1000) + 10 });
		expect(toTokenSet({ access_token: token }, { sentAt: NOW, receivedAt: NOW + 30_000 }).expiresAt).toBe(Math.floor(NOW / 1000) * 1000 + 10_000);
	});

	it('keeps the previous refresh token, scope and session id when a refresh answer omits them', () => {
		const first = toTokenSet({ access_token: 'a1', refresh_token: 'r1', scope: 'read' }, at(NOW));
		const second = toTokenSet({ access_token: 'a2' }, at(NOW + 1000), first);
		expect(second).toMatchObject({ accessToken: 'a2', refreshToken: 'r1', scope: 'read', sid: first.sid });
		const third = toTokenSet({ access_token: 'a3', refresh_token: 'r2' }, at(NOW + 2000), second);
		expect(third.refreshToken).toBe('r2');
	});

	it('starts a new session id for every login', () => {
		expect(toTokenSet({ access_token: 'a' }, at(NOW)).sid).not.toBe(toTokenSet({ access_token: 'a' }, at(NOW)).sid);
	});
});

describe('estimateSkew', () => {
	it('is zero when the server second falls inside the exchange', () => {
		expect(estimateSkew(NOW - 500, { sentAt: NOW - 100, receivedAt: NOW })).toBe(0);
	});
	it('errs towards an earlier expiry when the server is ahead or behind', () => {
		expect(estimateSkew(NOW + 600_000, { sentAt: NOW - 100, receivedAt: NOW })).toBe(600_000 + 999 + 100);
		expect(estimateSkew(NOW - 600_000, { sentAt: NOW - 100, receivedAt: NOW })).toBe(-600_000 + 999 + 100);
	});
	it('uses the certain bound when the send time is unknown', () => {
		expect(estimateSkew(NOW + 60_000, { sentAt: -Infinity, receivedAt: NOW })).toBe(60_000);
		expect(estimateSkew(NOW - 60_000, { sentAt: -Infinity, receivedAt: NOW })).toBe(0); // an old token, not a slow clock
	});
});

describe('stored values', () => {
	it('accepts what toTokenSet makes and nothing foreign', () => {
		expect(isTokenSet(toTokenSet({ access_token: 'a', refresh_token: 'r', expires_in: 5 }, at(NOW)))).toBe(true);
		for (const value of [
			null,
			'x',
			42,
			{},
			{ v: 2, sid: 's', accessToken: 'a', tokenType: 'Bearer', receivedAt: 1 },
			{ v: 1, sid: 's', accessToken: 'a', tokenType: 'Bearer', receivedAt: 1, expiresAt: 'soon' },
			{ v: 1, sid: 's', accessToken: 'a', tokenType: 'Bearer', receivedAt: 1, expiresAt: Number.NaN },
			{ v: 1, sid: 's', accessToken: 'a', tokenType: 'Bearer', receivedAt: 1, expiresAt: Number.POSITIVE_INFINITY }, // no timer can wait for it
		]) {
			expect(isTokenSet(value)).toBe(false);
		}
	});
});

describe('claims and scopes', () => {
	it('decodes JWT claims and gives null for opaque tokens', () => {
		expect(decodeClaims(jwt({ sub: 'alice' }))).toMatchObject({ sub: 'alice' });
		expect(decodeClaims('opaque')).toBeNull();
		expect(decodeClaims('a.b.c')).toBeNull();
	});
	it('reads scopes from the response, else from scope or scp claims', () => {
		const set = (access_token: string, scope?: string) => toTokenSet({ access_token, ...(scope ? { scope } : {}) }, at(NOW));
		expect(scopesOf(set('opaque', 'a  b'), null)).toEqual(['a', 'b']);
		const withScope = jwt({ scope: 'read write' });
		expect(scopesOf(set(withScope), decodeClaims(withScope))).toEqual(['read', 'write']);
		const withScp = jwt({ scp: ['x', 'y'] });
		expect(scopesOf(set(withScp), decodeClaims(withScp))).toEqual(['x', 'y']);
		expect(scopesOf(set('opaque'), null)).toEqual([]);
	});
});
