// A CommonJS app: creates a keeper, signs in against the test kit over HTTP, calls its API with
// auth.fetch and with a ky client from tokenkeeper/ky, and prints what it saw as JSON.
const { createTokenKeeper, TokenKeeperError } = require('tokenkeeper');
const { createApi } = require('tokenkeeper/ky');
const { createMockAuthServer, startMockHttpServer } = require('tokenkeeper/testing');

async function main() {
	const server = createMockAuthServer({ origin: '*' });
	const running = await startMockHttpServer(server);
	try {
		const auth = createTokenKeeper({ apiUrl: running.url, endpoints: { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' } });
		const api = createApi(auth);
		const session = await auth.login({ username: 'alice', password: 'wonderland' });
		const viaFetch = await (await auth.fetch(`${running.url}/me`)).json();
		const viaKy = await api.get('me').json();
		await auth.refresh();
		const afterRefresh = await api.get('me').json();
		await auth.logout();
		const signedOut = (await auth.fetch(`${running.url}/me`)).status;
		auth.destroy();
		console.log(JSON.stringify({ status: session.status, viaFetch, viaKy, afterRefresh, signedOut, calls: server.calls, errorClass: new TokenKeeperError('NETWORK_ERROR', 'x') instanceof Error }));
	} finally {
		await running.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
