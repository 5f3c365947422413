// The demo as a small React app: tokenkeeper/react over the same keeper and the same mock server as the other pages.
// `npm run demo` builds this file with esbuild (React in production mode) and serves it at /react.html.
import { memo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTokenKeeper } from 'tokenkeeper';
import { RequireSession, TokenKeeperProvider, useSession, useTokenKeeper } from 'tokenkeeper/react';

const auth = createTokenKeeper({
	apiUrl: location.origin,
	endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' },
	name: 'demo', // the same session as the other demo pages
});
window.auth = auth; // for the curious, in the console

/** How many times the component that calls it has rendered: the point of selectors. */
function useRenderCount() {
	const count = useRef(0);
	count.current++;
	return count.current;
}

function Status() {
	const status = useSession((s) => s.status);
	const renders = useRenderCount();
	return (
		<p>
			Status{' '}
			<span className="status" data-status={status} id="status">
				{status}
			</span>{' '}
			<small className="hint" id="status-renders">
				rendered {renders}×: it selects only <code>status</code>, so a refresh does not render it
			</small>
		</p>
	);
}

/** Memoised, so that its parent's renders (a new API answer) do not count: it renders for a new token only. */
const Token = memo(function Token() {
	const token = useSession((s) => s.accessToken);
	const expiresAt = useTokenKeeper().session.expiresAt; // read with the token it belongs to
	const renders = useRenderCount();
	return (
		<p>
			Access token <code id="token">…{token?.slice(-10)}</code>, expires at <code>{expiresAt ? new Date(expiresAt).toLocaleTimeString([], { hour12: false }) : '–'}</code>{' '}
			<small className="hint" id="token-renders">
				rendered {renders}×: once per new token
			</small>
		</p>
	);
});

function Profile() {
	const auth = useTokenKeeper();
	const sub = useSession((s) => s.claims?.sub);
	const [answer, setAnswer] = useState('Press “Call GET /me” to use the token.');
	const call = async () => {
		const response = await auth.fetch('/me');
		setAnswer(`HTTP ${response.status}\n${await response.text()}`);
	};
	return (
		<>
			<p>
				Signed in as <strong id="subject">{sub}</strong>
			</p>
			<Token />
			<div className="actions">
				<button id="call" onClick={() => void call().catch((error) => setAnswer(`${error.code ?? error.name}: ${error.message}`))}>
					Call GET /me
				</button>
				<button id="refresh" onClick={() => void auth.refresh().catch(() => undefined)}>
					Refresh now
				</button>
				<button id="logout" className="secondary" onClick={() => void auth.logout()}>
					Log out
				</button>
			</div>
			{/* this component unmounts at logout: its answer goes with it */}
			<pre id="answer" className="answer" aria-live="polite">
				{answer}
			</pre>
		</>
	);
}

function Login() {
	const auth = useTokenKeeper();
	const [error, setError] = useState('');
	const submit = async (event) => {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		setError('');
		await auth.login({ username: form.get('username'), password: form.get('password') }).catch((failure) => {
			setError(failure.code === 'LOGIN_FAILED' && failure.status === 401 ? 'Wrong username or password.' : `${failure.code}: ${failure.message}`);
		});
	};
	return (
		<form id="login" onSubmit={submit}>
			<label>
				Username <input name="username" defaultValue="alice" autoComplete="username" required />
			</label>
			<label>
				Password <input name="password" type="password" defaultValue="wonderland" autoComplete="current-password" required />
			</label>
			<button type="submit">Log in</button>
			<p className="hint">
				The user is <code>alice</code> / <code>wonderland</code>.
			</p>
			{error && (
				<p id="login-error" className="error" role="alert">
					{error}
				</p>
			)}
		</form>
	);
}

function App() {
	return (
		<main>
			<section className="card" aria-labelledby="session-title">
				<h2 id="session-title">Session</h2>
				<Status />
				<RequireSession fallback={<Login />} loading={<p id="loading">Reading the stored session…</p>}>
					<Profile />
				</RequireSession>
			</section>
		</main>
	);
}

createRoot(document.getElementById('root')).render(
	<TokenKeeperProvider keeper={auth}>
		<App />
	</TokenKeeperProvider>,
);
