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
			{ extends: true, test: { name: 'build', include: ['test/build/**/*.test.ts'], environment: 'node' } },
			{ extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], environment: 'node', testTimeout: 90_000, hookTimeout: 60_000, fileParallelism: false } },
		],
	},
});
