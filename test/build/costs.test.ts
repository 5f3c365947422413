import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the bench is plain JavaScript, without types
import { bundleOf, measureCosts } from '../../bench/costs.mjs';

type Cost = { behaviour: string; minified: number; gzip: number };
const results: Record<string, { gzip: number; code: string; behaviours: Cost[] }> = await measureCosts();

describe('what each behaviour costs (npm run bench)', () => {
	it.each(Object.keys(results))('measures %s as the app downloads it: the markers change no byte of the code', async (name) => {
		const result = results[name];
		const plain: string = await bundleOf(name);
		// a package's licence comment (ky's) moves to the end of the plain bundle; it stays where it is in the measured one
		const code = (text = '') => text.replaceAll(/\/\*![\s\S]*?\*\/\n?/g, '');
		expect(code(result?.code)).toBe(code(plain));
		const gzip = gzipSync(plain, { level: 9 }).length;
		expect(Math.abs((result?.gzip ?? 0) - gzip)).toBeLessThan(gzip / 200); // within 0.5 %: where that comment sits
	});

	it.each(Object.keys(results))('puts every source file of %s in a named behaviour, and every behaviour costs bytes', (name) => {
		const behaviours = results[name]?.behaviours ?? [];
		expect(behaviours.map((b) => b.behaviour)).not.toContain('other (not listed above)'); // a new file needs its behaviour
		for (const { minified, gzip } of behaviours) {
			expect(gzip).toBeGreaterThan(0);
			expect(gzip).toBeLessThan(minified);
		}
		const minified = behaviours.reduce((sum, b) => sum + b.minified, 0);
		expect(minified).toBeGreaterThan(0.95 * (results[name]?.code.length ?? 0)); // the rest is the app's own entry
	});

	it('finds what each entry adds where it is: oauth2() only in its apps, dpop() only in its own, ky only in the script bundle', () => {
		const names = (app: string) => (results[app]?.behaviours ?? []).map((b) => b.behaviour);
		expect(names('password login + auth.fetch').filter((b) => b.startsWith('oauth2()') || b.startsWith('dpop()') || b.includes('ky'))).toEqual([]);
		expect(names('script-tag bundle, everything')).toContain('ky');
		expect(names('oauth2() redirect login + auth.fetch').filter((b) => b.startsWith('oauth2()'))).toHaveLength(4);
		expect(names('oauth2() + dpop() + auth.fetch').filter((b) => b.startsWith('dpop()'))).toHaveLength(3);
	});
});
