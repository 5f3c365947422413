import ky, { type KyInstance } from 'ky';
import { type Authorizer, tokenRefused } from '../http.js';
import { internalsOf } from '../internal.js';
import type { TokenKeeper } from 'tokenkeeper'; // the package itself: the types of tokenkeeper/ky point at the main entry's

/** What `ky.retry()` gives in the app's own ky: its afterResponse hooks return it to force a retry. */
type RetryMarker = ReturnType<KyInstance['retry']>;

/**
 * A ky hook of either major. ky 1 calls hooks with positional arguments (`request, options, response,
 * state`), ky 2 with one state object (`{ request, options, response, retryCount }`): these read both.
 */
type AnyKyHook<Result> = (...args: unknown[]) => Promise<Result>;

/** The hooks `kyHooks(auth)` gives: spread them into an instance's `hooks`, beside its own. */
export interface KyHooks {
	/** Attaches the current token to requests for trusted origins, and removes a token of this keeper from any other. */
	beforeRequest: AnyKyHook<void>[];
	/** Signs a retry (after a 5xx, a timeout) with the token current at that moment. */
	beforeRetry: AnyKyHook<void>[];
	/** After a 401 on a request that carried this keeper's token: one refresh and one forced retry. */
	afterResponse: AnyKyHook<RetryMarker | undefined>[];
}

interface HookCall {
	request: Request;
	response?: Response;
	retryCount: number;
}

/** ky 2's state object as it is; ky 1's positional arguments gathered into the same shape. */
function callOf(args: unknown[]): HookCall {
	const first = args[0] as HookCall | Request;
	if ('request' in first) return first; // ky 2, and every ky's beforeRetry: one state object (a Request has no `request`)
	const state = args.at(-1) as { retryCount?: number } | undefined;
	return { request: first, response: args.length > 3 ? (args[2] as Response) : undefined, retryCount: state?.retryCount ?? 0 } as HookCall;
}

const bearer = (token: string) => `Bearer ${token}`;
const sentToken = (request: Request) => /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? null;

/** Sets the current token on `request` in place, unless it carries an Authorization header of the app's own. */
async function sign(authorizer: Authorizer, request: Request): Promise<void> {
	const current = sentToken(request);
	if (request.headers.has('authorization') && (current === null || !authorizer.grantOf(current))) return;
	if (!authorizer.trusts(request.url)) {
		request.headers.delete('authorization');
		return;
	}
	const grant = await authorizer.grant();
	if (grant === null) request.headers.delete('authorization');
	else request.headers.set('authorization', bearer(grant.token));
}

/**
 * The keeper's behaviour as ky hooks, for an app's own ky instance (ky 1 or ky 2): the token goes to
 * trusted origins only, a retry is signed with the token current then, and a 401 on this keeper's token
 * leads to one refresh and one replay. The replay is a ky forced retry (`ky.retry`), so it runs the
 * instance's other hooks and counts against its `retry.limit` (ky's default, 2, leaves room for it).
 *
 * @example
 * import ky from 'ky';
 * import { kyHooks } from 'tokenkeeper/ky';
 *
 * const hooks = kyHooks(auth);
 * const api = ky.create({
 *   prefixUrl: 'https://api.example.com', // ky 2: prefix
 *   hooks: { beforeRequest: [...hooks.beforeRequest, logRequest], beforeRetry: hooks.beforeRetry, afterResponse: hooks.afterResponse },
 * });
 */
export function kyHooks(auth: TokenKeeper): KyHooks {
	const { authorizer } = internalsOf(auth, 'kyHooks');
	// a DPoP-bound token needs a proof per send and a nonce retry, which hooks cannot give: createApi(auth) does
	if (authorizer.dpop) throw new TypeError('tokenkeeper: kyHooks cannot send DPoP-bound tokens; use createApi(auth)');
	return {
		beforeRequest: [async (...args) => sign(authorizer, callOf(args).request)],
		beforeRetry: [async (...args) => sign(authorizer, callOf(args).request)],
		afterResponse: [
			async (...args) => {
				const { request, response, retryCount } = callOf(args);
				if (!response || !tokenRefused(response, request.url) || retryCount > 0) return;
				const token = sentToken(request);
				// the grant the request was signed with: a replay only under the session it came from
				const sent = token === null ? undefined : authorizer.grantOf(token);
				if (sent === undefined) return;
				const next = await authorizer.afterUnauthorized(sent);
				if (next === null) return;
				const headers = new Headers(request.headers);
				headers.set('authorization', bearer(next.token));
				return ky.retry({ request: new Request(request, { headers }), delay: 0, code: 'TOKEN_REFRESHED' });
			},
		],
	};
}
