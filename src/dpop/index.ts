export { dpop, type DPoPOptions } from './dpop.js';
export type { DPoP, DPoPProofRequest } from './seam.js';
export type { DPoPAlgorithm, DPoPKey, DPoPPublicJwk } from './key.js';
export type { DPoPResponse } from './nonces.js';
export type { DPoPBinding } from './binding.js';
