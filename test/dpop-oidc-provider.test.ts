import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DPoPKey } from '../src/dpop/index.js';
import { type DPoPSeam, dpopSeam } from './dpop-seam.js';

// The proofs, nonces and challenges against another implementation: node's oidc-provider with its
// dPoP feature on and nonces required, validating proofs itself (jose inside), on 127.0.0.1. The
// token endpoint (client credentials) and the userinfo endpoint, a resource that checks ath and cnf.

/** The few internals of oidc-provider this test reaches for (the package ships no types). */
interface ProviderInternals {
	callback(): (request: unknown, response: unknown) => void;
	Client: { find(id: string): Promise<unknown> };
	Grant: new (fields: Record<string, unknown>) => { addOIDCScope(scope: string): void; save(): Promise<string> };
	AccessToken: new (fields: Record<string, unknown>) => { save(): Promise<string> };
}

let server: Server | undefined;
let provider: ProviderInternals;
let issuer = '';

beforeAll(async () => {
	server = createServer();
	await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
	issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	provider = new Provider(issuer, {
		clients: [
			{ client_id: 'svc', client_secret: 'a secret for this test only', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post' },
		],
		features: { clientCredentials: { enabled: true }, dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } },
		scopes: ['openid', 'api'],
		findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
		cookies: { keys: ['a key for this test only'] },
	}) as unknown as ProviderInternals;
	server.on('request', provider.callback());
});
afterAll(() => {
	server?.close();
	server?.closeAllConnections();
});

/** Sends with a fresh proof, learns the answer's nonce, and on a nonce challenge sends once more: what the keeper will do. */
async function send(seam: DPoPSeam, key: DPoPKey, where: 'token' | 'resource', url: string, init: RequestInit & { accessToken?: string }) {
	const attempts: Response[] = [];
	for (let attempt = 0; attempt < 2; attempt++) {
		const method = init.method ?? 'GET';
		const proof = await seam.proof({ key, method, url, accessToken: init.accessToken, now: Date.now() });
		const headers = new Headers(init.headers);
		headers.set('DPoP', proof);
		if (init.accessToken) headers.set('Authorization', `DPoP ${init.accessToken}`);
		const response = await fetch(url, { ...init, headers });
		attempts.push(response);
		seam.learnNonce(url, response);
		if (attempt > 0 || !(await seam.isNonceChallenge(response, where))) break;
	}
	return attempts;
}

const clientCredentials = () => new URLSearchParams({ grant_type: 'client_credentials', client_id: 'svc', client_secret: 'a secret for this test only' });

describe('against oidc-provider (dPoP feature, nonces required)', () => {
	for (const algorithm of ['ES256', 'EdDSA'] as const) {
		it(`the token endpoint asks for a nonce, takes the ${algorithm} proof that brings it, and answers token_type DPoP`, async () => {
			const seam = dpopSeam({ algorithm });
			const key = await seam.newKey();
			const [challenge, answer] = await send(seam, key, 'token', `${issuer}/token`, { method: 'POST', body: clientCredentials() });
			expect(challenge?.status).toBe(400);
			expect(await challenge?.json()).toMatchObject({ error: 'use_dpop_nonce' });
			expect(answer?.status).toBe(200);
			const body = (await answer?.json()) as { token_type: string; access_token: string };
			expect(seam.checkTokenType(body.token_type)).toBe('DPoP');
			// With the nonce learned, the next proof passes at once.
			const again = await send(seam, key, 'token', `${issuer}/token?ignored=query`, { method: 'POST', body: clientCredentials() });
			expect(again.map((r) => r.status)).toEqual([200]);
		});
	}

	it('the resource asks for a nonce with a 401 DPoP challenge, then accepts the bound token with ath', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		const client = await provider.Client.find('svc');
		const grant = new provider.Grant({ accountId: 'alice', clientId: 'svc' });
		grant.addOIDCScope('openid');
		const token = await new provider.AccessToken({ accountId: 'alice', client, grantId: await grant.save(), scope: 'openid', jkt: key.thumbprint }).save();
		const [challenge, answer] = await send(seam, key, 'resource', `${issuer}/me`, { accessToken: token });
		expect(challenge?.status).toBe(401);
		expect(challenge?.headers.get('WWW-Authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
		expect(answer?.status).toBe(200);
		expect(await answer?.json()).toEqual({ sub: 'alice' });
		// Another key's proof is refused: the token is bound to this one.
		const stranger = await seam.newKey();
		const [refused] = await send(seam, stranger, 'resource', `${issuer}/me`, { accessToken: token });
		expect(refused?.status).toBe(401);
		expect(refused?.headers.get('WWW-Authenticate')).toMatch(/error="invalid_token"/);
		// A proof without ath (made as for the token endpoint) is refused too, and is no nonce challenge.
		const noAth = await seam.proof({ key, method: 'GET', url: `${issuer}/me`, now: Date.now() });
		const refusedAgain = await fetch(`${issuer}/me`, { headers: { Authorization: `DPoP ${token}`, DPoP: noAth } });
		expect(refusedAgain.status).toBe(401);
		expect(refusedAgain.headers.get('WWW-Authenticate')).toMatch(/error="invalid_dpop_proof", error_description="DPoP proof ath mismatch"/);
		await expect(seam.isNonceChallenge(refusedAgain, 'resource')).resolves.toBe(false);
	});

	it('a proof for another URL is refused by the token endpoint, and is no nonce challenge', async () => {
		const seam = dpopSeam();
		const key = await seam.newKey();
		// Learn the nonce first, so that only the broken claim can fail.
		await send(seam, key, 'token', `${issuer}/token`, { method: 'POST', body: clientCredentials() });
		const wrongUrl = await seam.proof({ key, method: 'POST', url: `${issuer}/token/elsewhere`, now: Date.now() });
		const response = await fetch(`${issuer}/token`, { method: 'POST', body: clientCredentials(), headers: { DPoP: wrongUrl } });
		expect(response.status).toBe(400);
		expect(await response.clone().json()).toMatchObject({ error: 'invalid_dpop_proof' });
		await expect(seam.isNonceChallenge(response, 'token')).resolves.toBe(false);
	});
});
