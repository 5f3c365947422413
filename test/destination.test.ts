import { afterEach, describe, expect, it, vi } from 'vitest';
import { baseUrl, destinationOf, isRequest } from '../src/destination.js';

afterEach(() => vi.unstubAllGlobals());

describe('destinationOf, where there is no document', () => {
	it('in a worker, relative URLs resolve against location.href', () => {
		vi.stubGlobal('location', new URL('https://app.example.com/worker/sw.js'));
		expect(baseUrl()).toBe('https://app.example.com/worker/sw.js');
		expect(destinationOf('me')?.href).toBe('https://app.example.com/worker/me');
	});

	it('on a server, a relative URL has no destination (and so no token)', () => {
		expect(destinationOf('/me')).toBeNull();
		expect(destinationOf('https://api.example.com/me')?.href).toBe('https://api.example.com/me');
	});

	it('a Request and a URL are read through their own getters; anything else is not guessed at', () => {
		expect(destinationOf(new Request('https://api.example.com/r'))?.href).toBe('https://api.example.com/r');
		expect(destinationOf(new URL('https://api.example.com/u'))?.href).toBe('https://api.example.com/u');
		expect(destinationOf({ toString: () => 'https://api.example.com/s' })).toBeNull();
		expect(destinationOf({ url: 'https://api.example.com/fake', href: 'https://api.example.com/fake' })).toBeNull();
		expect(destinationOf(42)).toBeNull();
		expect(isRequest({ url: 'https://api.example.com/fake' })).toBe(false);
	});

	it('without a Request class at all, nothing is taken for a Request', () => {
		vi.stubGlobal('Request', undefined);
		expect(isRequest({ url: 'https://api.example.com/fake' })).toBe(false);
	});
});
