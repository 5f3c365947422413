// The demo page: every control talks to the keeper, every event is logged. No framework.

const $ = (selector) => document.querySelector(selector);
const time = (at) => `${new Date(at).toLocaleTimeString([], { hour12: false })}.${String(at % 1000).padStart(3, '0')}`;

/** @param {typeof import('../src/index.js')} TokenKeeper */
export function start(TokenKeeper) {
	const auth = TokenKeeper.createTokenKeeper({
		apiUrl: location.origin,
		endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
		name: 'demo',
	});
	window.auth = auth; // for the curious, in the console

	// --- the event log ---------------------------------------------------------------------
	const log = (text, kind = 'info') => {
		const item = document.createElement('li');
		item.className = kind;
		item.innerHTML = `<time></time> <span></span>`;
		item.querySelector('time').textContent = time(Date.now());
		item.querySelector('span').textContent = text;
		$('#log').prepend(item);
	};
	const describe = (event, session) => {
		switch (event.type) {
			case 'login':
				return ['logged in', 'good'];
			case 'refresh':
				return [`refreshed (trigger: ${event.trigger}${event.wakeEvent ? `, on ${event.wakeEvent}` : ''}${event.adopted ? ', adopted from another tab' : ''})`, 'good'];
			case 'sync':
				return [event.source === 'other-tab' ? 'synced from another tab' : session.status === 'authenticated' ? 'loaded the session from storage' : 'no stored session', 'info'];
			case 'logout':
				return [`logged out (reason: ${event.reason})${event.error ? ` — ${event.error.message}` : ''}`, event.reason === 'user' ? 'info' : 'warn'];
			case 'error':
				return [`${event.error.code}: ${event.error.message}${event.retryInMs === undefined ? '' : ` — retrying in ${(event.retryInMs / 1000).toFixed(1)} s`}`, 'bad'];
		}
	};
	auth.subscribe((session, event) => {
		const [text, kind] = describe(event, session);
		log(text, kind);
		render(session);
		void control(); // the server's counters, after every change
	});
	$('#clear-log').addEventListener('click', () => ($('#log').textContent = ''));

	// --- the session -----------------------------------------------------------------------
	const ANSWER_HINT = $('#answer').textContent;
	/** The session whose API answer is on screen. */
	let shownFor;
	function render(session) {
		const status = $('#status');
		status.textContent = session.status;
		status.dataset.status = session.status;
		const signedIn = session.status === 'authenticated';
		if (!signedIn && shownFor !== undefined) {
			// what the API said belongs to the session that asked: it goes with it
			shownFor = undefined;
			$('#answer').textContent = ANSWER_HINT;
		}
		$('#login').hidden = signedIn;
		for (const button of ['#call', '#refresh', '#logout']) $(button).disabled = !signedIn;
		$('#subject').textContent = session.claims?.sub ?? '–';
		$('#scopes').textContent = session.scopes.length ? session.scopes.join(', ') : '–';
		$('#claims').textContent = session.claims ? JSON.stringify(session.claims, null, 2) : '–';
		tick();
	}
	function tick() {
		const { expiresAt, claims, status } = auth.session;
		const bar = $('#bar');
		if (status !== 'authenticated' || expiresAt === null) {
			bar.style.setProperty('--left', '0%');
			bar.setAttribute('aria-valuenow', '0');
			$('#countdown').textContent = status === 'authenticated' ? 'unknown' : '–';
			return;
		}
		const lifetime = claims?.exp && claims?.iat ? (claims.exp - claims.iat) * 1000 : 60_000;
		const left = Math.max(0, expiresAt - Date.now());
		const percent = Math.min(100, (left / lifetime) * 100);
		bar.style.setProperty('--left', `${percent}%`);
		bar.dataset.low = String(percent < 25);
		bar.setAttribute('aria-valuenow', String(Math.round(percent)));
		$('#countdown').textContent = `${(left / 1000).toFixed(1)} s left`;
	}
	setInterval(tick, 100);
	render(auth.session);

	// --- actions ---------------------------------------------------------------------------
	$('#login').addEventListener('submit', async (event) => {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		$('#login-error').hidden = true;
		try {
			await auth.login({ username: form.get('username'), password: form.get('password') });
		} catch (error) {
			$('#login-error').textContent = error.code === 'LOGIN_FAILED' && error.status === 401 ? 'Wrong username or password.' : `${error.code}: ${error.message}`;
			$('#login-error').hidden = false;
		}
	});
	$('#call').addEventListener('click', async () => {
		const started = performance.now();
		const show = (text) => {
			if (auth.session.status !== 'authenticated') return; // the answer came after a logout: not shown
			shownFor = auth.session;
			$('#answer').textContent = text;
		};
		try {
			const response = await auth.fetch('/me');
			const body = await response.text();
			show(`HTTP ${response.status} in ${Math.round(performance.now() - started)} ms\n${body}`);
		} catch (error) {
			show(`${error.code ?? error.name}: ${error.message}`);
		}
	});
	$('#refresh').addEventListener('click', () => auth.refresh().catch(() => undefined)); // failures are in the log
	$('#logout').addEventListener('click', () => auth.logout());

	// --- server controls -------------------------------------------------------------------
	const control = async (change) => {
		const response = await fetch('/demo/control', { method: change ? 'POST' : 'GET', body: change && JSON.stringify(change), headers: { 'content-type': 'application/json' } });
		const state = await response.json();
		$('#lifetime').value = String(state.lifetime);
		$('#skew').value = String(state.skewMinutes);
		$('#offline').checked = state.offline;
		$('#server-stats').textContent = `Server saw ${state.calls.login} logins, ${state.calls.refresh} refreshes, ${state.calls.resource} API calls, ${state.reuses} refresh-token reuses.`;
		return state;
	};
	$('#lifetime').addEventListener('change', (event) => control({ lifetime: Number(event.target.value) }).then(() => log(`server: new tokens live ${event.target.selectedOptions[0].text}`)));
	$('#skew').addEventListener('change', (event) => control({ skewMinutes: Number(event.target.value) }).then(() => log(`server: clock ${event.target.selectedOptions[0].text}`)));
	$('#offline').addEventListener('change', (event) => control({ offline: event.target.checked }).then(() => log(`server: ${event.target.checked ? 'offline' : 'back online'}`, 'warn')));
	$('#revoke').addEventListener('click', () => control({ revoke: true }).then(() => log('server: every session revoked', 'warn')));
	void control();
	setInterval(() => void control(), 2000);
}
