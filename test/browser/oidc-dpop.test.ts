import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForUrl } from './dom.js';
import { freePort, listen, providerConfiguration, serveApp, signInAtProvider } from './provider.js';
import { engineAvailable, engineLabel, type Tab, useEngine } from './support.js';

// The whole DPoP life (RFC 9449) in a real browser against a real authorization server: node's oidc-provider with
// its dPoP feature on and a nonce required on every proof, refresh tokens rotating and bound to the key; and a
// resource server of this test's own that verifies every proof strictly with jose and requires a nonce it rotates.
// The app is a plain page serving the script bundle; two tabs of one profile share the session (IndexedDB).

/** The few internals of oidc-provider this test reads (the package ships no types). */
interface ProviderInternals {
	on(event: 'authorization.success', listener: (ctx: ProviderContext) => void): void;
	on(event: 'grant.success', listener: (ctx: ProviderContext) => void): void;
	on(event: 'grant.error', listener: (ctx: ProviderContext, error: { error?: string }) => void): void;
	on(event: 'grant.revoked', listener: (ctx: ProviderContext, grantId: string) => void): void;
	listen(port: number, host: string): Server;
	AccessToken: { find(token: string): Promise<{ jkt?: string; accountId: string } | undefined> };
	RefreshToken: { find(token: string): Promise<{ jkt?: string; consumed?: unknown } | undefined> };
}
interface ProviderContext {
	oidc: { params?: Record<string, unknown> };
	body?: unknown;
	get(header: string): string;
}
/** A token endpoint call as the provider saw it. */
interface GrantCall {
	outcome: 'success' | 'error';
	grantType: string;
	/** The code or refresh token presented. */
	presented: string;
	error?: string;
	/** The thumbprint of the proof's key. */
	proofJkt?: string;
	answer?: { token_type: string; access_token: string; refresh_token?: string };
}
/** One request at the resource server and what it said. */
interface ResourceCall {
	/** The app's number of the call (query `n`): a retry has its call's number. */
	n: string | null;
	outcome: 'ok' | 'use_dpop_nonce' | 'refused';
	reason?: string;
	/** The nonce the proof carried, and the one the server required. */
	nonce?: unknown;
	required: string;
	jkt?: string;
}

/** The RFC 7638 thumbprint of a proof's key (its JWK's required members, in order), read without verifying. */
const thumbprintOfProof = (proof: string) => {
	const { jwk } = JSON.parse(Buffer.from(proof.split('.')[0] ?? '', 'base64url').toString()) as { jwk: Record<string, string> };
	const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
	return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
};

const browser = useEngine();
let app: Server | undefined;
let op: Server | undefined;
let rs: Server | undefined;
let provider: ProviderInternals;
let appUrl = '';
let issuer = '';
let rsUrl = '';
const jkts: string[] = []; // dpop_jkt of every authorization the provider granted
const grants: GrantCall[] = [];
const revokedGrants: string[] = [];
const resourceCalls: ResourceCall[] = [];

/** The app: one page that starts a DPoP keeper, and on /callback finishes the login. */
const page = () => `<!doctype html><meta charset="utf-8"><title>app</title>
<script src="/tokenkeeper.js"></script>
<script>
  window.auth = TokenKeeper.createTokenKeeper({
    ...TokenKeeper.oauth2({ issuer: ${JSON.stringify(issuer)}, clientId: 'spa', redirectUri: location.origin + '/callback', scope: 'openid offline_access' }),
    trustedOrigins: [${JSON.stringify(issuer)}, ${JSON.stringify(rsUrl)}],
    name: 'oidcdpop',
    dpop: TokenKeeper.dpop(),
  });
  window.callback = location.pathname === '/callback'
    ? auth.handleRedirectCallback().then((result) => result.appState, (error) => 'failed: ' + error.message)
    : Promise.resolve(null);
  /** Calls the resource server once (call number n), as the app would. */
  window.api = async (n) => {
    const response = await auth.fetch(${JSON.stringify(rsUrl)} + '/api/orders?n=' + n + '#top');
    return { status: response.status, body: await response.json() };
  };
  /** The session record in IndexedDB (the keeper's own database), with what its key is. */
  window.stored = () => new Promise((resolve, reject) => {
    const opening = indexedDB.open('tokenkeeper');
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const read = opening.result.transaction('sessions').objectStore('sessions').get('tokenkeeper:oidcdpop');
      read.onerror = () => reject(read.error);
      read.onsuccess = () => {
        opening.result.close();
        const key = read.result && read.result.dpop && read.result.dpop.privateKey;
        resolve(read.result === undefined ? null : { key: key ? { type: key.type, extractable: key.extractable } : null });
      };
    };
  });
  /** How many redirect-login keys wait for their callback (in idb-keyval's own database, where the DPoP part keeps them). */
  window.loginKeys = () => new Promise((resolve, reject) => {
    const opening = indexedDB.open('keyval-store');
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const count = opening.result.transaction('keyval').objectStore('keyval').count();
      count.onerror = () => reject(count.error);
      count.onsuccess = () => { opening.result.close(); resolve(count.result); };
    };
  });
</script>`;

/** The resource server's nonce: required in every proof, replaced (without notice) after every 2 answers it accepted. */
let nonce = randomBytes(16).toString('base64url');
let accepted = 0;
const seenJtis = new Set<string>();

/**
 * A resource server that verifies DPoP strictly (RFC 9449 section 7 and 4.3): the signature with the embedded public
 * JWK, `typ`, `htm`, `htu` (no query, no fragment), `iat` within a minute, `jti` never seen, `ath`, the token's
 * binding to the proof's key (looked up in the provider), and its own nonce (section 9).
 */
async function resource(request: IncomingMessage, response: ServerResponse) {
	response.setHeader('access-control-allow-origin', appUrl);
	if (request.method === 'OPTIONS') {
		return response.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, dpop', 'access-control-max-age': '600' }).end();
	}
	response.setHeader('access-control-expose-headers', 'DPoP-Nonce, WWW-Authenticate');
	const url = new URL(request.url ?? '/', rsUrl);
	const call: ResourceCall = { n: url.searchParams.get('n'), outcome: 'refused', required: nonce };
	resourceCalls.push(call);
	const refuse = (reason: string, error = 'invalid_dpop_proof') => {
		call.reason = reason;
		response.writeHead(401, { 'www-authenticate': `DPoP algs="ES256 EdDSA", error="${error}", error_description="${reason}"`, 'content-type': 'application/json' }).end(JSON.stringify({ error }));
	};
	const token = /^DPoP ([\w.~+/-]+=*)$/.exec(request.headers.authorization ?? '')?.[1];
	const proof = request.headers.dpop;
	if (!token) return refuse('no DPoP access token', 'invalid_token');
	if (typeof proof !== 'string' || proof.includes(',')) return refuse('not exactly one DPoP proof');
	let payload: Record<string, unknown>;
	let jkt: string;
	try {
		const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'EdDSA'] });
		payload = verified.payload;
		jkt = await calculateJwkThumbprint(verified.protectedHeader.jwk as JWK, 'sha256');
	} catch (error) {
		return refuse(`bad proof: ${(error as Error).message}`);
	}
	call.jkt = jkt;
	call.nonce = payload.nonce;
	if (payload.htm !== request.method) return refuse('htm');
	if (payload.htu !== `${url.origin}${url.pathname}`) return refuse(`htu ${String(payload.htu)}`);
	if (typeof payload.iat !== 'number' || Math.abs(payload.iat - Date.now() / 1000) > 60) return refuse('iat');
	if (typeof payload.jti !== 'string' || seenJtis.has(payload.jti)) return refuse('jti replayed');
	seenJtis.add(payload.jti);
	if (payload.ath !== createHash('sha256').update(token).digest('base64url')) return refuse('ath');
	const stored = await provider.AccessToken.find(token);
	if (!stored) return refuse('unknown or expired token', 'invalid_token');
	if (stored.jkt !== jkt) return refuse('the token is bound to another key', 'invalid_token');
	if (payload.nonce !== nonce) {
		call.outcome = 'use_dpop_nonce';
		response.setHeader('dpop-nonce', nonce);
		return refuse('a fresh nonce is required', 'use_dpop_nonce');
	}
	call.outcome = 'ok';
	if (++accepted % 2 === 0) nonce = randomBytes(16).toString('base64url');
	response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: stored.accountId, jkt }));
}

describe.runIf(engineAvailable)(`DPoP against oidc-provider, in ${engineLabel}`, () => {
	beforeAll(async () => {
		const served = serveApp(page);
		app = served.server;
		appUrl = await served.url;
		rs = createServer((request, response) => {
			resource(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
		});
		rsUrl = await listen(rs);
		const port = await freePort();
		issuer = `http://127.0.0.1:${port}`;
		provider = new Provider(
			issuer,
			providerConfiguration(
				appUrl,
				{ dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } },
				// a public client's refresh token bound to a DPoP key is not rotated by default: rotate every one
				{ rotateRefreshToken: () => true },
			),
		) as unknown as ProviderInternals;
		provider.on('authorization.success', (ctx) => jkts.push(String(ctx.oidc.params?.dpop_jkt)));
		const call = (ctx: ProviderContext, outcome: GrantCall['outcome'], error?: string) => {
			const params = ctx.oidc.params ?? {};
			const proof = ctx.get('dpop');
			grants.push({
				outcome,
				grantType: String(params.grant_type),
				presented: String(params.grant_type === 'refresh_token' ? params.refresh_token : params.code),
				...(error === undefined ? {} : { error }),
				...(proof ? { proofJkt: thumbprintOfProof(proof) } : {}),
				...(outcome === 'success' ? { answer: ctx.body as NonNullable<GrantCall['answer']> } : {}),
			});
		};
		// the events fire before the answers are sent: the list is complete when the app has its answer
		provider.on('grant.success', (ctx) => call(ctx, 'success'));
		provider.on('grant.error', (ctx, error) => call(ctx, 'error', error.error));
		provider.on('grant.revoked', (_ctx, grantId) => revokedGrants.push(grantId));
		op = provider.listen(port, '127.0.0.1');
	}, 30_000);
	afterAll(() => {
		for (const server of [app, rs, op]) {
			server?.close();
			server?.closeAllConnections();
		}
	});

	type AppWindow = Window & {
		api(n: number): Promise<{ status: number; body: { sub: string; jkt: string } }>;
		stored(): Promise<{ key: { type: string; extractable: boolean } | null } | null>;
		loginKeys(): Promise<number>;
	};
	let calls = 0;
	const api = (tab: Tab) => tab.evaluate((n) => (window as unknown as AppWindow).api(n), ++calls);
	const stored = (tab: Tab) => tab.evaluate(() => (window as unknown as AppWindow).stored());

	it('binds the login, every call of two tabs and every rotated refresh token to one key, through rotating nonces, and logs out with the key gone', async () => {
		const profile = await browser.profile();
		const tab = await profile.newTab();
		const other = await profile.newTab();
		for (const page of [tab, other]) {
			await page.goto(`${appUrl}/`);
			await page.evaluate(() => window.auth.ready);
		}

		// 1. the redirect login: dpop_jkt at the authorization endpoint, a nonce demanded at the token endpoint, a DPoP answer
		await tab.evaluate(() => void window.auth.loginWithRedirect({ appState: 'dpop', prompt: 'consent' }));
		await waitForUrl(tab, (url) => url.href.startsWith(issuer));
		await signInAtProvider(tab, appUrl);
		expect(await tab.evaluate(() => (window as unknown as { callback: Promise<unknown> }).callback)).toBe('dpop');
		expect(await tab.evaluate(() => window.auth.session.status)).toBe('authenticated');
		expect(jkts).toEqual([expect.stringMatching(/^[\w-]{43}$/)]);
		const jkt = jkts[0];
		const exchanges = grants.filter((call) => call.grantType === 'authorization_code');
		// the first proof has no nonce (nothing taught one yet): refused with use_dpop_nonce, then exactly one retry with it
		expect(exchanges.map(({ outcome, error }) => ({ outcome, error }))).toEqual([{ outcome: 'error', error: 'use_dpop_nonce' }, { outcome: 'success' }]);
		expect(exchanges[1]?.presented).toBe(exchanges[0]?.presented);
		expect(exchanges.map((call) => call.proofJkt)).toEqual([jkt, jkt]);
		const login = exchanges[1]?.answer;
		expect(login?.token_type).toBe('DPoP');
		expect((await provider.AccessToken.find(login?.access_token ?? ''))?.jkt).toBe(jkt);
		expect((await provider.RefreshToken.find(login?.refresh_token ?? ''))?.jkt).toBe(jkt);
		// the key in IndexedDB is the CryptoKey itself, not extractable
		expect(await stored(tab)).toEqual({ key: { type: 'private', extractable: false } });
		expect(await tab.evaluate(() => (window as unknown as AppWindow).loginKeys())).toBe(0); // the login's key moved into the session

		// 4. the other tab shares the session: its proofs are of the same key, and pass the strict resource server
		await other.waitForFunction(() => window.auth.session.status === 'authenticated');
		// two calls in a row per tab: the second reuses the nonce the first learned, until the server rotates it
		for (const page of [tab, tab, other, other, tab, other]) expect(await api(page)).toEqual({ status: 200, body: { sub: 'alice', jkt } });

		// 3. refresh in one tab, then in the other: each presents the refresh token the last one rotated to
		await tab.evaluate(() => window.auth.refresh().then(() => undefined));
		await other.evaluate(() => window.auth.refresh().then(() => undefined));
		// and in both at once: under the tab lock, one refresh for both or one after the other, never one token twice
		await Promise.all([tab, other].map((page) => page.evaluate(() => window.auth.refresh().then(() => undefined))));
		for (const page of [other, other, tab, tab]) expect(await api(page)).toEqual({ status: 200, body: { sub: 'alice', jkt } });
		const refreshes = grants.filter((call) => call.grantType === 'refresh_token' && call.outcome === 'success');
		expect(refreshes.length).toBeGreaterThanOrEqual(3);
		const issued = [login, ...refreshes.map((call) => call.answer)].map((answer) => answer?.refresh_token);
		// each refresh presented the token the previous answer issued: none presented twice, none left behind
		expect(refreshes.map((call) => call.presented)).toEqual(issued.slice(0, -1));
		expect(new Set(issued).size).toBe(issued.length);
		for (const answer of refreshes.map((call) => call.answer)) {
			expect(answer?.token_type).toBe('DPoP');
			expect((await provider.AccessToken.find(answer?.access_token ?? ''))?.jkt).toBe(jkt);
			expect((await provider.RefreshToken.find(answer?.refresh_token ?? ''))?.jkt).toBe(jkt);
		}
		// every call at the token endpoint proved the one key; any refusal was a nonce challenge, answered by one retry of the same grant
		expect(grants.every((call) => call.proofJkt === jkt)).toBe(true);
		grants.forEach((call, index) => {
			if (call.outcome === 'success') return;
			expect(call.error).toBe('use_dpop_nonce');
			expect(grants[index + 1]).toMatchObject({ outcome: 'success', grantType: call.grantType, presented: call.presented });
		});
		expect(revokedGrants).toEqual([]); // a refresh token presented twice would have revoked the grant

		// 2. the resource server refused nothing but nonce challenges, each followed by exactly one retry with the nonce
		expect(resourceCalls.filter((call) => call.outcome === 'refused')).toEqual([]);
		expect(resourceCalls.every((call) => call.jkt === jkt)).toBe(true);
		for (let n = 1; n <= calls; n++) {
			const attempts = resourceCalls.filter((call) => call.n === String(n));
			const challenged = attempts[0]?.outcome === 'use_dpop_nonce';
			expect(attempts.map((call) => call.outcome)).toEqual(challenged ? ['use_dpop_nonce', 'ok'] : ['ok']);
			if (challenged) expect(attempts[1]?.nonce).toBe(attempts[0]?.required);
		}
		const challenges = resourceCalls.filter((call) => call.outcome === 'use_dpop_nonce');
		expect(challenges.some((call) => call.nonce === undefined)).toBe(true); // a tab's first proof, before it knew any nonce
		expect(challenges.some((call) => typeof call.nonce === 'string')).toBe(true); // a nonce the server had since rotated
		expect(challenges.length).toBeLessThan(calls); // and a learned nonce is used: some calls passed at once
		expect(resourceCalls).toHaveLength(calls + challenges.length);

		// 5. logout: the refresh token revoked at the provider, the key gone from IndexedDB, the other tab signed out
		const last = refreshes.at(-1)?.answer;
		await tab.evaluate(() => window.auth.logout());
		expect(await stored(tab)).toBeNull();
		expect(await tab.evaluate(() => window.auth.session.status)).toBe('unauthenticated');
		await other.waitForFunction(() => window.auth.session.status === 'unauthenticated');
		expect(await stored(other)).toBeNull();
		expect(revokedGrants).toHaveLength(1);
		expect(await provider.RefreshToken.find(last?.refresh_token ?? '')).toBeUndefined();
		expect(await provider.AccessToken.find(last?.access_token ?? '')).toBeUndefined();
		await profile.close();
	}, 60_000);
});
