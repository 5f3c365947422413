import { createTokenKeeper } from './dist/index.js';
const res = new Response('{}');
const stub = (input, init) => Promise.resolve(res);
const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsImV4cCI6OTk5OTk5OTk5OX0.c2ln';
const auth = createTokenKeeper({ apiUrl: 'http://127.0.0.1:1', storage: 'memory', crossTab: false, fetch: stub });
await auth.setTokens({ access_token: token, expires_in: 3600 });
const headers = { authorization: `Bearer ${token}` };
const url = 'http://127.0.0.1:1/me';
async function run(f, n) { const t = performance.now(); for (let i = 0; i < n; i++) await f(); return (performance.now() - t) * 1000 / n; }
const base = () => stub(url, { headers });
const ours = () => auth.fetch(url);
for (let r = 0; r < 5; r++) { const b = await run(base, 50000); const o = await run(ours, 50000); console.log('base µs', b.toFixed(2), 'ours µs', o.toFixed(2), 'added', (o - b).toFixed(2)); }
auth.destroy();
