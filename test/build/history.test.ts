import { describe, expect, it } from 'vitest';
// @ts-expect-error: the bench is plain JavaScript, without types
import { measureHistory } from '../../bench/history.mjs';

type Size = { bytes: number; gzip: number };
type Step = { label: string; commit: string | null; download?: Size; own?: Size; skipped?: string };

describe('the password app over the history (npm run bench)', () => {
	it("builds a commit's sources from git and the working tree's, each with its dependencies inside and outside", async () => {
		const [head, now, missing]: Step[] = await measureHistory([
			['HEAD', 'HEAD'],
			['now', null],
			['a commit this clone lacks', 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'],
		]);
		for (const step of [head, now]) {
			expect(step?.skipped).toBeUndefined();
			// jwt-decode and idb-keyval are inside the download, outside the own code; ky is in neither (not in the core)
			expect(step?.download?.gzip ?? 0).toBeGreaterThan((step?.own?.gzip ?? 0) + 300);
			expect(step?.download?.gzip ?? 0).toBeLessThan((step?.own?.gzip ?? 0) + 2000);
			expect(step?.own?.gzip ?? 0).toBeLessThan(step?.own?.bytes ?? 0);
		}
		expect(missing?.skipped).toMatch(/not measurable here/);
		expect(missing?.download).toBeUndefined();
	});
});
