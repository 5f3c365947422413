import { callTokenEndpoint } from '../endpoints.js';
import { type ErrorCode, type ErrorDetails, TokenKeeperError } from '../errors.js';
import type { EndpointContext, RedirectLogin } from '../types.js';
import type { Discover, EndpointField } from './discovery.js';
import { type FieldValue, setParams } from './form.js';
import { checkIdToken } from './id-token.js';
import type { OAuth2Options } from './preset.js';
import { randomString, s256 } from './pkce.js';

/** What this tab keeps in sessionStorage between the redirect to the server and the callback. */
interface PendingLogin {
	state: string;
	verifier: string;
	redirectUri: string;
	/** The OpenID Connect `nonce` sent, when the scope asked for `openid`. */
	nonce?: string | undefined;
	/** The server said it always sends `iss` in its answers (RFC 9207): an answer without one is refused. */
	issRequired: boolean;
	appState?: unknown;
}

/**
 * Parameters of the authorization request that are the SDK's: `params` cannot replace them, or a caller
 * could turn PKCE to `plain`, drop the state or the nonce, or send the code elsewhere.
 */
export const RESERVED_PARAMETERS: readonly string[] = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'dpop_jkt'];

/** How the redirect flow reaches the server; the preset provides it. */
export interface Server {
	/** An endpoint given explicitly, else discovered (a failure is a `code` error); `undefined` when the server has none. */
	endpoint(explicit: string | undefined, field: EndpointField, fetch: typeof globalThis.fetch, code: ErrorCode): Promise<string | undefined>;
	/** The same, but a server without it is a `CONFIGURATION_ERROR`. */
	required(explicit: string | undefined, field: EndpointField, fetch: typeof globalThis.fetch, code: ErrorCode): Promise<string>;
	/** POSTs a grant to the token endpoint, with client authentication. */
	token(fields: Record<string, FieldValue>, context: EndpointContext, code: ErrorCode): Promise<Response>;
	/** The issuer's metadata; absent when only explicit endpoints were given. */
	discover: Discover | undefined;
}

const pendingKey = (name: string) => `tokenkeeper:${name}:redirect`;
const failed = (message: string, details?: ErrorDetails) => new TokenKeeperError('LOGIN_FAILED', message, details);
const navigate = (url: string) => location.assign(url);

/**
 * The authorization-code flow with PKCE (RFC 7636), for browser apps as RFC 9700 asks: a random S256
 * verifier and `state` kept in this tab's sessionStorage, checked before anything is sent, the code
 * exchanged at most once, and the `iss` of the answer checked against the issuer (RFC 9207).
 */
export function createRedirectLogin(config: OAuth2Options, { endpoint, required, token, discover }: Server): RedirectLogin {
	return {
		async loginWithRedirect(options, { name, fetch, newDPoPKey }) {
			const params = options.params ?? {};
			for (const key of RESERVED_PARAMETERS) {
				if (key in params) throw new TypeError(`tokenkeeper: params cannot set "${key}", the SDK's own`);
			}
			const url = new URL(await required(config.authorizationEndpoint, 'authorization_endpoint', fetch, 'LOGIN_FAILED'));
			if (!globalThis.crypto?.subtle) throw failed('PKCE needs crypto.subtle: a secure page (https, localhost)');
			const verifier = randomString();
			const scope = options.scope ?? config.scope;
			const pending: PendingLogin = {
				state: randomString(),
				verifier,
				redirectUri: config.redirectUri ?? `${location.origin}${location.pathname}`,
				nonce: scope?.split(' ').includes('openid') ? randomString() : undefined, // OpenID Connect Core 3.1.2.1
				// RFC 9207 section 3: the metadata promises iss. Without an explicit authorization endpoint it was just discovered
				// (or the login failed); with one, a server that publishes no metadata makes no promise.
				issRequired: (await discover?.(fetch, 'LOGIN_FAILED').catch(() => undefined))?.authorization_response_iss_parameter_supported === true,
				appState: options.appState,
			};
			try {
				sessionStorage.setItem(pendingKey(name), JSON.stringify(pending)); // without the fields left undefined
			} catch (cause) {
				throw failed(`No sessionStorage for the login: ${cause}`, { cause }); // a sandboxed frame, storage turned off
			}
			setParams(url.searchParams, {
				response_type: 'code',
				client_id: config.clientId,
				redirect_uri: pending.redirectUri,
				scope,
				state: pending.state,
				nonce: pending.nonce,
				code_challenge: await s256(verifier),
				code_challenge_method: 'S256',
				prompt: options.prompt,
				resource: config.resource,
				dpop_jkt: await newDPoPKey?.(),
				...params,
			});
			await (options.openUrl ?? navigate)(url.href);
		},

		/** Checks the answer, exchanges the code and starts the session; every failure is `LOGIN_FAILED`. */
		async handleRedirectCallback(href, { name, fetch, timed, ready, startSession, dpopExchange }) {
			await ready;
			let url: URL;
			try {
				url = new URL(href);
			} catch (cause) {
				throw failed(`Not a callback URL: "${href}"`, { cause });
			}
			const params = url.searchParams;
			try {
				const key = pendingKey(name);
				let pending: PendingLogin | null = null;
				try {
					pending = JSON.parse(sessionStorage.getItem(key) ?? 'null'); // as loginWithRedirect wrote it
				} catch {
					// no sessionStorage here: no login pending either
				}
				if (!pending) throw failed('No redirect login pending in this tab (already handled, or started in another)');
				if (params.get('state') !== pending.state) throw failed('Wrong state: code not exchanged');
				sessionStorage.removeItem(key); // from here on the flow is spent: the code is exchanged at most once
				const iss = params.get('iss');
				if (iss === null && pending.issRequired) {
					throw failed('The callback has no iss, which the server promises (RFC 9207): code not exchanged');
				}
				if (iss !== null && config.issuer !== undefined && iss !== config.issuer) {
					throw failed(`From issuer "${iss}", not "${config.issuer}" (RFC 9207): code not exchanged`);
				}
				const error = params.get('error');
				if (error !== null) {
					const description = params.get('error_description');
					throw failed(`The authorization server answered ${error}${description ? `: ${description}` : ''}`, { oauthError: error, cause: { error, error_description: description } });
				}
				const code = params.get('code');
				if (!code) throw failed('Neither code nor error');
				const signal = timed();
				const exchangeFetch = (await dpopExchange?.()) ?? fetch; // DPoP: the proofs of the key dpop_jkt named (RFC 9449 section 10)
				try {
					const answer = await callTokenEndpoint(
						() => token({ grant_type: 'authorization_code', code, code_verifier: pending.verifier, redirect_uri: pending.redirectUri }, { fetch: exchangeFetch, signal }, 'LOGIN_FAILED'),
						'LOGIN_FAILED',
						'The code exchange',
						signal,
					);
					checkIdToken(answer, config, pending.nonce);
					return { session: await startSession(answer), appState: pending.appState };
				} catch (cause) {
					throw cause instanceof TokenKeeperError && cause.code === 'LOGIN_FAILED' ? cause : failed(`Code exchange failed: ${(cause as Error).message}`, { cause });
				}
			} finally {
				// RFC 9700: the code must not linger in the address bar, nor a failed answer's; every other parameter and the hash stay
				if (globalThis.history && location.href === href) {
					for (const parameter of ['code', 'state', 'iss', 'session_state']) params.delete(parameter);
					history.replaceState(history.state, '', url.href);
				}
			}
		},

		async endSession({ returnTo, openUrl = navigate }, idToken, { fetch, reportError }) {
			if (returnTo === undefined) return;
			const found = await endpoint(config.endSessionEndpoint, 'end_session_endpoint', fetch, 'LOGIN_FAILED').catch(
				(cause: unknown) => void reportError(cause instanceof TokenKeeperError ? cause : failed(`End-session discovery failed: ${cause}`, { cause })),
			);
			if (found === undefined) return;
			const url = new URL(found);
			setParams(url.searchParams, { client_id: config.clientId, post_logout_redirect_uri: returnTo, id_token_hint: idToken });
			await openUrl(url.href);
		},
	};
}
