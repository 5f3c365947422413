export { dpop, type DPoPOptions } from './dpop.js';
export type { DPoP, DPoPBinding, DPoPGrant } from './seam.js';
export type { DPoPAlgorithm, DPoPKey, DPoPPublicJwk } from './key.js';
export type { DPoPResponse } from './nonces.js';
