export { createApi } from './api.js';
export { type KyHooks, kyHooks } from './hooks.js';
