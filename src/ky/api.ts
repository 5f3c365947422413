import ky, * as kyModule from 'ky';
import type { KyInstance, Options } from 'ky';
import { createAuthFetch } from '../http.js';
import { internalsOf } from '../internal.js';
import type { TokenKeeper } from 'tokenkeeper'; // the package itself: the types of tokenkeeper/ky point at the main entry's

/**
 * ky 2 renamed `prefixUrl` to `prefix` (and refuses the old name); its instances look like ky 1's, but its
 * module has new exports. `NetworkError` came with 2.0.0.
 */
const prefixOption = 'NetworkError' in kyModule ? 'prefix' : 'prefixUrl';

/**
 * A ky instance of the app's own ky (1 or 2), with `apiUrl` as its prefix and the keeper's fetch under it:
 * the token goes to trusted origins only, refreshes come first when due, and a 401 leads to one refresh
 * and one replay, body included. It goes through fetch rather than hooks: an `afterResponse` hook makes
 * ky clone every response. `options` are ky's own (a `prefixUrl` / `prefix` there wins over `apiUrl`);
 * its `fetch` is the keeper's: give yours to `createTokenKeeper({ fetch })`.
 *
 * @example
 * import { createTokenKeeper } from 'tokenkeeper';
 * import { createApi } from 'tokenkeeper/ky';
 *
 * const auth = createTokenKeeper({ apiUrl: 'https://api.example.com', endpoints: { login: '/auth/login', refresh: '/auth/refresh' } });
 * const api = createApi(auth, { timeout: 5_000 });
 * const me = await api.get('me').json();
 */
export function createApi(auth: TokenKeeper, options: Options = {}): KyInstance {
	const { authorizer, apiUrl } = internalsOf(auth, 'createApi');
	if ('fetch' in options) throw new TypeError('tokenkeeper: createApi uses the keeper’s fetch; give yours to createTokenKeeper({ fetch })');
	return ky.create({ ...(apiUrl === undefined ? {} : { [prefixOption]: apiUrl }), ...options, fetch: createAuthFetch(authorizer, true) });
}
