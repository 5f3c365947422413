import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { dpop } from '../src/dpop/index.js';
import { dpopSeam, nonceChallenge as isNonceChallenge } from './dpop-seam.js';
import { hasNonceChallenge } from '../src/dpop/nonces.js';
import { jwkThumbprint } from '../src/dpop/thumbprint.js';
import { TokenKeeperError } from '../src/errors.js';

// The client side of RFC 9449: keys, proofs, thumbprints, nonces and challenges, in Node's WebCrypto.

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
const parts = (proof: string) => {
	const [header = '', payload = ''] = proof.split('.');
	return { header: decode(header), claims: decode(payload) };
};
async function sha256(text: string) {
	return Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))).toString('base64url');
}

describe('the key', () => {
	it('is an ES256 pair by default whose private key cannot be exported', async () => {
		const key = await dpopSeam().newKey();
		expect(key.alg).toBe('ES256');
		expect(key.privateKey.extractable).toBe(false);
		expect(key.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
		await expect(crypto.subtle.exportKey('jwk', key.privateKey)).rejects.toThrow();
		expect(Object.keys(key.jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
		expect(key.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
	});

	it('is an Ed25519 pair with EdDSA, its public JWK an OKP key', async () => {
		const key = await dpopSeam({ algorithm: 'EdDSA' }).newKey();
		expect(key.privateKey.algorithm.name).toBe('Ed25519');
		expect(key.privateKey.extractable).toBe(false);
		expect(Object.keys(key.jwk).sort()).toEqual(['crv', 'kty', 'x']);
		expect(key.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
	});

	it('is new every time', async () => {
		const seam = dpopSeam();
		const [a, b] = await Promise.all([seam.newKey(), seam.newKey()]);
		expect(a.thumbprint).not.toBe(b.thumbprint);
	});

	it('fails with DPOP_KEY_UNAVAILABLE where WebCrypto lacks the algorithm', async () => {
		const generateKey = crypto.subtle.generateKey.bind(crypto.subtle);
		// A browser without Ed25519 rejects its name with NotSupportedError (WebCrypto "normalize an algorithm").
		vi.spyOn(crypto.subtle, 'generateKey').mockImplementation(((algorithm: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) =>
			typeof algorithm === 'object' && algorithm.name === 'Ed25519'
				? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
				: generateKey(algorithm, extractable, usages)) as typeof crypto.subtle.generateKey);
		const error = await dpopSeam({ algorithm: 'EdDSA' })
			.newKey()
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TokenKeeperError);
		expect(error).toMatchObject({ code: 'DPOP_KEY_UNAVAILABLE', message: expect.stringContaining('EdDSA') });
		expect((error as Error).cause).toBeInstanceOf(DOMException);
		await expect(dpopSeam().newKey()).resolves.toMatchObject({ alg: 'ES256' });
	});

	it('fails with DPOP_KEY_UNAVAILABLE without WebCrypto (a plain-http page has no crypto.subtle)', async () => {
		const subtle = crypto.subtle;
		Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
		try {
			await expect(dpopSeam().newKey()).rejects.toMatchObject({ code: 'DPOP_KEY_UNAVAILABLE' });
		} finally {
			Object.defineProperty(globalThis.crypto, 'subtle', { value: subtle, configurable: true });
		}
	});

	it('refuses an unknown algorithm when dpopSeam() is created', () => {
		expect(() => dpop({ algorithm: 'RS256' as 'ES256' })).toThrow(TypeError);
	});
});

describe('the thumbprint (RFC 7638)', () => {
	it("gives RFC 7638's own example (section 3.1)", async () => {
		const jwk = {
			kty: 'RSA',
			n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
			e: 'AQAB',
			alg: 'RS256',
			kid: '2011-04-29',
		};
		await expect(jwkThumbprint(jwk)).resolves.toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
	});

	it("gives RFC 8037's Ed25519 example (appendix A.3)", async () => {
		await expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).resolves.toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
	});

	it("is the key's, and jose's, for both algorithms", async () => {
		for (const algorithm of ['ES256', 'EdDSA'] as const) {
			const seam = dpopSeam({ algorithm });
			const key = await seam.newKey();
			expect(seam.thumbprint(key)).toBe(key.thumbprint);
			expect(key.thumbprint).toBe(await calculateJwkThumbprint({ ...key.jwk }));
			// Members beyond the required ones do not change it.
			await expect(jwkThumbprint({ ...key.jwk, kid: 'x', use: 'sig' })).resolves.toBe(key.thumbprint);
		}
	});

	it('refuses a key type it does not know or a missing member', async () => {
		await expect(jwkThumbprint({ kty: 'oct', k: 'AAAA' })).rejects.toThrow(TypeError);
		await expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AAAA' })).rejects.toThrow(TypeError);
	});
});

describe('a proof (RFC 9449 section 4.2)', () => {
	it('has typ, alg and the public jwk in its header, and every claim', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const proof = await seam.proof({ key, method: 'GET', url: 'https://api.example.com/orders/7?page=2#top', accessToken: 'the-access-token', now: NOW + 999 });
		const { header, claims } = parts(proof);
		expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk });
		expect(claims).toEqual({ jti: expect.any(String), htm: 'GET', htu: 'https://api.example.com/orders/7', iat: NOW / 1000, ath: await sha256('the-access-token') });
		expect(String(claims.jti).length).toBeGreaterThanOrEqual(16);
	});

	it('verifies with jose, for both algorithms', async () => {
		for (const algorithm of ['ES256', 'EdDSA'] as const) {
			const seam = dpopSeam({ algorithm });
			const key = await seam.newKey();
			const proof = await seam.proof({ key, method: 'POST', url: 'https://id.example.com/token', now: Date.now() });
			const { protectedHeader, payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [algorithm], maxTokenAge: 60 });
			expect(protectedHeader.alg).toBe(algorithm);
			expect(payload).toMatchObject({ htm: 'POST', htu: 'https://id.example.com/token' });
			expect(payload).not.toHaveProperty('ath');
			expect(payload).not.toHaveProperty('nonce');
		}
	});

	it('is fresh on every call: a new jti and a new signature for the same request', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const request = { key, method: 'GET', url: 'https://api.example.com/me', accessToken: 't', now: NOW };
		const proofs = await Promise.all(Array.from({ length: 20 }, () => seam.proof(request)));
		expect(new Set(proofs).size).toBe(20);
		expect(new Set(proofs.map((proof) => parts(proof).claims.jti)).size).toBe(20);
	});

	it("has the ath of each request's own access token, however they alternate", async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		for (const token of ['token-a', 'token-a', 'token-b', 'token-a']) {
			expect(parts(await seam.proof({ key, method: 'GET', url: 'https://api.example.com/', accessToken: token, now: NOW })).claims.ath).toBe(await sha256(token));
		}
		const [a, b] = await Promise.all(['token-c', 'token-d'].map((token) => seam.proof({ key, method: 'GET', url: 'https://api.example.com/', accessToken: token, now: NOW })));
		expect([parts(a!).claims.ath, parts(b!).claims.ath]).toEqual([await sha256('token-c'), await sha256('token-d')]);
	});

	it('takes iat from the clock it is given, in seconds', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const skewed = NOW - 3_600_000;
		expect(parts(await seam.proof({ key, method: 'GET', url: 'https://api.example.com/', now: skewed + 1500 })).claims.iat).toBe(skewed / 1000 + 1);
	});

	it('writes htm as the request sends the method, and htu normalised without query and fragment', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const claims = async (method: string, url: string | URL) => parts(await seam.proof({ key, method, url, now: NOW })).claims;
		// Request.method is what goes on the wire: fetch upper-cases post, and sends patch as written.
		expect(await claims(new Request('https://a.example', { method: 'post' }).method, 'HTTPS://API.Example.com:443/a/b?x=1')).toMatchObject({ htm: 'POST', htu: 'https://api.example.com/a/b' });
		expect(await claims(new Request('https://a.example', { method: 'patch' }).method, new URL('https://api.example.com/c#frag'))).toMatchObject({ htm: 'patch', htu: 'https://api.example.com/c' });
		expect(await claims('DELETE', 'http://127.0.0.1:8080?only=query')).toMatchObject({ htm: 'DELETE', htu: 'http://127.0.0.1:8080/' });
	});
});

describe('nonces (RFC 9449 section 8)', () => {
	const nonceAnswer = (nonce: string, init: ResponseInit = {}, url = '') => {
		const response = new Response(null, { ...init, headers: { ...init.headers, 'DPoP-Nonce': nonce } });
		if (url) Object.defineProperty(response, 'url', { value: url });
		return response;
	};

	it('are learned from any answer and sent in the next proofs to the same origin only', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const nonceOf = async (url: string) => parts(await seam.proof({ key, method: 'GET', url, now: NOW })).claims.nonce;
		expect(await nonceOf('https://api.example.com/a')).toBeUndefined();
		seam.learnNonce('https://api.example.com/a', nonceAnswer('n-1', { status: 200 }));
		seam.learnNonce('https://id.example.com/token', nonceAnswer('id-1', { status: 400 }));
		expect(await nonceOf('https://api.example.com/b?q')).toBe('n-1');
		expect(await nonceOf('https://id.example.com/token')).toBe('id-1');
		expect(await nonceOf('https://other.example.com/')).toBeUndefined();
		seam.learnNonce('https://api.example.com/c', nonceAnswer('n-2', { status: 204 }));
		expect(await nonceOf('https://api.example.com/a')).toBe('n-2');
		// An answer without the header keeps the nonce.
		seam.learnNonce('https://api.example.com/a', new Response(null));
		expect(await nonceOf('https://api.example.com/a')).toBe('n-2');
	});

	it("belong to the origin that answered: a redirected answer's final URL", async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		seam.learnNonce('https://api.example.com/old', nonceAnswer('moved', {}, 'https://api2.example.com/new'));
		expect(parts(await seam.proof({ key, method: 'GET', url: 'https://api2.example.com/x', now: NOW })).claims.nonce).toBe('moved');
		expect(parts(await seam.proof({ key, method: 'GET', url: 'https://api.example.com/x', now: NOW })).claims.nonce).toBeUndefined();
	});

	it('are separate per dpopSeam() instance', async () => {
		const [a, b] = [dpopSeam(), dpopSeam()];
		const key = await a.newKey();
		a.learnNonce('https://api.example.com/', nonceAnswer('only-a'));
		expect(parts(await b.proof({ key, method: 'GET', url: 'https://api.example.com/', now: NOW })).claims.nonce).toBeUndefined();
	});
});

describe('nonce challenges', () => {
	const tokenError = (error: string, nonce: string | null = 'n', status = 400) =>
		new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json', ...(nonce === null ? {} : { 'DPoP-Nonce': nonce }) } });
	const resourceError = (wwwAuthenticate: string, nonce: string | null = 'n', status = 401) =>
		new Response(null, { status, headers: { 'WWW-Authenticate': wwwAuthenticate, ...(nonce === null ? {} : { 'DPoP-Nonce': nonce }) } });

	it("are a token endpoint's 400 use_dpop_nonce with a nonce, and nothing else", async () => {
		await expect(isNonceChallenge(tokenError('use_dpop_nonce'), 'token')).resolves.toBe(true);
		await expect(isNonceChallenge(tokenError('use_dpop_nonce', null), 'token')).resolves.toBe(false);
		await expect(isNonceChallenge(tokenError('invalid_dpop_proof'), 'token')).resolves.toBe(false);
		await expect(isNonceChallenge(tokenError('use_dpop_nonce', 'n', 401), 'token')).resolves.toBe(false);
		await expect(isNonceChallenge(new Response('not json', { status: 400, headers: { 'DPoP-Nonce': 'n' } }), 'token')).resolves.toBe(false);
		await expect(isNonceChallenge(new Response('null', { status: 400, headers: { 'DPoP-Nonce': 'n' } }), 'token')).resolves.toBe(false);
		// A resource's challenge is not the token endpoint's, nor the other way round.
		await expect(isNonceChallenge(resourceError('DPoP error="use_dpop_nonce"'), 'token')).resolves.toBe(false);
		await expect(isNonceChallenge(tokenError('use_dpop_nonce'), 'resource')).resolves.toBe(false);
	});

	it('leave the body for the keeper to read', async () => {
		const response = tokenError('use_dpop_nonce');
		await isNonceChallenge(response, 'token');
		expect(response.bodyUsed).toBe(false);
		await expect(response.json()).resolves.toEqual({ error: 'use_dpop_nonce' });
	});

	it("are a resource's 401 with a DPoP use_dpop_nonce challenge and a nonce", async () => {
		await expect(isNonceChallenge(resourceError('DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"'), 'resource')).resolves.toBe(true);
		await expect(isNonceChallenge(resourceError('DPoP error="use_dpop_nonce"', null), 'resource')).resolves.toBe(false);
		await expect(isNonceChallenge(resourceError('DPoP error="use_dpop_nonce"', 'n', 403), 'resource')).resolves.toBe(false);
		await expect(isNonceChallenge(resourceError('DPoP error="invalid_token"'), 'resource')).resolves.toBe(false);
		await expect(isNonceChallenge(new Response(null, { status: 401, headers: { 'DPoP-Nonce': 'n' } }), 'resource')).resolves.toBe(false);
	});

	it('are read from WWW-Authenticate as RFC 9110 writes challenges', () => {
		expect(hasNonceChallenge('DPoP error="use_dpop_nonce"')).toBe(true);
		expect(hasNonceChallenge('dpop ERROR=use_dpop_nonce')).toBe(true);
		expect(hasNonceChallenge('Bearer realm="api", DPoP algs="ES256 EdDSA", error="use_dpop_nonce"')).toBe(true);
		expect(hasNonceChallenge('DPoP realm="http://id.example", error="use_dpop_nonce", error_description="nonce is required in the DPoP proof", algs="ES256 Ed25519 EdDSA"')).toBe(true);
		// The error of another scheme, or the words inside a quoted description, are no DPoP challenge.
		expect(hasNonceChallenge('Bearer error="use_dpop_nonce", DPoP algs="ES256"')).toBe(false);
		expect(hasNonceChallenge('DPoP error="invalid_token", error_description="DPoP error=use_dpop_nonce"')).toBe(false);
		expect(hasNonceChallenge('Bearer abc==, DPoP error="invalid_dpop_proof"')).toBe(false);
		expect(hasNonceChallenge('DPoP error="use_dpop_nonce_not"')).toBe(false);
		expect(hasNonceChallenge('')).toBe(false);
		// A comma inside a quoted string starts no challenge; spaces around `=` and before the next comma are allowed.
		expect(hasNonceChallenge('Bearer error_description="no, DPoP error=use_dpop_nonce, here"')).toBe(false);
		expect(hasNonceChallenge('DPoP error_description="a, error=use_dpop_nonce"')).toBe(false);
		expect(hasNonceChallenge('DPoP algs="ES256", Bearer error="use_dpop_nonce"')).toBe(false);
		expect(hasNonceChallenge('Basic realm="a, b", DPoP error = use_dpop_nonce , algs=ES256')).toBe(true);
		expect(hasNonceChallenge('XDPoP error="use_dpop_nonce"')).toBe(false);
		expect(hasNonceChallenge('DPoP algs=ES256, Bearer realm=api, error=use_dpop_nonce')).toBe(false);
		expect(hasNonceChallenge('DPoP x-error=use_dpop_nonce')).toBe(false);
		expect(hasNonceChallenge('Newauth title="Login to \\"apps\\", now", DPoP algs=ES256,error=use_dpop_nonce')).toBe(true);
	});
});

describe('token types (RFC 9449 section 5)', () => {
	it('binds a DPoP answer, in any case, and refuses Bearer unless allowed', () => {
		const strict = dpopSeam();
		expect(strict.checkTokenType('DPoP')).toBe('DPoP');
		expect(strict.checkTokenType('dpop')).toBe('DPoP');
		expect(() => strict.checkTokenType('Bearer')).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN_RESPONSE', message: expect.stringContaining('token_type bearer') }));
		expect(() => strict.checkTokenType(undefined)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN_RESPONSE' }));
		const lenient = dpopSeam({ allowBearer: true });
		expect(lenient.allowBearer).toBe(true);
		expect(lenient.checkTokenType('bearer')).toBe('Bearer');
		expect(() => lenient.checkTokenType('mac')).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN_RESPONSE' }));
	});
});
