export { createMockAuthServer, type CallCounts, type IssuedTokens, type MockAuthServer, type MockAuthServerOptions } from './server.js';
export type { Fault, FaultRule, FaultTarget } from './faults.js';
export { startMockHttpServer, type RunningServer } from './http-server.js';
