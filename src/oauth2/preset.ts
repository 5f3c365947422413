import { TokenKeeperError } from '../errors.js';
import type { EndpointContext, Endpoints, TokenKeeperOptions } from '../types.js';
import { createDiscovery } from './discovery.js';
import { type FieldValue, setParams } from './form.js';
import { createRedirectLogin, type Server } from './redirect.js';

/** Options of the OAuth 2.0 preset. Give `issuer`, or the endpoints you need, or both (explicit endpoints win). */
export interface OAuth2Options {
	/**
	 * The authorization server; endpoints not given are discovered from it once, lazily (RFC 8414, then OpenID Connect Discovery).
	 * @example issuer: 'https://id.example.com/realms/shop'
	 */
	issuer?: string;
	/**
	 * The authorization endpoint, for `loginWithRedirect` (RFC 6749 section 3.1).
	 * @example authorizationEndpoint: 'https://id.example.com/authorize'
	 */
	authorizationEndpoint?: string;
	/**
	 * The token endpoint (RFC 6749 section 3.2).
	 * @example tokenEndpoint: 'https://id.example.com/oauth/token'
	 */
	tokenEndpoint?: string;
	/**
	 * The revocation endpoint (RFC 7009); `logout()` revokes the refresh token there.
	 * @example revocationEndpoint: 'https://id.example.com/oauth/revoke'
	 */
	revocationEndpoint?: string;
	/**
	 * The end-session endpoint (OpenID Connect RP-Initiated Logout): `logout({ returnTo })` ends the server's session there.
	 * @example endSessionEndpoint: 'https://id.example.com/logout'
	 */
	endSessionEndpoint?: string;
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
	 * Where the server sends the browser back after `loginWithRedirect`. Default: the current page, without query and hash.
	 * @example redirectUri: 'https://app.example.com/callback'
	 */
	redirectUri?: string;
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

/** What `oauth2()` returns: spread it into the options of `createTokenKeeper`. */
export type OAuth2Preset = Required<Pick<TokenKeeperOptions, 'endpoints' | 'redirectLogin'>>;

/**
 * Endpoint options for an OAuth 2.0 / OpenID Connect server: `loginWithRedirect` is the authorization-code
 * flow with PKCE, the refresh is the `refresh_token` grant (RFC 6749 section 6), `logout()` revokes the
 * refresh token (RFC 7009) and, with `returnTo`, ends the server's session; `login(credentials)` is the
 * password grant, for the servers that still allow it.
 *
 * @example
 * const auth = createTokenKeeper({
 *   ...oauth2({ issuer: 'https://id.example.com', clientId: 'spa', scope: 'openid offline_access api' }),
 *   apiUrl: 'https://api.example.com',
 * });
 */
export function oauth2(options: OAuth2Options): OAuth2Preset {
	const { issuer, clientId, clientSecret, scope, resource } = options;
	if (options.tokenEndpoint === undefined && issuer === undefined) throw new TypeError('oauth2() needs a tokenEndpoint or an issuer to discover it from');
	const discover = issuer === undefined ? undefined : createDiscovery(issuer);

	const endpoint: Server['endpoint'] = async (explicit, field, fetch, code) => explicit ?? (await discover?.(fetch, code))?.[field];
	const required: Server['required'] = async (explicit, field, fetch, code) => {
		const url = await endpoint(explicit, field, fetch, code);
		if (url === undefined) throw new TokenKeeperError('CONFIGURATION_ERROR', `The server has no ${field}: configure it`);
		return url;
	};

	/** POSTs `fields` with the client's authentication: its id in the body, or its secret with HTTP Basic. */
	const post = async (url: string, fields: Record<string, FieldValue>, { fetch, signal }: EndpointContext) => {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (clientSecret !== undefined) headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
		const body = setParams(new URLSearchParams(), { client_id: clientSecret === undefined ? clientId : undefined, ...fields });
		return fetch(url, { method: 'POST', headers, body, signal });
	};
	const token: Server['token'] = async (fields, context, code) => post(await required(options.tokenEndpoint, 'token_endpoint', context.fetch, code), fields, context);

	const endpoints: Endpoints = {
		login: ({ credentials, ...context }) =>
			token({ grant_type: 'password', username: String(credentials.username ?? ''), password: String(credentials.password ?? ''), scope, resource }, context, 'LOGIN_FAILED'),
		refresh: ({ refreshToken, ...context }) => token({ grant_type: 'refresh_token', refresh_token: refreshToken, resource }, context, 'REFRESH_FAILED'),
	};
	if (options.revocationEndpoint !== undefined || issuer !== undefined) {
		endpoints.logout = async ({ refreshToken, accessToken, ...context }) => {
			const url = await endpoint(options.revocationEndpoint, 'revocation_endpoint', context.fetch, 'REFRESH_FAILED');
			if (url === undefined) return; // the server offers no revocation
			return post(url, { token: refreshToken ?? accessToken, token_type_hint: refreshToken === undefined ? 'access_token' : 'refresh_token' }, context);
		};
	}
	return { endpoints, redirectLogin: createRedirectLogin(options, { endpoint, required, token, discover }) };
}

/** `application/x-www-form-urlencoded` encoding of a client credential (RFC 6749 section 2.3.1). */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
