// @vitest-environment happy-dom
// The README's component-test examples (React Testing Library, Vue Test Utils), against the built package as an app
// imports it. The README writes the React component in JSX; here it is the same element built with createElement.
import { render, screen } from '@testing-library/react';
import { mount } from '@vue/test-utils';
import { setupServer } from 'msw/node';
import { createElement, useEffect, useState } from 'react';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { createTokenKeeper } from 'tokenkeeper';
import { TokenKeeperProvider, useSession, useTokenKeeper } from 'tokenkeeper/react';
import { createMockAuthServer } from 'tokenkeeper/testing';
import { tokenKeeperPlugin, useSession as useVueSession } from 'tokenkeeper/vue';

const server = createMockAuthServer();
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen());
afterEach(() => server.reset());
afterAll(() => msw.close());

/** An app's component: the user from the session, and what the API says with the token. */
function Profile() {
	const sub = useSession((s) => s.claims?.sub);
	const auth = useTokenKeeper();
	const [scope, setScope] = useState('');
	useEffect(() => {
		void auth
			.fetch('https://api.example.com/me')
			.then((response) => response.json())
			.then((me: { scope: string }) => setScope(me.scope));
	}, [auth]);
	return createElement('p', null, `Signed in as ${sub}`, scope && ` (${scope})`);
}

it('React Testing Library: renders with a keeper signed in as bob', async () => {
	const auth = createTokenKeeper(server.keeperOptions());
	await server.signIn(auth, { sub: 'bob' });
	render(createElement(TokenKeeperProvider, { keeper: auth }, createElement(Profile)));
	expect(await screen.findByText('Signed in as bob (read write)')).toBeTruthy();
	auth.destroy();
});

const VueProfile = defineComponent(() => {
	const session = useVueSession();
	return () => h('p', `Signed in as ${session.value.claims?.sub}`);
});

it('Vue Test Utils: mounts with a keeper signed in as bob', async () => {
	const auth = createTokenKeeper(server.keeperOptions());
	await server.signIn(auth, { sub: 'bob' });
	const wrapper = mount(VueProfile, { global: { plugins: [tokenKeeperPlugin(auth)] } });
	expect(wrapper.text()).toBe('Signed in as bob');
	auth.destroy();
});
