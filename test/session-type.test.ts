import { describe, expect, expectTypeOf, it } from 'vitest';
import { createTokenKeeper, type AuthenticatedSession, type Claims, type Session, type SignedOutSession } from '../src/index.js';
import { createMockAuthServer } from '../src/testing/index.js';

// These assertions are checked by `npm run typecheck` (tsc reads the tests): a Session that is not
// discriminated on `status` fails them there.
describe('Session is discriminated on status', () => {
	it('narrowing on status gives the token as a string, and null when signed out', async () => {
		const auth = createTokenKeeper({ storage: 'memory', crossTab: false });
		const session: Session = auth.session;
		if (session.status === 'authenticated') {
			expectTypeOf(session).toEqualTypeOf<AuthenticatedSession>();
			expectTypeOf(session.accessToken).toEqualTypeOf<string>();
			expectTypeOf(session.claims).toEqualTypeOf<Claims | null>();
		} else {
			expectTypeOf(session).toEqualTypeOf<SignedOutSession>();
			expectTypeOf(session.accessToken).toEqualTypeOf<null>();
			expectTypeOf(session.expiresAt).toEqualTypeOf<null>();
			expectTypeOf(session.claims).toEqualTypeOf<null>();
		}
		await auth.ready;
		expect(auth.session).toEqual({ status: 'unauthenticated', accessToken: null, expiresAt: null, claims: null, scopes: [] });

		await auth.setTokens(await createMockAuthServer().issueTokens());
		const signedIn = auth.session;
		expect(signedIn.status).toBe('authenticated');
		if (signedIn.status !== 'authenticated') throw new Error('not signed in');
		const token: string = signedIn.accessToken; // no `!`, no `?? ''`
		expect(token).toMatch(/^ey/);
		expect(signedIn.claims?.sub).toBe('alice');
		auth.destroy();
	});
});
