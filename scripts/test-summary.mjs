// Prints `N passed, N failed` from vitest's JSON report: the closing line CI reads.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
if (!existsSync(file)) {
	console.log('0 passed, 1 failed');
	process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
// A file that failed to load has no tests to count: count it as a failure of its own.
const brokenFiles = (report.testResults ?? []).filter((result) => result.status === 'failed' && (result.assertionResults ?? []).length === 0).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles + (report.success === false && report.numFailedTests === 0 && brokenFiles === 0 ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
