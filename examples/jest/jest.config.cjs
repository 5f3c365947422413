// An app's Jest 30 set-up for tokenkeeper, as msw 2 documents it for jsdom: jest-fixed-jsdom is jsdom
// that keeps Node's fetch, Request, Response, streams, TextEncoder and BroadcastChannel, and resolves
// packages with Node's export conditions (jsdom's `browser` condition would load msw's browser build).

// Before Node 24.9, Jest's CommonJS loader cannot require a package that ships ES modules only: ky (for
// tokenkeeper/ky), and three that msw 2.15 requires itself. Jest leaves node_modules untransformed; these
// it compiles to CommonJS. (An app that does not use tokenkeeper/ky can leave ky out.)
const esmOnly = ['ky', 'rettime', 'until-async', '@open-draft/deferred-promise'].join('|');

/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'jest-fixed-jsdom',
	testMatch: ['<rootDir>/*.test.js'],
	setupFiles: ['<rootDir>/jest.setup.cjs'],
	transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
	transform: {
		[`/node_modules/(${esmOnly})/.+\\.m?js$`]: ['babel-jest', { plugins: ['@babel/plugin-transform-modules-commonjs'] }],
	},
};
