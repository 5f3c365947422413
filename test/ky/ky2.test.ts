// @vitest-environment happy-dom
// ky 2 in place of ky 1 for everything this file loads, src/ky included: as in an app whose ky is ky 2.
import type { KyInstance } from 'ky';
import ky2 from 'ky2';
import { expect, it, vi } from 'vitest';
import { kySuite } from './suite.js';

vi.mock('ky', () => import('ky2'));

it('this file runs on ky 2', async () => {
	expect('NetworkError' in (await import('ky'))).toBe(true);
});

kySuite(ky2 as unknown as KyInstance, 2);
