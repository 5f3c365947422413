import { TokenKeeperError } from '../errors.js';
import { decodeClaims, estimateSkew, type Receipt } from '../tokens.js';

/** How far an ID token's `exp` may lie in the past (clocks drift; the `Date` header corrects the rest). */
export const ID_TOKEN_LEEWAY_MS = 60_000;

/** Who the ID token of a code exchange must be from and for. */
export interface IdTokenExpectations {
	/** The configured issuer; `undefined` when only explicit endpoints were given (then `iss` cannot be compared). */
	readonly issuer?: string | undefined;
	readonly clientId: string;
}

const failed = (message: string) => new TokenKeeperError('LOGIN_FAILED', `ID token ${message} (OpenID Connect Core 3.1.3.7): nothing stored`);

/**
 * Checks the ID token of a token response (OpenID Connect Core section 3.1.3.7,
 * https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation): `iss` is the issuer, `aud`
 * holds the client (and `azp`, present or needed by several audiences, names it), `exp` is not past (by the
 * server's clock as the `Date` header tells it, with a minute's leeway) and `nonce` is the one the
 * authorization request carried, if it carried one.
 *
 * Its signature is not checked: the token came straight from the token endpoint over TLS, in answer to
 * this client's own request, which section 3.1.3.7 item 6 allows to stand in for it.
 * A token response without an ID token passes (a plain OAuth 2.0 server sends none).
 */
export function checkIdToken({ body, receipt }: { body: unknown; receipt: Receipt }, { issuer, clientId }: IdTokenExpectations, nonce: string | undefined): void {
	const response = body as { id_token?: unknown; idToken?: unknown } | null | undefined; // a body that is no object has neither
	const idToken = response?.id_token ?? response?.idToken;
	if (idToken === undefined) return;
	const claims = decodeClaims(idToken as string); // null for what is not a string, as jwt-decode refuses it
	if (claims === null) throw failed('is not a JWT');
	if (issuer !== undefined && claims.iss !== issuer) throw failed(`comes from issuer "${claims.iss}", not "${issuer}"`);
	const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
	if (!audiences.includes(clientId)) throw failed(`is not meant for client "${clientId}" (aud ${JSON.stringify(claims.aud)})`);
	// several audiences need an azp, and an azp must name this client
	if (claims.azp === undefined ? audiences.length > 1 : claims.azp !== clientId) throw failed(`has azp ${JSON.stringify(claims.azp)} for aud ${JSON.stringify(claims.aud)}, not "${clientId}"`);
	if (!Number.isFinite(claims.exp)) throw failed('has no exp');
	// the server's clock by its Date header; without one the local clock (no skew: the server's time taken as the arrival's)
	if ((claims.exp as number) * 1000 + ID_TOKEN_LEEWAY_MS <= receipt.receivedAt + estimateSkew(receipt.serverDate ?? receipt.receivedAt, receipt)) throw failed('has expired');
	if (nonce !== undefined && claims.nonce !== nonce) throw failed('has the wrong nonce');
}
