// @vitest-environment happy-dom
import ky from 'ky';
import { expect, it } from 'vitest';
import { kySuite } from './suite.js';

it('this file runs on ky 1', async () => {
	expect('NetworkError' in (await import('ky'))).toBe(false);
});

kySuite(ky, 1);
