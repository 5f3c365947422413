// The Vue test page: the same app as the React page, with the plugin, useSession and a computed status.
import { computed, createApp, defineComponent, h } from 'vue';
import { createTokenKeeper } from '../../../src/index.js';
import { tokenKeeperPlugin, useSession, useTokenKeeper } from '../../../src/vue/index.js';

window.shown = [];
const auth = createTokenKeeper({ apiUrl: location.origin, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' }, name: 'bindings' });
window.auth = auth;

const mark = (name: string, element: ReturnType<typeof h>) => {
	if (window.shown.at(-1) !== name) window.shown.push(name);
	return element;
};
const App = defineComponent(() => {
	const session = useSession();
	const keeper = useTokenKeeper();
	const status = computed(() => session.value.status);
	return () => {
		if (status.value === 'loading') return mark('loading', h('p', { id: 'loading' }, 'loading'));
		if (status.value === 'unauthenticated') return mark('fallback', h('p', { id: 'fallback' }, 'signed out'));
		return mark('app', h('div', [h('p', { id: 'user' }, String(session.value.claims?.sub)), h('button', { id: 'logout', onClick: () => void keeper.logout() }, 'log out')]));
	};
});

createApp(App).use(tokenKeeperPlugin(auth)).mount('#root');
