import type { EndpointContext, Endpoints, TokenKeeperOptions } from './types.js';

/** Options of the OAuth 2.0 preset. */
export interface OAuth2Options {
	/**
	 * The token endpoint (RFC 6749 section 3.2).
	 * @example tokenEndpoint: 'https://id.example.com/oauth/token'
	 */
	tokenEndpoint: string;
	/**
	 * The revocation endpoint (RFC 7009); when given, `logout()` revokes the refresh token there.
	 * @example revocationEndpoint: 'https://id.example.com/oauth/revoke'
	 */
	revocationEndpoint?: string;
	/**
	 * The client's id.
	 * @example clientId: 'spa'
	 */
	clientId: string;
	/**
	 * Only for confidential clients (never ship a secret in a public web app): sent with HTTP Basic, RFC 6749 section 2.3.1.
	 * @example clientSecret: process.env.CLIENT_SECRET
	 */
	clientSecret?: string;
	/**
	 * Scopes to ask for, space-separated.
	 * @example scope: 'openid offline_access api'
	 */
	scope?: string;
	/**
	 * Resource indicator(s) (RFC 8707).
	 * @example resource: 'https://api.example.com'
	 */
	resource?: string | readonly string[];
}

/**
 * Endpoint options for an OAuth 2.0 server: `login(credentials)` is the password grant (for servers that
 * still allow it), the refresh is the `refresh_token` grant (RFC 6749 section 6), `logout()` revokes the
 * refresh token (RFC 7009). Spread it into the options of `createTokenKeeper`.
 *
 * @example
 * const auth = createTokenKeeper({
 *   ...oauth2({ tokenEndpoint: 'https://id.example.com/oauth/token', revocationEndpoint: 'https://id.example.com/oauth/revoke', clientId: 'spa' }),
 *   apiUrl: 'https://api.example.com',
 * });
 */
export function oauth2(options: OAuth2Options): Required<Pick<TokenKeeperOptions, 'endpoints'>> {
	const { tokenEndpoint, revocationEndpoint, clientId, clientSecret, scope, resource } = options;

	const post = (url: string, fields: Record<string, string | readonly string[] | undefined>, { fetch, signal }: EndpointContext) => {
		const body = new URLSearchParams();
		const headers: Record<string, string> = { accept: 'application/json' };
		if (clientSecret === undefined) body.set('client_id', clientId);
		else headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
		for (const [name, value] of Object.entries(fields)) {
			for (const item of typeof value === 'string' ? [value] : (value ?? [])) body.append(name, item);
		}
		return fetch(url, { method: 'POST', headers, body, signal });
	};

	const endpoints: Endpoints = {
		login: ({ credentials, ...context }) =>
			post(tokenEndpoint, { grant_type: 'password', username: String(credentials.username ?? ''), password: String(credentials.password ?? ''), scope, resource }, context),
		refresh: ({ refreshToken, ...context }) => post(tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, resource }, context),
	};
	if (revocationEndpoint !== undefined) {
		endpoints.logout = async ({ refreshToken, accessToken, ...context }) => {
			const response = await post(
				revocationEndpoint,
				refreshToken === undefined ? { token: accessToken, token_type_hint: 'access_token' } : { token: refreshToken, token_type_hint: 'refresh_token' },
				context,
			);
			if (!response.ok) throw Object.assign(new Error(`Revocation failed: HTTP ${response.status}`), { response });
		};
	}
	return { endpoints };
}

/** `application/x-www-form-urlencoded` encoding of a client credential (RFC 6749 section 2.3.1). */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
