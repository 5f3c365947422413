/** UTF-8 bytes of `text`. */
export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/**
 * base64url without padding (RFC 7515 section 2). Written as the core's PKCE one (oauth2/pkce.ts), which gzip then
 * finds in an app; importing that one instead makes it a chunk of its own, and the oauth2() app 18 B gzip bigger.
 */
export const base64url = (bytes: Uint8Array): string =>
	btoa(String.fromCharCode(...bytes))
		.replaceAll('+', '-')
		.replaceAll('/', '_')
		.replace(/=+$/, '');

/** base64url of the JSON of `value`: a JWS header or payload (RFC 7515 section 2). */
export const base64urlJson = (value: unknown): string => base64url(utf8(JSON.stringify(value)));

/** base64url of the SHA-256 of the UTF-8 of `text`: `ath` (RFC 9449 section 4.2) and JWK thumbprints (RFC 7638). */
export async function sha256(text: string): Promise<string> {
	return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}
