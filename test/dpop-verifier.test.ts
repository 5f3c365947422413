import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { dpopSeam } from './dpop-seam.js';
import { createDPoPNonces, dpopErrorResponse, type DPoPFailure, type DPoPVerified, verifyDPoPProof, type VerifyDPoPOptions } from '../src/testing/index.js';

// The test kit's proof verifier (RFC 9449 section 4.3): every check, each fed proofs that break
// exactly it, made by an independent signer (jose) where the client would never make them.

const URL_ = 'https://api.example.com/orders';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const TOKEN = 'the-access-token';
const ATH = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(TOKEN))).toString('base64url');

const pair = await generateKeyPair('ES256', { extractable: true });
const publicJwk = await exportJWK(pair.publicKey);
const other = await generateKeyPair('ES256');

let jtis = 0;
const claims = (extra: JWTPayload = {}): JWTPayload => ({ jti: `jti-${++jtis}`, htm: 'GET', htu: URL_, iat: NOW / 1000, ath: ATH, ...extra });
const sign = (payload: JWTPayload, header: Record<string, unknown> = {}, key: CryptoKey = pair.privateKey) =>
	new SignJWT(payload).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk, ...header }).sign(key);
const request = (proof: string | null, method = 'GET', url = URL_) => new Request(url, { method, headers: proof === null ? {} : { DPoP: proof } });
const options = (extra: Partial<VerifyDPoPOptions> = {}): VerifyDPoPOptions => ({ accessToken: TOKEN, now: NOW, maxAgeSeconds: 60, seenJti: new Set(), ...extra });
const verify = async (proof: string | Request | null, extra: Partial<VerifyDPoPOptions> = {}) => verifyDPoPProof(proof instanceof Request ? proof : request(proof), options(extra));
const failure = async (proof: string | Request | null, extra: Partial<VerifyDPoPOptions> = {}) => {
	const result = await verify(proof, extra);
	expect(result.ok).toBe(false);
	return result as DPoPFailure;
};

describe('verifyDPoPProof accepts', () => {
	it("the client's proofs, ES256 and EdDSA, and gives their key's thumbprint and claims", async () => {
		for (const algorithm of ['ES256', 'EdDSA'] as const) {
			const seam = dpopSeam({ algorithm });
			const key = await seam.newKey();
			const proof = await seam.proof({ key, method: 'GET', url: `${URL_}?page=2`, accessToken: TOKEN, now: NOW });
			const result = (await verify(request(proof, 'GET', `${URL_}?page=2`), { jkt: key.thumbprint })) as DPoPVerified;
			expect(result).toMatchObject({ ok: true, thumbprint: key.thumbprint, jwk: key.jwk, claims: { htm: 'GET', htu: URL_, iat: NOW / 1000, ath: ATH } });
		}
	});

	it("jose's proofs, and an iat anywhere inside the window", async () => {
		expect(await verify(await sign(claims({ iat: NOW / 1000 - 60 })))).toMatchObject({ ok: true });
		expect(await verify(await sign(claims({ iat: NOW / 1000 + 60 })))).toMatchObject({ ok: true });
	});
});

describe('verifyDPoPProof refuses, with a code', () => {
	it('no proof, two proofs, or one that is not a JWT', async () => {
		expect(await failure(null)).toMatchObject({ code: 'missing', error: 'invalid_dpop_proof' });
		const twice = new Request(URL_, {
			headers: [
				['DPoP', await sign(claims())],
				['DPoP', await sign(claims())],
			],
		});
		expect((await failure(twice)).code).toBe('malformed');
		expect((await failure('not.a.jwt')).code).toBe('malformed');
		expect((await failure('onlyone')).code).toBe('malformed');
		expect((await failure(`${Buffer.from('[]').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.x`)).code).toBe('malformed');
	});

	it('a proof without jti, htm, htu or iat', async () => {
		for (const missing of ['jti', 'htm', 'htu', 'iat']) {
			const payload = claims();
			delete payload[missing];
			expect((await failure(await sign(payload))).code).toBe('claims');
		}
		expect((await failure(await sign(claims({ iat: String(NOW / 1000) as unknown as number })))).code).toBe('claims');
	});

	it('a typ other than dpop+jwt', async () => {
		expect(await failure(await sign(claims(), { typ: 'JWT' }))).toMatchObject({ code: 'typ', error: 'invalid_dpop_proof' });
	});

	it('a symmetric or unknown alg, or a jwk of another curve', async () => {
		const hmac = await new SignJWT(claims()).setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: publicJwk }).sign(new Uint8Array(32));
		expect((await failure(hmac)).code).toBe('alg');
		const none = `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: publicJwk })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
		expect((await failure(none)).code).toBe('alg');
		const ed = await generateKeyPair('EdDSA');
		expect((await failure(await sign(claims(), { alg: 'ES256', jwk: await exportJWK(ed.publicKey) }))).code).toBe('alg');
		expect((await failure(await sign(claims(), { jwk: undefined }))).code).toBe('alg');
	});

	it('a jwk that carries the private key', async () => {
		const withPrivate = await exportJWK(pair.privateKey);
		expect(withPrivate.d).toBeDefined();
		expect(await failure(await sign(claims(), { jwk: withPrivate }))).toMatchObject({ code: 'private_key', error: 'invalid_dpop_proof' });
	});

	it('a tampered payload, a signature by another key than the jwk, or a garbled signature', async () => {
		const [header, , signature] = (await sign(claims())).split('.');
		const forged = Buffer.from(JSON.stringify(claims({ htm: 'DELETE' }))).toString('base64url');
		expect((await failure(request(`${header}.${forged}.${signature}`, 'DELETE'))).code).toBe('signature');
		expect((await failure(await sign(claims(), {}, other.privateKey))).code).toBe('signature');
		expect((await failure(`${header}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.${'A'.repeat(86)}`)).code).toBe('signature');
		expect((await failure(await sign(claims(), { jwk: { ...publicJwk, x: 'AAAA' } }))).code).toBe('signature');
	});

	it('an htm other than the method', async () => {
		expect((await failure(request(await sign(claims({ htm: 'GET' })), 'POST'))).code).toBe('htm');
		expect((await failure(request(await sign(claims({ htm: 'post' })), 'POST'))).code).toBe('htm');
	});

	it('an htu of another URL, or one that has a query or a fragment (section 4.2)', async () => {
		expect((await failure(await sign(claims({ htu: 'https://api.example.com/other' })))).code).toBe('htu');
		expect((await failure(await sign(claims({ htu: 'https://evil.example.com/orders' })))).code).toBe('htu');
		expect((await failure(await sign(claims({ htu: 'not a url' })))).code).toBe('htu');
		const withQuery = `${URL_}?page=2`;
		expect((await failure(request(await sign(claims({ htu: withQuery })), 'GET', withQuery))).code).toBe('htu');
		expect((await failure(request(await sign(claims({ htu: `${URL_}#x` })), 'GET', URL_))).code).toBe('htu');
		// The request's own query is left out of the comparison, and the URL is compared normalised.
		expect(await verify(request(await sign(claims({ htu: 'HTTPS://API.example.com:443/orders' })), 'GET', withQuery))).toMatchObject({ ok: true });
	});

	it('a proof without the required nonce, or with an old one: use_dpop_nonce', async () => {
		expect(await failure(await sign(claims()), { nonce: 'n-2' })).toMatchObject({ code: 'nonce_missing', error: 'use_dpop_nonce' });
		expect(await failure(await sign(claims({ nonce: 'n-1' })), { nonce: 'n-2' })).toMatchObject({ code: 'nonce_invalid', error: 'use_dpop_nonce' });
		expect(await verify(await sign(claims({ nonce: 'n-2' })), { nonce: 'n-2' })).toMatchObject({ ok: true, claims: { nonce: 'n-2' } });
	});

	it('an iat outside the window, either way', async () => {
		expect((await failure(await sign(claims({ iat: NOW / 1000 - 61 })))).code).toBe('iat');
		expect((await failure(await sign(claims({ iat: NOW / 1000 + 61 })))).code).toBe('iat');
		expect((await failure(await sign(claims({ iat: NOW / 1000 - 61 })), { maxAgeSeconds: 30 })).code).toBe('iat');
	});

	it('an ath that is not the hash of the access token, or none', async () => {
		expect((await failure(await sign(claims({ ath: ATH.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })))).code).toBe('ath');
		expect((await failure(await sign(claims({ ath: undefined })))).code).toBe('ath');
		// Without an access token (a token endpoint call) ath is not checked.
		expect(await verify(await sign(claims({ ath: undefined })), { accessToken: undefined })).toMatchObject({ ok: true });
	});

	it('a key other than the one the token is bound to', async () => {
		const key = await dpopSeam().newKey();
		expect((await failure(await sign(claims()), { jkt: key.thumbprint })).code).toBe('key_mismatch');
	});

	it('a jti seen before, and only once the proof passed', async () => {
		const seenJti = new Set<string>();
		const proof = await sign(claims());
		expect((await failure(request(proof, 'POST'), { seenJti })).code).toBe('htm');
		expect(seenJti.size).toBe(0);
		expect(await verify(proof, { seenJti })).toMatchObject({ ok: true });
		expect(await failure(proof, { seenJti })).toMatchObject({ code: 'jti_replay', error: 'invalid_dpop_proof' });
		// Another proof with the same jti is a replay too.
		const [jti = ''] = [...seenJti];
		expect((await failure(await sign(claims({ jti })), { seenJti })).code).toBe('jti_replay');
	});
});

describe('the nonce manager', () => {
	it('requires the current nonce; rotate() makes the last one old', async () => {
		const nonces = createDPoPNonces();
		const first = nonces.current;
		expect(nonces.issue()).toBe(first);
		expect(nonces.issue()).toBe(first);
		const second = nonces.rotate();
		expect(second).not.toBe(first);
		expect(nonces.current).toBe(second);
		expect((await failure(await sign(claims({ nonce: first })), { nonce: nonces.current })).code).toBe('nonce_invalid');
		expect(await verify(await sign(claims({ nonce: second })), { nonce: nonces.current })).toMatchObject({ ok: true });
	});

	it('rotates by itself after rotateEvery answers', () => {
		const nonces = createDPoPNonces({ rotateEvery: 2 });
		const issued = Array.from({ length: 6 }, () => nonces.issue());
		expect(issued[0]).toBe(issued[1]);
		expect(issued[2]).toBe(issued[3]);
		expect(issued[4]).toBe(issued[5]);
		expect(new Set(issued).size).toBe(3);
	});
});

describe('dpopErrorResponse', () => {
	it("answers as RFC 9449 says, and the client's challenge check recognises its nonce challenges", async () => {
		const seam = dpopSeam();
		const nonceFailure = await failure(await sign(claims()), { nonce: 'n' });
		const proofFailure = await failure(await sign(claims(), { typ: 'JWT' }));

		const token = dpopErrorResponse(nonceFailure, 'token', 'n-new');
		expect(token.status).toBe(400);
		expect(token.headers.get('DPoP-Nonce')).toBe('n-new');
		await expect(seam.isNonceChallenge(token, 'token')).resolves.toBe(true);
		expect(await token.json()).toMatchObject({ error: 'use_dpop_nonce' });

		const resource = dpopErrorResponse(nonceFailure, 'resource', 'n-new');
		expect(resource.status).toBe(401);
		expect(resource.headers.get('WWW-Authenticate')).toMatch(/^DPoP error="use_dpop_nonce", /);
		await expect(seam.isNonceChallenge(resource, 'resource')).resolves.toBe(true);

		await expect(seam.isNonceChallenge(dpopErrorResponse(proofFailure, 'token', 'n'), 'token')).resolves.toBe(false);
		await expect(seam.isNonceChallenge(dpopErrorResponse(proofFailure, 'resource', 'n'), 'resource')).resolves.toBe(false);
		expect(dpopErrorResponse(proofFailure, 'resource').headers.has('DPoP-Nonce')).toBe(false);
	});
});
