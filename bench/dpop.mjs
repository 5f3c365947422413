// DPoP's cost per request in Node: the same keeper path with a DPoP-bound token (a fresh ES256 proof each time)
// and with a Bearer token, against an in-process fetch that answers at once, alternating rounds of the same run.
import { dpop } from '../dist/dpop.js';
import { createTokenKeeper } from '../dist/index.js';

const now = () => performance.now();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsImV4cCI6OTk5OTk5OTk5OX0.c2ln';

/** A keeper signed in through a login endpoint that answers with `tokenType`; its fetch answers every request at once. */
async function signedIn(tokenType, options = {}) {
	const answer = (input) =>
		Promise.resolve(
			String(input instanceof Request ? input.url : input).endsWith('/login')
				? Response.json({ access_token: token, token_type: tokenType, expires_in: 3600 })
				: new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }),
		);
	const auth = createTokenKeeper({ apiUrl: 'http://127.0.0.1:1', endpoints: { login: '/login' }, storage: 'memory', crossTab: false, fetch: answer, ...options });
	await auth.login({ username: 'bench', password: 'bench' });
	return auth;
}

/**
 * Microseconds per request with DPoP and with Bearer, their ratio, and what one proof alone costs (its ES256
 * signature dominates), all from the same run.
 *
 * @example
 * const { ratio } = await measureDPoP({ n: 2000 });
 */
export async function measureDPoP({ n = 5000, rounds = 5 } = {}) {
	const bearer = await signedIn('Bearer');
	const bound = await signedIn('DPoP', { dpop: dpop() });
	const binding = dpop()((input, init) => globalThis.fetch(input, init));
	const grant = { token, key: await binding.newKey() };
	const url = 'http://127.0.0.1:1/me';
	const answered = Promise.resolve(new Response(null, { status: 204 }));
	const cases = {
		bearer: () => bearer.fetch(url).then((response) => response.arrayBuffer()),
		dpop: () => bound.fetch(url).then((response) => response.arrayBuffer()),
		// a proof with its ath, through the binding, handed to a send that answers at once
		proof: () => binding.send(grant, 'GET', url, () => answered),
	};
	const times = { bearer: [], dpop: [], proof: [] };
	for (const once of Object.values(cases)) for (let index = 0; index < 200; index++) await once(); // warm up
	for (let round = 0; round < rounds; round++)
		for (const [name, once] of Object.entries(cases)) {
			const started = now();
			for (let index = 0; index < n; index++) await once();
			times[name].push(((now() - started) * 1000) / n);
		}
	bearer.destroy();
	bound.destroy();
	const [bearerUs, dpopUs, proofUs] = [median(times.bearer), median(times.dpop), median(times.proof)];
	return { bearerUs, dpopUs, proofUs, ratio: dpopUs / bearerUs };
}
