// The React test page: a keeper shared by the tabs of a profile, RequireSession around a profile view.
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { createTokenKeeper } from '../../../src/index.js';
import { RequireSession, TokenKeeperProvider, useSession, useTokenKeeper } from '../../../src/react/index.js';

declare global {
	interface Window {
		/** What RequireSession showed, in order. */
		shown: string[];
	}
}

window.shown = [];
const auth = createTokenKeeper({ apiUrl: location.origin, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' }, name: 'bindings' });
window.auth = auth;

const mark = (name: string, element: ReturnType<typeof h>) => {
	if (window.shown.at(-1) !== name) window.shown.push(name);
	return element;
};
function Loading() {
	return mark('loading', h('p', { id: 'loading' }, 'loading'));
}
function Login() {
	return mark('fallback', h('p', { id: 'fallback' }, 'signed out'));
}
function Profile() {
	const sub = useSession((s) => s.claims?.sub);
	const keeper = useTokenKeeper();
	return mark('app', h('div', null, h('p', { id: 'user' }, String(sub)), h('button', { id: 'logout', onClick: () => void keeper.logout() }, 'log out')));
}

createRoot(document.getElementById('root')!).render(h(TokenKeeperProvider, { keeper: auth }, h(RequireSession, { fallback: h(Login), loading: h(Loading) }, h(Profile))));
