import { TokenKeeperError } from '../errors.js';
import { decodeClaims, estimateSkew, type Receipt } from '../tokens.js';

/** How far an ID token's `exp` may lie in the past (clocks drift; the `Date` header corrects the rest). */
export const ID_TOKEN_LEEWAY_MS = 60_000;

/** Who the ID token of a code exchange must be from and for. */
export interface IdTokenExpectations {
	/** The configured issuer; `undefined` when only explicit endpoints were given (then `iss` cannot be compared). */
	readonly issuer: string | undefined;
	readonly clientId: string;
}

const failed = (message: string) => new TokenKeeperError('LOGIN_FAILED', `ID token ${message} (OpenID Connect Core 3.1.3.7): nothing stored`);

/**
 * Checks the ID token of a token response (OpenID Connect Core section 3.1.3.7,
 * https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation): `iss` is the issuer, `aud`
 * holds the client (with `azp` naming it when there are several audiences), `exp` is not past (by the
 * server's clock as the `Date` header tells it, with a minute's leeway) and `nonce` is the one the authorization request carried, if it carried one.
 *
 * Its signature is not checked: the token came straight from the token endpoint over TLS, in answer to
 * this client's own request, which section 3.1.3.7 item 6 allows to stand in for it.
 * A token response without an ID token passes (a plain OAuth 2.0 server sends none).
 */
export function checkIdToken({ body, receipt }: { body: unknown; receipt: Receipt }, expected: IdTokenExpectations, nonce: string | undefined): void {
	const response = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
	const idToken = response.id_token ?? response.idToken;
	if (idToken === undefined) return;
	const claims = typeof idToken === 'string' ? decodeClaims(idToken) : null;
	if (claims === null) throw failed('is not a JWT');
	if (expected.issuer !== undefined && claims.iss !== expected.issuer) throw failed(`comes from issuer "${String(claims.iss)}", not "${expected.issuer}"`);
	const audiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
	if (!audiences.includes(expected.clientId)) throw failed(`is not meant for client "${expected.clientId}" (aud ${JSON.stringify(claims.aud)})`);
	if (claims.azp !== undefined && claims.azp !== expected.clientId) throw failed(`is for azp "${String(claims.azp)}"`);
	if (audiences.length > 1 && claims.azp === undefined) throw failed('has several audiences and no azp');
	if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw failed('has no exp');
	const skew = receipt.serverDate === undefined ? 0 : estimateSkew(receipt.serverDate, receipt);
	if (claims.exp * 1000 + ID_TOKEN_LEEWAY_MS <= receipt.receivedAt + skew) throw failed('has expired');
	if (nonce !== undefined && claims.nonce !== nonce) throw failed('has the wrong nonce');
}
