export { createMockAuthServer } from './server.js';
export type { CallCounts, IssuedTokens, MockAuthServer, MockAuthServerOptions, MockKeeperOptions, Verified } from './types.js';
export type { Fault, FaultRule, FaultTarget } from './faults.js';
export { startMockHttpServer, type ListenOptions, type RunningServer } from './http-server.js';
export { nextEvent, settle, type NextEventOptions, type EventMatch } from './settle.js';
export {
	createDPoPNonces,
	createMockDPoPCheck,
	dpopErrorResponse,
	verifyDPoPProof,
	type DPoPClaims,
	type DPoPFailure,
	type DPoPFailureCode,
	type DPoPNonces,
	type DPoPVerified,
	type MockDPoPCheck,
	type MockDPoPOptions,
	type VerifyDPoPOptions,
} from './dpop.js';
