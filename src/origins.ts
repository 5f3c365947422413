import { destinationOf } from './destination.js';
import type { TokenKeeperOptions } from './types.js';

/**
 * The origin of a configured entry (`apiUrl` or a `trustedOrigins` item). A relative entry means this page's
 * origin: it resolves against `location.href`, never against a `<base href>`, so that markup injected into
 * the page cannot widen the trust.
 *
 * An entry whose origin is opaque is refused: a URL of a non-special scheme (`capacitor://app`,
 * `tauri://localhost`, `file:`) has the origin `"null"` (WHATWG URL, "origin"), which every other opaque
 * URL shares, so trusting it would trust them all.
 */
function originOf(entry: string): string {
	let origin: string;
	try {
		origin = new URL(entry, globalThis.location?.href).origin;
	} catch (cause) {
		throw new TypeError(`tokenkeeper: apiUrl and trustedOrigins take URLs, "${entry}" is not one`, { cause });
	}
	if (origin === 'null') {
		throw new TypeError(`tokenkeeper: "${entry}" has the opaque origin "null", which every such URL shares: use an http(s) origin`);
	}
	return origin;
}

/**
 * Who may receive the token (behaviour 5): the page's origin, `apiUrl`'s origin and `trustedOrigins`,
 * compared by origin (scheme, host and port), never by prefix. A URL to check that is relative resolves as
 * fetch resolves it, against the document's base URL at the time of the check.
 */
export function trustedOriginsOf(options: Pick<TokenKeeperOptions, 'apiUrl' | 'trustedOrigins'>): (url: string | URL) => boolean {
	const origins = new Set<string>();
	const page = globalThis.location?.origin;
	if (page && page !== 'null') origins.add(page);
	for (const url of [options.apiUrl, ...(options.trustedOrigins ?? [])]) {
		if (url !== undefined) origins.add(originOf(url));
	}
	// none of them is "null" (refused above), nor is "" (no destination)
	return (url) => origins.has(destinationOf(url)?.origin ?? '');
}
