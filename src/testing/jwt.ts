const encoder = new TextEncoder();

const base64url = (bytes: Uint8Array): string =>
	btoa(String.fromCharCode(...bytes))
		.replaceAll('+', '-')
		.replaceAll('/', '_')
		.replace(/=+$/, '');
const base64urlJson = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)));

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
	const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
	return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** HS256 signing and verification with Web Crypto, so the mock runs in Node and in browsers alike. */
export function hs256(secret: string) {
	const key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
	return {
		async sign(claims: Record<string, unknown>): Promise<string> {
			const input = `${base64urlJson({ alg: 'HS256', typ: 'JWT' })}.${base64urlJson(claims)}`;
			const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await key, encoder.encode(input)));
			return `${input}.${base64url(signature)}`;
		},
		/** The claims of a token signed with this secret, or `null`. */
		async verify(token: string): Promise<Record<string, unknown> | null> {
			const [header, payload, signature] = token.split('.');
			if (header === undefined || payload === undefined || signature === undefined) return null;
			try {
				const valid = await crypto.subtle.verify('HMAC', await key, fromBase64url(signature), encoder.encode(`${header}.${payload}`));
				return valid ? (JSON.parse(new TextDecoder().decode(fromBase64url(payload))) as Record<string, unknown>) : null;
			} catch {
				return null;
			}
		},
	};
}

/** 32 random bytes, base64url: an opaque token. */
export function randomToken(): string {
	return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** base64url of the SHA-256 of `text`: a PKCE S256 challenge. */
export async function sha256(text: string): Promise<string> {
	return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}
