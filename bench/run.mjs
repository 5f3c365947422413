// npm run bench: one table of figures, each speed a ratio against a baseline measured in the same run,
// written to bench/RESULTS.md with the date and the versions. Nothing here fails a build on a time.
import { writeFileSync } from 'node:fs';
import { measureCosts } from './costs.mjs';
import { BUDGETS, DPOP_BUDGET, DPOP_TARGET, esbuildBundle, measureApps, TARGETS } from './apps.mjs';
import { measureDPoP } from './dpop.mjs';
import { measureHistory } from './history.mjs';
import { measurePeers } from './peers.mjs';
import { measureAddedCost, measureMemory, measureRequests, measureStorm } from './requests.mjs';
import { measureSizes } from './sizes.mjs';
import { measureEngineTraits, measureLogoutReach, measureTabEconomy } from './tabs.mjs';

const quick = process.argv.includes('--quick'); // shorter runs, for a look while developing
const kb = (bytes) => `${bytes.toLocaleString('en')} B`;
const ratio = (value) => value.toFixed(2);
const rows = [];
const row = (figure, value, goal, met) => {
	rows.push({ figure, value, goal, met: met === undefined ? '' : met ? 'yes' : 'no' });
	console.log(`${figure}: ${value}`);
};

const sizes = await measureSizes();
row('core size (ESM, deps external, minified)', `${kb(sizes.core.bytes)}, ${kb(sizes.core.gzip)} gzip, ${kb(sizes.core.brotli)} brotli`, '<= 2,500 B gzip', sizes.core.gzip <= 2500);
row(
	'core size, createTokenKeeper only (no oauth2)',
	`${kb(sizes.coreWithoutOAuth.gzip)} gzip; oauth2() with the redirect flow adds ${kb(sizes.core.gzip - sizes.coreWithoutOAuth.gzip)} gzip`,
	'',
	undefined,
);
// What each behaviour costs the app entries: the gzip bytes saved with its code cut out (bench/costs.mjs).
for (const [name, { gzip, behaviours }] of Object.entries(await measureCosts()))
	row(
		`what each behaviour costs: ${name} (${kb(gzip)} gzip)`,
		behaviours
			.sort((a, b) => b.gzip - a.gzip)
			.map((b) => `${b.behaviour} ${kb(b.gzip)}`)
			.join('; '),
		'',
		undefined,
	);
row(
	'script-tag size (IIFE, deps inside)',
	`${kb(sizes.script.bytes)}, ${kb(sizes.script.gzip)} gzip, ${kb(sizes.script.brotli)} brotli (the parts of ky, jwt-decode and idb-keyval it bundles, alone: ${kb(sizes.dependencies.gzip)} gzip)`,
	'<= 9,000 B gzip',
	sizes.script.gzip <= 9000,
);

// What apps download: each app entry bundled with every dependency inside, through both pipelines; the budget is on esbuild's.
const apps = await measureApps();
const oauthApp = apps['oauth2() redirect login + auth.fetch'].esbuild.gzip;
BUDGETS['oauth2() + dpop() + auth.fetch'] = oauthApp + DPOP_BUDGET;
TARGETS['oauth2() + dpop() + auth.fetch'] = oauthApp + DPOP_TARGET;
for (const [name, result] of Object.entries(apps)) {
	const parts = result.esbuild.parts;
	row(
		`app download: ${name}`,
		`${kb(result.esbuild.gzip)} gzip with esbuild, ${kb(result.rollup.gzip)} with rollup + terser${name.startsWith('script') ? ' (as shipped)' : ''}; parts bundled (minified, esbuild): ${Object.entries(
			parts,
		)
			.map(([part, bytes]) => `${part} ${kb(bytes)}`)
			.join(', ')}`,
		`<= ${kb(BUDGETS[name])} gzip (esbuild)${TARGETS[name] ? `; target ${kb(TARGETS[name])}` : ''}`,
		result.esbuild.gzip <= BUDGETS[name],
	);
}

// The password app at each step of the history, built from that step's sources: what it downloads and tokenkeeper's own part.
for (const step of await measureHistory())
	row(
		`password app over the history: ${step.label}${step.commit ? ` (${step.commit})` : ''}`,
		'skipped' in step ? `skipped: ${step.skipped}` : `${kb(step.download.gzip)} gzip downloaded; tokenkeeper's own code ${kb(step.own.bytes)} minified, ${kb(step.own.gzip)} gzip (esbuild)`,
		'',
		undefined,
	);

// The framework bindings: what each adds to an app that has the core and its framework already.
for (const [entry, framework] of [
	['react', ['react', 'react/jsx-runtime']],
	['vue', ['vue']],
]) {
	const external = ['tokenkeeper', ...framework];
	const { gzip } = await esbuildBundle(`export * from ${JSON.stringify(new URL(`../dist/${entry}.js`, import.meta.url).pathname)};`, { external });
	row(`entry size: tokenkeeper/${entry} (core and ${entry} outside)`, `${kb(gzip)} gzip, esbuild`, '<= 600 B', gzip <= 600);
}

const requests = await measureRequests({ n: quick ? 1000 : 5000 });
for (const [name, result] of Object.entries(requests)) {
	const baseline = name.startsWith('fetch') ? 'plain fetch with a hand-set header' : 'plain ky';
	row(
		`request overhead, ${name} (${quick ? 1000 : 5000} GETs)`,
		`${ratio(result.ratio)} x ${baseline} (${result.keeperMs.toFixed(0)} vs ${result.baselineMs.toFixed(0)} ms)`,
		'ratio <= 1.05',
		result.ratio <= 1.05,
	);
}

// The same, with the network taken out: microseconds the SDK adds, and what they weigh against a real round trip.
const added = await measureAddedCost(quick ? { n: 5000, rounds: 5 } : {});
for (const [name, result] of Object.entries(added)) {
	const roundTripUs = (requests[`${name} sequential`].baselineMs * 1000) / (quick ? 1000 : 5000);
	const weight = (roundTripUs + result.addedUs) / roundTripUs;
	const baseline = name === 'fetch' ? 'a fetch that answers at once' : 'plain ky over it';
	row(
		`request overhead, ${name}, network taken out`,
		`${result.addedUs.toFixed(1)} µs added per request (${result.keeperUs.toFixed(1)} vs ${result.baselineUs.toFixed(1)} µs, ${baseline}) = ${ratio(weight)} x a ${roundTripUs.toFixed(0)} µs round trip on 127.0.0.1`,
		'ratio <= 1.05',
		weight <= 1.05,
	);
}

// DPoP: the same request with a bound token (a fresh proof each) and with a Bearer one, network taken out.
const dpopCost = await measureDPoP(quick ? { n: 1000, rounds: 3 } : {});
row(
	'request overhead, DPoP vs Bearer, network taken out',
	`${ratio(dpopCost.ratio)} x (${dpopCost.dpopUs.toFixed(1)} vs ${dpopCost.bearerUs.toFixed(1)} µs per request; one ES256 proof alone ${dpopCost.proofUs.toFixed(1)} µs)`,
	'',
	undefined,
);

const storm = await measureStorm();
row(
	'refresh storm (1,000 concurrent requests, expired token)',
	`${storm.refreshes} refresh, ${storm.reuses} reuses; ${storm.stormMs.toFixed(0)} ms = ${ratio(storm.ratioToBurstPlusRefresh)} x (the same burst with a valid token + one refresh and request: ${(storm.burstMs + storm.singleMs).toFixed(0)} ms); one refresh + one request alone: ${storm.singleMs.toFixed(1)} ms`,
	'1 refresh; wall time <= 1.2 x',
	storm.refreshes === 1 && storm.ratioToBurstPlusRefresh <= 1.2,
);

// The tab figures in Chromium, Firefox ESR and WebKitGTK side by side, through the real-browser suite's driver layer.
const economy = await measureTabEconomy(quick ? { tabs: [1, 4], seconds: 20 } : {});
for (const [engine, results] of Object.entries(economy)) {
	if ('skipped' in results) row(`tabs economy, ${engine}`, `skipped: ${results.skipped}`, 'refreshes per expiry = 1.00', undefined);
	else
		for (const [tabs, result] of Object.entries(results))
			row(
				`tabs economy, ${engine}, ${tabs} (${quick ? 20 : 60} s of 5 s tokens)`,
				`${result.refreshes} refreshes for ~${result.expiries} expiries = ${ratio(result.perExpiry)} per expiry; ${result.reuses} reuses, ${result.failedRequests} failed requests`,
				'refreshes per expiry = 1.00',
				result.perExpiry <= 1.1 && result.reuses === 0,
			);
}

const reaches = await measureLogoutReach(quick ? { rounds: 10 } : {});
for (const [engine, reach] of Object.entries(reaches)) {
	if ('skipped' in reach) row(`logout reach, ${engine}`, `skipped: ${reach.skipped}`, 'p99 <= 10 ms', undefined);
	else
		row(
			`logout reach, ${engine} (${reach.tabs} tabs, ${reach.rounds} logouts)`,
			`p50 ${reach.p50Ms.toFixed(1)} ms, p99 ${reach.p99Ms.toFixed(1)} ms (a bare BroadcastChannel message to the same tabs, same rounds: p50 ${reach.channel.p50Ms.toFixed(1)} ms, p99 ${reach.channel.p99Ms.toFixed(1)} ms)`,
			'p99 <= 10 ms',
			reach.p99Ms <= 10,
		);
}

// What differs between engines and matters to users (the README's browser-support section)
const traits = await measureEngineTraits();
const versions = [];
for (const [engine, trait] of Object.entries(traits)) {
	if ('skipped' in trait) {
		row(`engine traits, ${engine}`, `skipped: ${trait.skipped}`, '', undefined);
		continue;
	}
	versions.push(trait.version);
	const storage = (s) =>
		`IndexedDB ${s.indexedDB}, quota ${s.quotaMB === null ? 'not reported' : `${s.quotaMB.toLocaleString('en')} MB`}, the keeper ${s.keeper}, a new profile starts ${s.nextProfile}`;
	row(
		`engine traits, ${engine}`,
		[
			`background tab ${trait.visibility.background} (front ${trait.visibility.front})`,
			`a 50 ms interval fires ${trait.timers.frontPerSecond}/s in front, ${trait.timers.backgroundPerSecond}/s in a background tab`,
			`back/forward cache: ${Object.entries(trait.bfcache)
				.map(([kind, outcome]) => `${kind}: ${outcome}`)
				.join('; ')}`,
			`storage in a fresh profile: ${storage(trait.storage)}`,
			...(trait.privateBrowsing ? [`in private browsing: ${storage(trait.privateBrowsing)}`] : []),
		].join('; '),
		'',
		undefined,
	);
}

const memory = await measureMemory();
if ('skipped' in memory) row('memory', `skipped: ${memory.skipped}`, 'no growth beyond noise', undefined);
else
	row(
		'memory (heap after 10,000 requests and 1,000 refreshes vs after the first 100)',
		`${(memory.lateBytes / 1e6).toFixed(1)} MB vs ${(memory.earlyBytes / 1e6).toFixed(1)} MB (${ratio(memory.ratio)} x)`,
		'no growth beyond noise',
		memory.ratio <= 1.1,
	);

const peers = await measurePeers();
if ('skipped' in peers) row('peers', `skipped: ${peers.skipped}`, '', undefined);
else {
	const ours = sizes.script.gzip;
	for (const [name, result] of Object.entries(peers)) {
		if ('skipped' in result) row(`peer: ${name}`, `skipped: ${result.skipped}`, '', undefined);
		else
			row(
				`peer: ${name} (everything it exports, bundled with its dependencies, minified)`,
				`${kb(result.esbuild.gzip)} gzip with esbuild, ${kb(result.rollup.gzip)} with rollup + terser (tokenkeeper's script bundle: ${ratio(ours / result.rollup.gzip)} x that)`,
				'',
				undefined,
			);
	}
}

const table = ['| figure | measured | goal | met |', '|---|---|---|---|', ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.goal} | ${r.met} |`)].join('\n');
const markdown = `# Benchmark results\n\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${versions.join(', ') || 'no browser installed'}, ${quick ? 'quick run' : 'full run'}. Produced by \`npm run bench\`; speeds are ratios against baselines measured in the same run, on a shared 2-core machine.\n\n${table}\n`;
writeFileSync(new URL('RESULTS.md', import.meta.url), markdown);
console.log(`\n${table}\n\nwritten to bench/RESULTS.md`);
