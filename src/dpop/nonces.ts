/** The servers' nonces, one per origin (RFC 9449 sections 8 and 9: a nonce is its server's). */
export type DPoPNonces = Map<string, string>;

/** What the nonce functions read of an answer: its headers, status, URL and (for a token error) body. */
export type DPoPResponse = Pick<Response, 'headers' | 'status' | 'url' | 'clone'>;

/**
 * Whether a `WWW-Authenticate` value holds a `DPoP` challenge with `error="use_dpop_nonce"` (RFC 9449
 * section 9): challenges and their parameters parsed as RFC 9110 section 11.6.1 writes them, so a
 * `Bearer error=…` beside it or the words inside a quoted `error_description` do not count.
 */
// One pattern, from the header's start: list members (quoted strings taken whole, commas and all) up to a `DPoP`
// challenge (RFC 9110's auth-scheme, then 1*SP); then its own parameters, each comma followed by another parameter
// (token BWS "="), never by the next challenge's scheme; then an `error` whose value is `use_dpop_nonce`, quoted or
// not, up to the parameter's end. Schemes and parameter names are case-insensitive (RFC 9110 section 11.1); the flag
// makes the value so too.
export const hasNonceChallenge = (header: string): boolean =>
	/^(?:(?:[^,"]|"(?:[^"\\]|\\.)*")*,)*?\s*dpop\s+(?:(?:[^,"]|"(?:[^"\\]|\\.)*")*,\s*(?=[^\s,="]+\s*=))*?error\s*=\s*("?)use_dpop_nonce\1\s*(?:,|$)/i.test(header);

/**
 * Remembers the `DPoP-Nonce` of an answer for the origin that sent it (the final URL of a redirected answer; `url`
 * the request's), and resolves whether the answer asks for a proof with that new nonce: a token endpoint's `400`
 * with `error: "use_dpop_nonce"` (RFC 9449 section 8), or a resource's (`resource` truthy: its `ath`, say) `401` with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` (section 9). Without a new nonce a retry would fail the same way,
 * so it is no challenge. Reads a clone of the body.
 *
 * @example
 * if (await learnNonce(nonces, url, response, false)) retryTheTokenRequestOnceWithAFreshProof();
 */
export async function learnNonce(nonces: DPoPNonces, url: string, response: DPoPResponse, resource: unknown): Promise<boolean> {
	const nonce = response.headers.get('DPoP-Nonce');
	if (nonce) nonces.set(new URL(response.url || url).origin, nonce);
	return (
		!!nonce &&
		(resource
			? response.status === 401 && hasNonceChallenge(response.headers.get('WWW-Authenticate') as string) // none: 'null', no challenge
			: response.status === 400 &&
				(
					(await response
						.clone()
						.json()
						.catch(() => undefined)) as { error?: unknown } | undefined
				)?.error === 'use_dpop_nonce')
	);
}
