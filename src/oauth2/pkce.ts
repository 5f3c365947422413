/** base64url without padding (RFC 7636 appendix A). */
export const base64url = (bytes: Uint8Array): string =>
	btoa(String.fromCharCode(...bytes))
		.replaceAll('+', '-')
		.replaceAll('/', '_')
		.replace(/=+$/, '');

/** 32 random bytes from `crypto.getRandomValues`, base64url: a 43-character PKCE verifier, 256 bits of state or nonce. */
export const randomString = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The S256 code challenge of a verifier (RFC 7636 section 4.2). */
export async function s256(verifier: string): Promise<string> {
	return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}
