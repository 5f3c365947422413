// Vue 3 bindings: a thin layer over `auth.session`, `auth.subscribe` and `auth.ready`, so the behaviour stays in the core.
import { getCurrentScope, inject, onScopeDispose, type Plugin, type ShallowRef, shallowReadonly, shallowRef, ssrContextKey } from 'vue';
import type { Session, TokenKeeper } from 'tokenkeeper';

const KEY = Symbol('tokenkeeper');

/** What a server render shows: the keeper has not read the browser's storage there. */
const LOADING = Object.freeze({ status: 'loading', accessToken: null, expiresAt: null, claims: null, scopes: Object.freeze([]) }) as unknown as Session;

/**
 * The plugin that makes `auth` available to `useSession` and `useTokenKeeper` in every component of the app.
 *
 * @example
 * const auth = createTokenKeeper({ apiUrl: 'https://api.example.com', endpoints: { login: '/auth/login', refresh: '/auth/refresh' } });
 * createApp(App).use(tokenKeeperPlugin(auth)).mount('#app');
 */
export function tokenKeeperPlugin(auth: TokenKeeper): Plugin {
	return { install: (app) => void app.provide(KEY, auth) };
}

/**
 * The keeper given to `tokenKeeperPlugin`, for `login`, `logout`, `fetch`. Call it in `setup`; throws a `TypeError` without the plugin.
 *
 * @example
 * const auth = useTokenKeeper();
 * const logout = () => auth.logout();
 */
export function useTokenKeeper(): TokenKeeper {
	const auth = inject<TokenKeeper | null>(KEY, null);
	if (!auth) throw new TypeError('tokenkeeper/vue: useTokenKeeper() and useSession() need app.use(tokenKeeperPlugin(auth)), and a component setup to run in');
	return auth;
}

/**
 * The session as a readonly shallow ref: `session.value` is the keeper's frozen session object, replaced on every change
 * (so a `watch` sees each change once, and nothing deep is made reactive). Call it in `setup`; it stops listening when
 * the component (or effect scope) is disposed. A server render gets the `loading` session and adds no listener.
 *
 * @example
 * const session = useSession();
 * const signedIn = computed(() => session.value.status === 'authenticated');
 */
export function useSession(): Readonly<ShallowRef<Session>> {
	const auth = useTokenKeeper();
	// A server render gets the loading session and no listener: a component rendered on the server is never unmounted,
	// so a subscription there would outlive the request.
	if (inject(ssrContextKey, null)) return shallowReadonly(shallowRef(LOADING)) as Readonly<ShallowRef<Session>>;
	const session = shallowRef(auth.session);
	const unsubscribe = auth.subscribe((next) => {
		session.value = next;
	});
	if (getCurrentScope()) onScopeDispose(unsubscribe);
	return shallowReadonly(session) as Readonly<ShallowRef<Session>>;
}

/** Where `requireSession` sends a signed-out user: a path, a route location, or a function of the route being entered (`false` cancels). */
export type SignedOutRedirect<Location extends object> = string | Location | ((to: { fullPath: string }) => string | Location | false);

/** What the guard answers, as vue-router reads it: go on, cancel, or go to a path or location. */
export type GuardAnswer<Location extends object> = boolean | string | Location | { path: string; query: { returnTo: string } };

/**
 * A vue-router navigation guard: it waits for `auth.ready` (so a stored session is never sent to the login page on a
 * reload), lets the navigation through when authenticated, and otherwise redirects to `login` with `returnTo` in
 * the query (or where a function of the route says; `false` cancels). Use it as a route's `beforeEnter`, or in
 * `router.beforeEach` for routes you mark.
 *
 * @example
 * const signedIn = requireSession(auth, '/login');
 * const routes = [{ path: '/orders', component: Orders, beforeEnter: signedIn }, { path: '/login', component: Login }];
 * router.beforeEach((to) => (to.meta.public ? true : signedIn(to)));
 */
export function requireSession<Location extends object = { path: string }>(
	auth: Pick<TokenKeeper, 'ready' | 'session'>,
	login: SignedOutRedirect<Location>,
): (to: { fullPath: string }) => Promise<GuardAnswer<Location>> {
	return async (to) => {
		await auth.ready;
		if (auth.session.status === 'authenticated') return true;
		if (typeof login === 'function') return login(to);
		return typeof login === 'string' ? { path: login, query: { returnTo: to.fullPath } } : login;
	};
}
