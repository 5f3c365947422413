// Two gaps between jsdom and what runs in browsers, filled before each test file.
const { webcrypto } = require('node:crypto');

// jsdom's `crypto` has getRandomValues and randomUUID but no `subtle`: the test kit signs its tokens with
// Web Crypto, and the redirect login hashes its PKCE verifier with it. Node's Web Crypto stands in.
Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true });

// jest-fixed-jsdom gives the page Node's AbortController (Node's fetch accepts no other signal), while
// jsdom's addEventListener accepts only jsdom's AbortSignal in its `signal` option and throws for Node's.
// The keeper removes its page listeners with that option: here a foreign signal removes them by hand.
function removeWithForeignSignals(target) {
	const addEventListener = target.addEventListener;
	target.addEventListener = function (type, listener, options) {
		const signal = typeof options === 'object' && options !== null ? options.signal : undefined;
		if (signal === undefined) return addEventListener.call(this, type, listener, options);
		if (signal.aborted) return;
		const { signal: _signal, ...rest } = options;
		addEventListener.call(this, type, listener, rest);
		signal.addEventListener('abort', () => this.removeEventListener(type, listener, rest), { once: true });
	};
}
removeWithForeignSignals(EventTarget.prototype);
if (Object.hasOwn(window, 'addEventListener')) removeWithForeignSignals(window); // jsdom's window has its own
