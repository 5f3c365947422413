// A CommonJS TypeScript file, checked under module node16 by the build tests (its own tsconfig here; the
// root one checks ES modules): the package's types resolve through the `require` condition (index.d.cts,
// ky.d.cts, testing.d.cts) without TS1479.
import tokenkeeper = require('tokenkeeper');
import tokenkeeperKy = require('tokenkeeper/ky');
import testing = require('tokenkeeper/testing');

const auth: tokenkeeper.TokenKeeper = tokenkeeper.createTokenKeeper({ apiUrl: 'https://api.example.com', endpoints: { login: '/auth/login' } });
const session: Promise<tokenkeeper.Session> = auth.login({ username: 'alice', password: 'wonderland' });
const api = tokenkeeperKy.createApi(auth, { timeout: 5_000 });
const me: Promise<{ sub: string }> = api.get('me').json<{ sub: string }>();
const hooks: tokenkeeperKy.KyHooks = tokenkeeperKy.kyHooks(auth);
const server = testing.createMockAuthServer({ origin: '*' });
const failure = new tokenkeeper.TokenKeeperError('NETWORK_ERROR', 'no answer');
// @ts-expect-error the keeper has no ky inside: the ky client is createApi's, from tokenkeeper/ky
const noApi = auth.api;

export = { session, me, hooks, server, failure, noApi };
