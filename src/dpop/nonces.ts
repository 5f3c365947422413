/** What the nonce functions read of an answer: its headers, status, URL and (for a token error) body. */
export type DPoPResponse = Pick<Response, 'headers' | 'status' | 'url' | 'clone'>;

/**
 * Whether a `WWW-Authenticate` value holds a `DPoP` challenge with `error="use_dpop_nonce"` (RFC 9449
 * section 9): challenges and their parameters parsed as RFC 9110 section 11.6.1 writes them, so a
 * `Bearer error=…` beside it or the words inside a quoted `error_description` do not count.
 */
export function hasNonceChallenge(header: string): boolean {
	let scheme = '';
	// A token followed by `=` is a parameter (its value a token or a quoted string); a bare token starts a challenge.
	for (const [, name = '', quoted, token = quoted] of header.matchAll(/([^\s,="]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*)))?/g)) {
		const lower = name.toLowerCase();
		if (token === undefined) scheme = lower;
		else if (scheme === 'dpop' && lower === 'error' && token === 'use_dpop_nonce') return true;
	}
	return false;
}

/**
 * Whether an answer asks for a proof with a new nonce, and gives one: a token endpoint's `400` with
 * `error: "use_dpop_nonce"` (RFC 9449 section 8), or a resource's `401` with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` (section 9), each with a `DPoP-Nonce` header.
 * Without a new nonce a retry would fail the same way, so it is no challenge. Reads a clone of the body.
 *
 * @example
 * if (await isNonceChallenge(response, 'token')) retryOnceWithAFreshProof();
 */
export async function isNonceChallenge(response: DPoPResponse, where: 'token' | 'resource'): Promise<boolean> {
	return (
		!!response.headers.get('DPoP-Nonce') &&
		(where === 'resource'
			? response.status === 401 && hasNonceChallenge(response.headers.get('WWW-Authenticate') ?? '')
			: response.status === 400 &&
				(
					(await response
						.clone()
						.json()
						.catch(() => null)) as { error?: unknown } | null
				)?.error === 'use_dpop_nonce')
	);
}
