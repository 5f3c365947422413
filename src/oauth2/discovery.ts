import { TokenKeeperError, type ErrorCode } from '../errors.js';

/** The fields of RFC 8414 / OpenID Connect Discovery metadata that tokenkeeper uses. */
export interface ServerMetadata {
	issuer: string;
	authorization_endpoint?: string;
	token_endpoint?: string;
	revocation_endpoint?: string;
	end_session_endpoint?: string;
	/** RFC 9207 section 3: the server puts `iss` in every authorization response. */
	authorization_response_iss_parameter_supported?: boolean;
}

/** The metadata fields that name an endpoint. */
export type EndpointField = Exclude<keyof ServerMetadata, 'issuer' | 'authorization_response_iss_parameter_supported'>;

/** Discovers the metadata once (see {@link createDiscovery}); `code` is the failure's error code. */
export type Discover = (fetch: typeof globalThis.fetch, code: ErrorCode) => Promise<ServerMetadata>;

/** RFC 8414 section 3: the well-known segment goes between the host and the issuer's path; OIDC appends it. */
export function metadataUrls(issuer: string): string[] {
	const url = new URL(issuer);
	const path = url.pathname.replace(/\/+$/, '');
	return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

/**
 * Discovers an issuer's metadata once, lazily: RFC 8414 first, then OpenID Connect Discovery. Concurrent
 * callers share one request; a failure is not cached, so a later call tries again. The metadata's `issuer`
 * must equal the configured one (RFC 8414 section 3.3), or it is a configuration error.
 */
export function createDiscovery(issuer: string): Discover {
	let pending: Promise<ServerMetadata> | undefined;

	async function discover(fetch: typeof globalThis.fetch, code: ErrorCode): Promise<ServerMetadata> {
		let status = 0; // of the last answer
		for (const url of metadataUrls(issuer)) {
			const response = await fetch(url, { headers: { accept: 'application/json' } }).catch((cause: unknown) => {
				throw new TokenKeeperError('NETWORK_ERROR', `Discovery of ${issuer} got no answer`, { cause });
			});
			status = response.status;
			if (!response.ok) continue;
			const metadata = (await response.json().catch(() => undefined)) as ServerMetadata | undefined;
			if (metadata?.issuer !== issuer) {
				throw new TokenKeeperError(code, `Discovery: ${url} describes issuer "${metadata?.issuer}", not the configured "${issuer}" (RFC 8414 section 3.3)`, { status });
			}
			return metadata;
		}
		throw new TokenKeeperError(code, `Discovery: ${issuer} publishes no OAuth 2.0 or OpenID Connect metadata (HTTP ${status})`, { status });
	}

	return (fetch, code) =>
		(pending ??= discover(fetch, code).catch((error: unknown) => {
			pending = undefined;
			throw error;
		}));
}
