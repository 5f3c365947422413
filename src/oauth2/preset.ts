import type { ErrorCode } from '../errors.js';
import { TokenKeeperError } from '../errors.js';
import type { EndpointContext, Endpoints, TokenKeeperOptions } from '../types.js';
import { createDiscovery, type ServerMetadata } from './discovery.js';
import { type FieldValue, setParams } from './form.js';
import { createRedirectLogin } from './redirect.js';

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

/** The metadata fields that name an endpoint. */
type EndpointField = Exclude<keyof ServerMetadata, 'issuer' | 'authorization_response_iss_parameter_supported'>;

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

	/** An endpoint given explicitly, else discovered; `undefined` when the server has none. */
	const endpoint = async (explicit: string | undefined, field: EndpointField, fetch: typeof globalThis.fetch, code: ErrorCode) => explicit ?? (await discover?.(fetch, code))?.[field];
	const required = async (explicit: string | undefined, field: EndpointField, fetch: typeof globalThis.fetch, code: ErrorCode) => {
		const url = await endpoint(explicit, field, fetch, code);
		if (url === undefined) throw new TokenKeeperError('CONFIGURATION_ERROR', `The server has no ${field}: configure it`);
		return url;
	};

	const post = async (url: string, fields: Record<string, FieldValue>, { fetch, signal }: EndpointContext) => {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (clientSecret !== undefined) headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
		const body = setParams(new URLSearchParams(), { client_id: clientSecret === undefined ? clientId : undefined, ...fields });
		return fetch(url, { method: 'POST', headers, body, signal });
	};
	const tokenEndpoint = (fetch: typeof globalThis.fetch, code: ErrorCode) => required(options.tokenEndpoint, 'token_endpoint', fetch, code);

	const endpoints: Endpoints = {
		login: async ({ credentials, ...context }) =>
			post(
				await tokenEndpoint(context.fetch, 'LOGIN_FAILED'),
				{ grant_type: 'password', username: String(credentials.username ?? ''), password: String(credentials.password ?? ''), scope, resource },
				context,
			),
		refresh: async ({ refreshToken, ...context }) => post(await tokenEndpoint(context.fetch, 'REFRESH_FAILED'), { grant_type: 'refresh_token', refresh_token: refreshToken, resource }, context),
	};
	if (options.revocationEndpoint !== undefined || issuer !== undefined) {
		endpoints.logout = async ({ refreshToken, accessToken, ...context }) => {
			const url = await endpoint(options.revocationEndpoint, 'revocation_endpoint', context.fetch, 'REFRESH_FAILED');
			if (url === undefined) return; // the server offers no revocation
			return post(url, refreshToken === undefined ? { token: accessToken, token_type_hint: 'access_token' } : { token: refreshToken, token_type_hint: 'refresh_token' }, context);
		};
	}

	const redirectLogin = createRedirectLogin({
		clientId,
		issuer,
		redirectUri: options.redirectUri,
		scope,
		resource,
		authorizationEndpoint: (fetch) => required(options.authorizationEndpoint, 'authorization_endpoint', fetch, 'LOGIN_FAILED'),
		endSessionEndpoint: (fetch) => endpoint(options.endSessionEndpoint, 'end_session_endpoint', fetch, 'LOGIN_FAILED'),
		// Read from the metadata when it is discovered anyway: without an explicit authorization endpoint, loginWithRedirect
		// has just discovered it (and a failure stopped the login); with one, a server that publishes none makes no promise.
		issParameterSupported: async (fetch) => (await discover?.(fetch, 'LOGIN_FAILED').catch(() => undefined))?.authorization_response_iss_parameter_supported === true,
		exchange: async (fields, fetch, signal) => post(await tokenEndpoint(fetch, 'LOGIN_FAILED'), fields, { fetch, signal }),
	});
	return { endpoints, redirectLogin };
}

/** `application/x-www-form-urlencoded` encoding of a client credential (RFC 6749 section 2.3.1). */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
