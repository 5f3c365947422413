// npm run size: fails (exit 1) when an app entry grows past its budget. Bytes an app downloads: the app
// entry bundled by esbuild (as Vite builds) with every dependency inside, minified, gzip -9.
// A script of our own rather than the size-limit package: it measures with the very code the bench
// reports (bench/apps.mjs), so the budget and the README's figures cannot disagree, and adds no
// dependency tree to the install.
import { BUDGETS, DPOP_BUDGET, DPOP_TARGET, measureApps, TARGETS } from '../bench/apps.mjs';
import { measureCosts } from '../bench/costs.mjs';

const results = await measureApps({ pipelines: ['esbuild'] });
// DPoP's budget is relative: the oauth2() app as measured now, plus what DPoP may add to it.
BUDGETS['oauth2() + dpop() + auth.fetch'] = results['oauth2() redirect login + auth.fetch'].esbuild.gzip + DPOP_BUDGET;
TARGETS['oauth2() + dpop() + auth.fetch'] = results['oauth2() redirect login + auth.fetch'].esbuild.gzip + DPOP_TARGET;
let over = 0;
console.log('size budgets: gzip -9 of each app entry bundled by esbuild with all its dependencies, minified');
for (const [name, budget] of Object.entries(BUDGETS)) {
	const measured = results[name]?.esbuild;
	if (!measured) throw new Error(`size budgets: no app entry named "${name}" in bench/apps.mjs`);
	const fits = measured.gzip <= budget;
	if (!fits) over++;
	const parts = Object.entries(measured.parts)
		.map(([part, bytes]) => `${part} ${bytes.toLocaleString('en')}`)
		.join(', ');
	console.log(
		`  ${fits ? 'ok  ' : 'OVER'} ${name}: ${measured.gzip.toLocaleString('en')} B of ${budget.toLocaleString('en')} B${fits ? '' : ` (${(measured.gzip - budget).toLocaleString('en')} B over)`}${TARGETS[name] === undefined ? '' : `, target ${TARGETS[name].toLocaleString('en')} B`}; minified bytes by part: ${parts}`,
	);
}
// Where the targets are not met, where the bytes are: what each behaviour costs (bench/costs.mjs).
for (const [name, { behaviours }] of Object.entries(await measureCosts())) {
	console.log(`  what each behaviour costs ${name} (gzip B saved with its code cut out):`);
	for (const { behaviour, gzip } of behaviours.sort((a, b) => b.gzip - a.gzip)) console.log(`    ${gzip.toLocaleString('en').padStart(5)}  ${behaviour}`);
}
if (over > 0) {
	console.log(`size budgets: ${over} of ${Object.keys(BUDGETS).length} entries over budget`);
	process.exitCode = 1;
} else console.log('size budgets: every entry within budget');
