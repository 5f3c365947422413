// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { computed, createSSRApp, defineComponent, h, nextTick } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createMemoryHistory, createRouter } from 'vue-router';
import { createTokenKeeper, type Session, type TokenKeeper } from '../../src/index.js';
import { createMockAuthServer } from '../../src/testing/index.js';
import { requireSession, tokenKeeperPlugin, useSession, useTokenKeeper } from '../../src/vue/index.js';

const server = createMockAuthServer();
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
const keepers: TokenKeeper[] = [];
afterEach(() => {
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

const renders = { status: 0, token: 0 };
afterEach(() => Object.assign(renders, { status: 0, token: 0 }));
const Status = defineComponent(() => {
	const session = useSession();
	const status = computed(() => session.value.status);
	return () => {
		renders.status++;
		return h('p', { class: 'status' }, status.value);
	};
});
const Token = defineComponent(() => {
	const session = useSession();
	return () => {
		renders.token++;
		return h('p', { class: 'token' }, session.value.accessToken ?? '');
	};
});

describe('useSession', () => {
	it('follows every change; a component that reads a computed status does not render when only the token changes', async () => {
		const auth = keeper();
		const wrapper = mount(
			defineComponent(() => () => [h(Status), h(Token)]),
			{ global: { plugins: [tokenKeeperPlugin(auth)] } },
		);
		expect(wrapper.find('.status').text()).toBe('loading');
		await auth.ready;
		await nextTick();
		expect(wrapper.find('.status').text()).toBe('unauthenticated');

		await server.signIn(auth);
		await nextTick();
		expect(wrapper.find('.status').text()).toBe('authenticated');
		const before = { ...renders };
		await auth.refresh();
		await nextTick();
		expect(wrapper.find('.token').text()).toBe(auth.session.accessToken);
		expect(renders).toEqual({ status: before.status, token: before.token + 1 });
		await auth.logout();
		await nextTick();
		expect(wrapper.find('.status').text()).toBe('unauthenticated');
		wrapper.unmount();
	});

	it('is readonly, gives the keeper’s own frozen session, and stops listening on unmount', async () => {
		const auth = keeper();
		let active = 0;
		const counted: TokenKeeper = Object.create(auth, {
			subscribe: {
				value: (listener: Parameters<TokenKeeper['subscribe']>[0]) => {
					active++;
					const off = auth.subscribe(listener);
					return () => {
						active--;
						off();
					};
				},
			},
		});
		let ref: { value: Session } | undefined;
		let grabbed: TokenKeeper | undefined;
		const Probe = defineComponent(() => {
			ref = useSession();
			grabbed = useTokenKeeper();
			return () => null;
		});
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
		const wrapper = mount(Probe, { global: { plugins: [tokenKeeperPlugin(counted)] } });
		await server.signIn(auth);
		expect(ref!.value).toBe(auth.session);
		expect(grabbed).toBe(counted);
		expect(active).toBe(1);
		const session = ref!.value;
		ref!.value = { status: 'unauthenticated', accessToken: null, expiresAt: null, claims: null, scopes: [] };
		expect(ref!.value).toBe(session);
		expect(warn.mock.calls.flat().map(String).join(' ')).toMatch(/readonly/);
		wrapper.unmount();
		expect(active).toBe(0);
	});

	it('without the plugin, says what is missing', () => {
		vi.spyOn(console, 'warn').mockImplementation(() => undefined);
		expect(() => mount(Status)).toThrow(/tokenKeeperPlugin/);
	});
});

describe('requireSession, the vue-router guard', () => {
	const page = (name: string) => defineComponent(() => () => h('p', name));
	const routerFor = (auth: TokenKeeper, login: Parameters<typeof requireSession>[1] = '/login') =>
		createRouter({
			history: createMemoryHistory(),
			routes: [
				{ path: '/', component: page('home') },
				{ path: '/orders', component: page('orders'), beforeEnter: requireSession(auth, login) },
				{ path: '/login', component: page('login') },
			],
		});

	it('waits for a stored session to load instead of sending it to the login page', async () => {
		const options = { ...server.keeperOptions(), storage: 'localStorage' as const, name: 'stored' };
		await server.signIn(keeper(options));
		const auth = keeper(options); // a reload: status is still loading
		expect(auth.session.status).toBe('loading');
		const router = routerFor(auth);
		await router.push('/orders');
		expect(router.currentRoute.value.fullPath).toBe('/orders');
	});

	it('sends a signed-out user to the login page with returnTo, or where a function says', async () => {
		const auth = keeper();
		const router = routerFor(auth);
		await router.push('/orders?page=2');
		expect(router.currentRoute.value.path).toBe('/login');
		expect(router.currentRoute.value.query).toEqual({ returnTo: '/orders?page=2' });

		const custom = routerFor(auth, (to) => ({ path: '/login', query: { next: to.fullPath } }));
		await custom.push('/orders');
		expect(custom.currentRoute.value.fullPath).toBe('/login?next=/orders');

		const cancelled = routerFor(auth, () => false);
		await cancelled.push('/');
		await cancelled.push('/orders');
		expect(cancelled.currentRoute.value.fullPath).toBe('/');
	});
});

describe('server rendering', () => {
	it('renderToString gives the loading session and leaves no listener behind, even for a keeper that is signed in', async () => {
		const auth = keeper();
		await server.signIn(auth);
		let listeners = 0;
		const counted: TokenKeeper = Object.create(auth, { subscribe: { value: (listener: Parameters<TokenKeeper['subscribe']>[0]) => (listeners++, auth.subscribe(listener)) } });
		const app = createSSRApp(Status).use(tokenKeeperPlugin(counted));
		expect(await renderToString(app)).toBe('<p class="status">loading</p>');
		expect(listeners).toBe(0);
	});
});
