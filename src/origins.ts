import type { TokenKeeperOptions } from './types.js';

/**
 * Who may receive the token (behaviour 5): the page's origin, `apiUrl`'s origin and `trustedOrigins`,
 * compared by origin (scheme, host and port), never by prefix.
 */
export function trustedOriginsOf(options: Pick<TokenKeeperOptions, 'apiUrl' | 'trustedOrigins'>): (url: string | URL) => boolean {
	const base = globalThis.location?.href;
	const origins = new Set<string>();
	const page = globalThis.location?.origin;
	if (page && page !== 'null') origins.add(page);
	for (const url of [options.apiUrl, ...(options.trustedOrigins ?? [])]) {
		if (url === undefined) continue;
		try {
			origins.add(new URL(url, base).origin);
		} catch (cause) {
			throw new TypeError(`tokenkeeper: apiUrl and trustedOrigins take URLs, and "${url}" is not one`, { cause });
		}
	}
	return (url) => {
		try {
			return origins.has((url instanceof URL ? url : new URL(url, base)).origin);
		} catch {
			return false;
		}
	};
}
