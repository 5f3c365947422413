import { describe, expect, it } from 'vitest';
import { createTokenKeeper, type RedirectContext, type RedirectLogin } from '../src/index.js';
import { createMockAuthServer } from '../src/testing/index.js';

// The redirect-login extension seam, used as its documentation shows, through the public exports only.
describe('a RedirectLogin of its own', () => {
	it('drives loginWithRedirect, handleRedirectCallback and logout({ returnTo }) through the context it is lent', async () => {
		const mock = createMockAuthServer();
		const calls: string[] = [];
		let lent: RedirectContext | undefined;
		const popupLogin: RedirectLogin = {
			async loginWithRedirect(options, context) {
				lent = context;
				calls.push(`login:${options.prompt}`);
			},
			async handleRedirectCallback(url, context) {
				calls.push(`callback:${new URL(url).searchParams.get('ticket')}`);
				const body = await mock.issueTokens({ sub: 'alice' });
				const session = await context.startSession({ body, receipt: { sentAt: Date.now(), receivedAt: Date.now() } });
				return { session, appState: { from: 'popup' } };
			},
			async endSession(options, idToken) {
				calls.push(`end:${options.returnTo}:${String(idToken)}`);
			},
		};
		const auth = createTokenKeeper({ storage: 'memory', crossTab: false, name: 'seam', redirectLogin: popupLogin });
		const events: string[] = [];
		auth.subscribe((_, event) => events.push(event.type));
		await auth.loginWithRedirect({ prompt: 'login' });
		expect(lent?.name).toBe('seam');
		const { session, appState } = await auth.handleRedirectCallback('https://app.example.com/cb?ticket=t1');
		expect(session).toMatchObject({ status: 'authenticated', claims: { sub: 'alice' } });
		expect(appState).toEqual({ from: 'popup' });
		expect(events.at(-1)).toBe('login');
		await auth.logout({ returnTo: 'https://app.example.com/' });
		expect(calls).toEqual(['login:login', 'callback:t1', 'end:https://app.example.com/:undefined']);
		expect(auth.session.status).toBe('unauthenticated');
		auth.destroy();
	});
});
