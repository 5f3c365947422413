import { callTokenEndpoint } from '../endpoints.js';
import { TokenKeeperError } from '../errors.js';
import type { RedirectContext, RedirectLogin, Session } from '../types.js';
import { checkIdToken } from './id-token.js';
import { randomString, s256 } from './pkce.js';

/** What this tab keeps in sessionStorage between the redirect to the server and the callback. */
interface PendingLogin {
	state: string;
	verifier: string;
	redirectUri: string;
	/** The OpenID Connect `nonce` sent, when the scope asked for `openid`. */
	nonce?: string;
	/** The server said it always sends `iss` in its answers (RFC 9207): an answer without one is refused. */
	issRequired?: boolean;
	appState?: unknown;
}

/**
 * Parameters of the authorization request that are the SDK's: `params` cannot replace them, or a caller
 * could turn PKCE to `plain`, drop the state or the nonce, or send the code elsewhere.
 */
export const RESERVED_PARAMETERS: readonly string[] = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'dpop_jkt'];

/** Whether a space-separated scope asks for OpenID Connect. */
const asksForOpenId = (scope: string | undefined) => scope?.split(' ').includes('openid') === true;

/** How the redirect flow reaches the server; the preset provides it. */
export interface RedirectConfig {
	clientId: string;
	issuer: string | undefined;
	redirectUri: string | undefined;
	scope: string | undefined;
	resource: readonly string[];
	authorizationEndpoint(fetch: typeof globalThis.fetch): Promise<string>;
	endSessionEndpoint(fetch: typeof globalThis.fetch): Promise<string | undefined>;
	/** Whether the server's metadata says `authorization_response_iss_parameter_supported: true` (RFC 9207 section 3). */
	issParameterSupported(fetch: typeof globalThis.fetch): Promise<boolean>;
	/** POSTs an authorization_code grant to the token endpoint, with client authentication. */
	exchange(fields: Record<string, string>, fetch: typeof globalThis.fetch, signal: AbortSignal): Promise<Response>;
}

/** Takes the OAuth answer out of the address bar (RFC 9700: a code must not linger), keeping every other parameter and the hash. */
function forgetCallbackParameters(url: string) {
	if (!globalThis.history || globalThis.location?.href !== url) return;
	let clean: URL;
	try {
		clean = new URL(url);
	} catch {
		return;
	}
	for (const parameter of ['code', 'state', 'iss', 'session_state']) clean.searchParams.delete(parameter);
	globalThis.history.replaceState(globalThis.history.state, '', clean.href);
}

const pendingKey = (name: string) => `tokenkeeper:${name}:redirect`;
const failed = (message: string, details: { cause?: unknown; oauthError?: string } = {}) => new TokenKeeperError('LOGIN_FAILED', message, details);
const navigate = (url: string) => globalThis.location.assign(url);

function readPending(name: string): PendingLogin | null {
	try {
		const value: unknown = JSON.parse(globalThis.sessionStorage?.getItem(pendingKey(name)) ?? 'null');
		return typeof value === 'object' && value !== null && typeof (value as PendingLogin).state === 'string' && typeof (value as PendingLogin).verifier === 'string' ? (value as PendingLogin) : null;
	} catch {
		return null;
	}
}

/**
 * The authorization-code flow with PKCE (RFC 7636), for browser apps as RFC 9700 asks: a random S256
 * verifier and `state` kept in this tab's sessionStorage, checked before anything is sent, the code
 * exchanged at most once, and the `iss` of the answer checked against the issuer (RFC 9207).
 */
export function createRedirectLogin(config: RedirectConfig): RedirectLogin {
	/** Checks the answer, exchanges the code and starts the session; every failure is `LOGIN_FAILED`. */
	async function finishLogin(url: string, { name, fetch, timed, ready, startSession, dpopExchange }: RedirectContext): Promise<{ session: Session; appState: unknown }> {
		await ready;
		let params: URLSearchParams;
		try {
			params = new URL(url).searchParams;
		} catch (cause) {
			throw failed(`Not a callback URL: "${url}"`, { cause });
		}
		const pending = readPending(name);
		if (!pending) throw failed('No redirect login pending in this tab (already handled, or started in another)');
		if (params.get('state') !== pending.state) {
			throw failed('Wrong state: code not exchanged');
		}
		globalThis.sessionStorage.removeItem(pendingKey(name)); // from here on the flow is spent: the code is exchanged at most once
		const iss = params.get('iss');
		if (iss === null && pending.issRequired === true) {
			throw failed('The callback has no iss, which the server promises (RFC 9207 section 2.4): code not exchanged');
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
		const exchange = () => config.exchange({ grant_type: 'authorization_code', code, code_verifier: pending.verifier, redirect_uri: pending.redirectUri }, exchangeFetch, signal);
		let session: Session;
		try {
			const answer = await callTokenEndpoint(exchange, 'LOGIN_FAILED', 'The code exchange', signal);
			checkIdToken(answer.body, { issuer: config.issuer, clientId: config.clientId, nonce: pending.nonce, receipt: answer.receipt });
			session = await startSession(answer);
		} catch (cause) {
			throw cause instanceof TokenKeeperError && cause.code === 'LOGIN_FAILED' ? cause : failed(`Code exchange failed: ${(cause as Error).message}`, { cause });
		}
		return { session, appState: pending.appState };
	}

	return {
		async loginWithRedirect(options, { name, fetch, newDPoPKey }) {
			for (const key of Object.keys(options.params ?? {})) {
				if (RESERVED_PARAMETERS.includes(key)) throw new TypeError(`tokenkeeper: params cannot set "${key}", the SDK's own`);
			}
			const endpoint = new URL(await config.authorizationEndpoint(fetch));
			if (!globalThis.crypto?.subtle) throw failed('PKCE needs crypto.subtle: a secure page (https, localhost)');
			const verifier = randomString(32);
			const challenge = await s256(verifier);
			const scope = options.scope ?? config.scope;
			const pending: PendingLogin = {
				state: randomString(32),
				verifier,
				redirectUri: config.redirectUri ?? `${location.origin}${location.pathname}`,
				...(asksForOpenId(scope) ? { nonce: randomString(32) } : {}),
				...((await config.issParameterSupported(fetch)) ? { issRequired: true } : {}),
				...(options.appState === undefined ? {} : { appState: options.appState }),
			};
			try {
				globalThis.sessionStorage.setItem(pendingKey(name), JSON.stringify(pending));
			} catch (cause) {
				throw failed(`No sessionStorage for the login: ${String(cause)}`, { cause }); // a sandboxed frame, storage turned off
			}
			const query = endpoint.searchParams;
			query.set('response_type', 'code');
			query.set('client_id', config.clientId);
			query.set('redirect_uri', pending.redirectUri);
			if (scope !== undefined) query.set('scope', scope);
			query.set('state', pending.state);
			if (pending.nonce !== undefined) query.set('nonce', pending.nonce); // OpenID Connect Core 3.1.2.1
			query.set('code_challenge', challenge);
			query.set('code_challenge_method', 'S256');
			if (options.prompt !== undefined) query.set('prompt', options.prompt);
			for (const resource of config.resource) query.append('resource', resource);
			if (newDPoPKey) query.set('dpop_jkt', await newDPoPKey());
			for (const [key, value] of Object.entries(options.params ?? {})) query.set(key, value);
			await (options.openUrl ?? navigate)(endpoint.href);
		},

		async handleRedirectCallback(url, context) {
			try {
				return await finishLogin(url, context);
			} finally {
				forgetCallbackParameters(url); // a failed answer's code and state must not linger either
			}
		},

		async endSession({ returnTo, openUrl = navigate }, idToken, { fetch, reportError }) {
			if (returnTo === undefined) return;
			let endpoint: string | undefined;
			try {
				endpoint = await config.endSessionEndpoint(fetch);
			} catch (cause) {
				reportError(cause instanceof TokenKeeperError ? cause : failed(`End-session discovery failed: ${String(cause)}`, { cause }));
			}
			if (endpoint === undefined) return;
			const url = new URL(endpoint);
			url.searchParams.set('client_id', config.clientId);
			url.searchParams.set('post_logout_redirect_uri', returnTo);
			if (idToken !== undefined) url.searchParams.set('id_token_hint', idToken);
			await openUrl(url.href);
		},
	};
}
