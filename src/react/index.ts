// React 18+ bindings: a thin layer over `auth.session`, `auth.subscribe` and `auth.ready`, so the behaviour stays in the core.
// https://react.dev/reference/react/useSyncExternalStore
import { createContext, createElement, type ReactNode, useCallback, useContext, useRef, useSyncExternalStore } from 'react';
import type { Session, TokenKeeper } from 'tokenkeeper';

const KeeperContext = createContext<TokenKeeper | null>(null);

/** What the server renders, and what hydration starts from: the keeper has not read its storage yet. */
const LOADING = Object.freeze({ status: 'loading', accessToken: null, expiresAt: null, claims: null, scopes: Object.freeze([]) }) as unknown as Session;

/** Props of {@link TokenKeeperProvider}. */
export interface TokenKeeperProviderProps {
	/**
	 * The keeper the components below use. Create it once, outside the component (a new keeper per render would start over).
	 * @example <TokenKeeperProvider keeper={auth}><App /></TokenKeeperProvider>
	 */
	keeper: TokenKeeper;
	/**
	 * The app, or the part of it that uses the session.
	 * @example <TokenKeeperProvider keeper={auth}><Router /></TokenKeeperProvider>
	 */
	children?: ReactNode;
}

/**
 * Makes `keeper` available to `useSession`, `useTokenKeeper` and `RequireSession` below it. It subscribes to nothing itself:
 * only the components that read the session listen to it.
 *
 * @example
 * const auth = createTokenKeeper({ apiUrl: 'https://api.example.com', endpoints: { login: '/auth/login', refresh: '/auth/refresh' } });
 * createRoot(element).render(<TokenKeeperProvider keeper={auth}><App /></TokenKeeperProvider>);
 */
export function TokenKeeperProvider({ keeper, children }: TokenKeeperProviderProps): ReactNode {
	return createElement(KeeperContext.Provider, { value: keeper }, children);
}

/**
 * The keeper of the nearest `TokenKeeperProvider`, for `login`, `logout`, `fetch`. Throws a `TypeError` without a provider.
 *
 * @example
 * const auth = useTokenKeeper();
 * return <button onClick={() => auth.logout()}>Log out</button>;
 */
export function useTokenKeeper(): TokenKeeper {
	const keeper = useContext(KeeperContext);
	if (!keeper) throw new TypeError('tokenkeeper/react: no <TokenKeeperProvider> above');
	return keeper;
}

/** One listener per mounted component; the same function across renders, so React does not subscribe again. */
const useSubscribe = (keeper: TokenKeeper) => useCallback((onChange: () => void) => keeper.subscribe(() => onChange()), [keeper]);

const whole = (session: Session) => session as never;
const statusOf = (session: Session) => session.status;

/**
 * The session, or the part of it `selector` picks. The component re-renders only when that part changes (by `isEqual`,
 * default `Object.is`), so a component that selects `status` does not render when a refresh brings a new token.
 * Built on `useSyncExternalStore`: no tearing, and server rendering gives the `loading` session.
 *
 * @example
 * const status = useSession((s) => s.status);
 * const user = useSession((s) => s.claims?.sub);
 * const scopes = useSession((s) => s.scopes, (a, b) => a.join() === b.join());
 */
export function useSession(): Session;
export function useSession<T>(selector: (session: Session) => T, isEqual?: (a: T, b: T) => boolean): T;
export function useSession<T>(selector: (session: Session) => T = whole, isEqual: (a: T, b: T) => boolean = Object.is): T {
	const keeper = useTokenKeeper();
	const last = useRef<{ session: Session; selector: (session: Session) => T; value: T } | null>(null);
	const select = (session: Session): T => {
		const memo = last.current;
		if (memo && memo.session === session && memo.selector === selector) return memo.value;
		const picked = selector(session);
		const value = memo && isEqual(memo.value, picked) ? memo.value : picked;
		last.current = { session, selector, value };
		return value;
	};
	return useSyncExternalStore(
		useSubscribe(keeper),
		() => select(keeper.session),
		() => select(LOADING),
	);
}

/** Props of {@link RequireSession}. */
export interface RequireSessionProps {
	/**
	 * Shown when signed out (for example the login page). Default: nothing.
	 * @example fallback={<LoginPage />}
	 */
	fallback?: ReactNode;
	/**
	 * Shown while the keeper reads its storage (`auth.ready` pending), and on the server. Default: nothing.
	 * @example loading={<Spinner />}
	 */
	loading?: ReactNode;
	/**
	 * Shown when authenticated.
	 * @example <RequireSession fallback={<LoginPage />}><Orders /></RequireSession>
	 */
	children?: ReactNode;
}

/**
 * Its children when authenticated, `fallback` when signed out, `loading` until the keeper has read its storage
 * (`auth.ready` pending) and on the server.
 * A stored session goes from `loading` straight to the children: the fallback never flashes.
 *
 * @example
 * <RequireSession fallback={<LoginPage />} loading={<Spinner />}>
 *   <App />
 * </RequireSession>
 */
export function RequireSession({ children, fallback = null, loading = null }: RequireSessionProps): ReactNode {
	// The session is `loading` exactly while `auth.ready` is pending: the keeper reads its storage, then says what it found.
	const status = useSession(statusOf);
	return status === 'authenticated' ? children : status === 'loading' ? loading : fallback;
}
