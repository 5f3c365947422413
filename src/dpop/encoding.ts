import { base64url, s256 } from '../oauth2/pkce.js';

// The core's own PKCE encoders (RFC 7636 appendix A and section 4.2) are the JWS ones too: one copy in an app.
export { base64url };

/** UTF-8 bytes of `text`. */
export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** base64url of the JSON of `value`: a JWS header or payload (RFC 7515 section 2). */
export const base64urlJson = (value: unknown): string => base64url(utf8(JSON.stringify(value)));

/** base64url of the SHA-256 of the UTF-8 of `text`: `ath` (RFC 9449 section 4.2) and JWK thumbprints (RFC 7638). */
export const sha256: (text: string) => Promise<string> = s256;
