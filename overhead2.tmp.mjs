import ky from 'ky';
import { createTokenKeeper } from './dist/index.js';
const stub = (input, init) => Promise.resolve(new Response('{}'));
const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsImV4cCI6OTk5OTk5OTk5OX0.c2ln';
const auth = createTokenKeeper({ apiUrl: 'http://127.0.0.1:1', storage: 'memory', crossTab: false, fetch: stub });
await auth.setTokens({ access_token: token, expires_in: 3600 });
const headers = { authorization: `Bearer ${token}` };
const plain = ky.create({ prefixUrl: 'http://127.0.0.1:1', headers, retry: 0, timeout: false, fetch: stub });
async function run(f, n) { const t = performance.now(); for (let i = 0; i < n; i++) await f(); return (performance.now() - t) * 1000 / n; }
const base = () => plain.get('me').arrayBuffer();
const ours = () => auth.api.get('me', { retry: 0, timeout: false }).arrayBuffer();
for (let r = 0; r < 5; r++) { const b = await run(base, 10000); const o = await run(ours, 10000); console.log('base µs', b.toFixed(2), 'ours µs', o.toFixed(2), 'added', (o - b).toFixed(2)); }
auth.destroy();
