import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		passWithNoTests: true,
		restoreMocks: true,
		reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
		coverage: {
			enabled: true,
			provider: 'v8',
			include: ['src/**'],
			reporter: ['text-summary', 'json-summary'],
			thresholds: { lines: 90 },
		},
		projects: [
			{ extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/browser/**', 'test/build/**'], environment: 'node', testTimeout: 30_000 } },
			// The React bindings once more on React 18 (test/react18 holds a copy: npm cannot install two majors of a peer at the root);
			// the testing library is inlined so that its own imports of react and react-dom meet the alias too.
			{
				extends: true,
				resolve: {
					alias: [
						{ find: /^(react|react-dom)(\/.*)?$/, replacement: `${import.meta.dirname}/test/react18/node_modules/$1$2` },
						{ find: /^@testing-library\/react$/, replacement: `${import.meta.dirname}/node_modules/@testing-library/react/dist/@testing-library/react.esm.js` },
					],
				},
				test: { name: 'react18', include: ['test/bindings/react*.test.ts'], environment: 'node', env: { REACT_MAJOR: '18' }, server: { deps: { inline: [/@testing-library\/react/] } } },
			},
			{ extends: true, test: { name: 'build', include: ['test/build/**/*.test.ts'], environment: 'node' } },
			// The real-browser suite once per engine (test/browser/engines picks it from BROWSER_ENGINE). The three run side by
			// side after the other projects (group 1), three files at a time: one browser each, mostly waiting on timers.
			...(['chromium', 'firefox', 'webkit'] as const).map((engine) => ({
				extends: true as const,
				test: {
					name: `browser-${engine}`,
					include: ['test/browser/**/*.test.ts'],
					environment: 'node' as const,
					env: { BROWSER_ENGINE: engine },
					testTimeout: 90_000,
					hookTimeout: 60_000,
					// a page under a loaded machine (three engines side by side, WebKit's driver polling) can take more than
					// the default second to show a login; waits that measure something name their own timeout
					expect: { poll: { timeout: 5_000 } },
					maxWorkers: 3,
					sequence: { groupOrder: 1 },
				},
			})),
		],
	},
});
