import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it("an app's Jest 30 tests (jsdom, msw's set-up, the test kit, tokenkeeper/ky) pass against the built package", () => {
	// The example depends on tokenkeeper as `file:../..`, which npm installs as this link; its other
	// packages (Jest, msw, ky) are the root's devDependencies, found by Node's lookup up the folders.
	const link = `${root}examples/jest/node_modules/tokenkeeper`;
	if (!existsSync(link)) {
		mkdirSync(`${root}examples/jest/node_modules`, { recursive: true });
		symlinkSync('../../..', link, 'dir');
	}
	const jest = spawnSync(process.execPath, ['node_modules/jest/bin/jest.js', '--config', 'examples/jest/jest.config.cjs', '--ci', '--json'], { cwd: root, encoding: 'utf8' });
	const report = (() => {
		try {
			return JSON.parse(jest.stdout) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number };
		} catch {
			throw new Error(`Jest gave no report:\n${jest.stderr}`);
		}
	})();
	expect({ passed: report.numPassedTests, failed: report.numFailedTests, suites: report.numTotalTestSuites }, jest.stderr).toEqual({ passed: 3, failed: 0, suites: 1 });
	expect(jest.status).toBe(0);
}, 60_000);
