export { createMockAuthServer, type CallCounts, type IssuedTokens, type MockAuthServer, type MockAuthServerOptions, type MockKeeperOptions, type Verified } from './server.js';
export type { Fault, FaultRule, FaultTarget } from './faults.js';
export { startMockHttpServer, type ListenOptions, type RunningServer } from './http-server.js';
export { nextEvent, settle, type NextEventOptions, type EventMatch } from './settle.js';
