// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { createElement as h, StrictMode, type ReactNode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenKeeper, type Session, type TokenKeeper } from '../../src/index.js';
import { RequireSession, TokenKeeperProvider, useSession, useTokenKeeper } from '../../src/react/index.js';
import { createMockAuthServer } from '../../src/testing/index.js';

const server = createMockAuthServer();
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
const keepers: TokenKeeper[] = [];
afterEach(() => {
	cleanup();
	for (const keeper of keepers.splice(0)) keeper.destroy();
	server.reset();
	localStorage.clear();
});
afterAll(() => msw.close());

const keeper = (options: Parameters<typeof createTokenKeeper>[0] = server.keeperOptions()) => {
	const auth = createTokenKeeper(options);
	keepers.push(auth);
	return auth;
};

/** A keeper whose `subscribe` counts the listeners that are on at any time. */
function counted(auth: TokenKeeper) {
	const active = new Set<unknown>();
	const wrapped: TokenKeeper = Object.create(auth, {
		subscribe: {
			value: (listener: Parameters<TokenKeeper['subscribe']>[0]) => {
				const off = auth.subscribe(listener);
				const handle = {};
				active.add(handle);
				return () => {
					active.delete(handle);
					off();
				};
			},
		},
	});
	return { wrapped, active };
}

const renders: Record<string, number> = {};
afterEach(() => {
	for (const key of Object.keys(renders)) delete renders[key];
});
/** A component that renders what `selector` picks and counts its renders. */
const probe =
	<T>(name: string, selector: (session: Session) => T, isEqual?: (a: T, b: T) => boolean) =>
	() => {
		renders[name] = (renders[name] ?? 0) + 1;
		const value = useSession(selector, isEqual ?? Object.is);
		return h('p', { 'data-testid': name }, JSON.stringify(value));
	};
const Status = probe('status', (s) => s.status);
const Token = probe('token', (s) => s.accessToken);
const Scopes = probe(
	'scopes',
	(s) => s.scopes,
	(a, b) => a.join(' ') === b.join(' '),
);
const Whole = () => {
	renders.whole = (renders.whole ?? 0) + 1;
	const session = useSession();
	return h('p', { 'data-testid': 'whole' }, session.status);
};
let grabbed: TokenKeeper | undefined;
const Grab = () => {
	grabbed = useTokenKeeper();
	return null;
};
const withKeeper = (auth: TokenKeeper, ...children: ReactNode[]) => h(TokenKeeperProvider, { keeper: auth }, ...children);

describe('useSession', () => {
	it('a refresh re-renders only the components whose selection changed', async () => {
		const auth = keeper();
		await server.signIn(auth);
		render(withKeeper(auth, h(Status), h(Token), h(Scopes), h(Whole)));
		expect(screen.getByTestId('status').textContent).toBe('"authenticated"');
		const before = { ...renders };

		await act(() => auth.refresh());
		expect(screen.getByTestId('token').textContent).toBe(JSON.stringify(auth.session.accessToken));
		expect(renders.token).toBe(before.token! + 1);
		expect(renders.whole).toBe(before.whole! + 1);
		expect(renders.status).toBe(before.status); // same status: no render
		expect(renders.scopes).toBe(before.scopes); // a new array, equal by isEqual: no render

		await act(() => auth.logout());
		expect(screen.getByTestId('status').textContent).toBe('"unauthenticated"');
		expect(renders.status).toBe(before.status! + 1);
	});

	it('follows the keeper from loading to signed in, and useTokenKeeper gives the keeper', async () => {
		const auth = keeper();
		render(withKeeper(auth, h(Status), h(Grab)));
		await act(() => auth.ready);
		expect(screen.getByTestId('status').textContent).toBe('"unauthenticated"');
		await act(() => auth.login({ username: 'alice', password: 'wonderland' }));
		expect(screen.getByTestId('status').textContent).toBe('"authenticated"');
		expect(grabbed).toBe(auth);
	});

	it('without a provider, says what is missing', () => {
		expect(() => render(h(Status))).toThrow(/no <TokenKeeperProvider> above/);
	});
});

describe('RequireSession', () => {
	const shown: string[] = [];
	afterEach(() => void shown.splice(0));
	const mark = (name: string) => () => {
		shown.push(name);
		return h('p', null, name);
	};
	const [Loading, Login, App] = [mark('loading'), mark('login'), mark('app')];
	const guarded = (auth: TokenKeeper) => withKeeper(auth, h(RequireSession, { fallback: h(Login), loading: h(Loading) }, h(App)));

	it('a stored session goes from loading straight to the children: the fallback never flashes', async () => {
		const options = { ...server.keeperOptions(), storage: 'localStorage' as const, name: 'stored' };
		await server.signIn(keeper(options));
		const auth = keeper(options); // a new page load: the session is in storage
		render(guarded(auth));
		await act(() => auth.ready);
		expect(screen.getByText('app')).toBeTruthy();
		expect(shown).toEqual(['loading', 'app']);
	});

	it('signed out: loading, then the fallback; after a login the children, after a logout the fallback again', async () => {
		const auth = keeper();
		render(guarded(auth));
		await act(() => auth.ready);
		expect(shown).toEqual(['loading', 'login']);
		await act(() => auth.login({ username: 'alice', password: 'wonderland' }));
		expect(shown.at(-1)).toBe('app');
		await act(() => auth.logout());
		expect(shown.at(-1)).toBe('login');
	});

	it('renders nothing by default while loading and signed out', async () => {
		const auth = keeper();
		const { container } = render(withKeeper(auth, h(RequireSession, null, h(App))));
		expect(container.innerHTML).toBe('');
		await act(() => auth.ready);
		expect(container.innerHTML).toBe('');
	});
});

describe('StrictMode', () => {
	it('its double mount leaves one listener per component and starts no refresh; unmounting removes them', async () => {
		const auth = keeper();
		await server.signIn(auth);
		const { wrapped, active } = counted(auth);
		const view = render(h(StrictMode, null, withKeeper(wrapped, h(Status), h(RequireSession, null, h(Token)))));
		await act(() => auth.ready);
		expect(active.size).toBe(3); // Status, RequireSession, Token
		expect(server.calls).toMatchObject({ login: 0, refresh: 0 });
		await act(() => auth.refresh());
		expect(server.calls.refresh).toBe(1);
		expect(screen.getByTestId('token').textContent).toBe(JSON.stringify(auth.session.accessToken));
		view.unmount();
		expect(active.size).toBe(0);
	});
});

describe('server rendering', () => {
	it('renderToString gives the loading session, even for a keeper that is signed in', async () => {
		const auth = keeper();
		await server.signIn(auth);
		const html = renderToString(withKeeper(auth, h(Status), h(RequireSession, { fallback: 'login', loading: 'spinner' }, 'app')));
		expect(html).toBe('<p data-testid="status">&quot;loading&quot;</p>spinner');
	});

	it('hydration starts from the server snapshot without a mismatch, then shows the session the browser has', async () => {
		const auth = keeper();
		await server.signIn(auth);
		const tree = withKeeper(auth, h(Status), h(RequireSession, { fallback: 'login', loading: 'spinner' }, 'app'));
		const container = document.createElement('div');
		container.innerHTML = renderToString(tree);
		document.body.append(container);
		const mismatches: unknown[] = [];
		const root = await act(async () => hydrateRoot(container, tree, { onRecoverableError: (error) => void mismatches.push(error) }));
		expect(mismatches).toEqual([]);
		expect(container.textContent).toBe('"authenticated"app');
		act(() => root.unmount());
		container.remove();
	});
});
