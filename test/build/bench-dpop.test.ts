import { expect, it } from 'vitest';
// @ts-expect-error: the bench is plain JavaScript, without types
import { measureDPoP } from '../../bench/dpop.mjs';

// The bench reaches tokenkeeper/dpop as an app does, through dist: this keeps it running as the entry changes.
it("measures DPoP's cost per request through the built entry (npm run bench)", async () => {
	const { bearerUs, dpopUs, proofUs, ratio } = await measureDPoP({ n: 20, rounds: 1 });
	for (const us of [bearerUs, dpopUs, proofUs]) expect(us).toBeGreaterThan(0);
	expect(ratio).toBeCloseTo(dpopUs / bearerUs);
});
