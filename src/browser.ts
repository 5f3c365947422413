// The script-tag bundle's entry: the whole package, and `auth.api`, a ky client built in. A page without a
// package manager has no ky of its own to hand to tokenkeeper/ky, so this bundle carries ky 1 inside.
import type { KyInstance } from 'ky';
import { createTokenKeeper as createCore } from './keeper.js';
import { createApi } from './ky/index.js';
import type { TokenKeeper, TokenKeeperOptions } from './types.js';

export * from './index.js';
export { createApi, kyHooks } from './ky/index.js';
export { dpop } from './dpop/index.js';

/** The keeper of the script-tag bundle: `TokenKeeper.createTokenKeeper()` gives `auth.api` as well. */
export interface ScriptTokenKeeper extends TokenKeeper {
	/** A ky 1 instance with `prefixUrl: apiUrl` over `auth.fetch` (see `createApi` in `tokenkeeper/ky`). */
	readonly api: KyInstance;
}

/**
 * `createTokenKeeper` with `auth.api`, for `<script>` pages.
 *
 * @example
 * const auth = TokenKeeper.createTokenKeeper({ apiUrl: 'https://api.example.com', endpoints: { login: '/auth/login', refresh: '/auth/refresh' } });
 * const me = await auth.api.get('me').json();
 */
export function createTokenKeeper(options?: TokenKeeperOptions): ScriptTokenKeeper {
	const auth = createCore(options);
	return Object.defineProperty(auth, 'api', { value: createApi(auth), enumerable: true }) as ScriptTokenKeeper;
}
