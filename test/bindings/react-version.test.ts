import { version } from 'react';
import { version as domVersion } from 'react-dom';
import { expect, it } from 'vitest';

// The bindings' tests run on React 19 (the unit project) and on React 18 (the react18 project): each on the major it says.
it('runs on the React major its project names', () => {
	const major = process.env.REACT_MAJOR ?? '19';
	expect(version.split('.')[0]).toBe(major);
	expect(domVersion.split('.')[0]).toBe(major);
});
