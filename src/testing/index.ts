export { createMockAuthServer, type CallCounts, type IssuedTokens, type MockAuthServer, type MockAuthServerOptions } from './server.js';
export type { Fault, FaultRule, FaultTarget } from './faults.js';
export { startMockHttpServer, type RunningServer } from './http-server.js';
export { createDPoPNonces, dpopErrorResponse, verifyDPoPProof, type DPoPClaims, type DPoPFailure, type DPoPFailureCode, type DPoPNonces, type DPoPVerified, type VerifyDPoPOptions } from './dpop.js';
