import { TokenKeeperError } from '../errors.js';

/** The one error of the DPoP part: no key can be made, or a session's key is gone (api.md behaviour 15). */
export const keyUnavailable = (message: string, cause?: unknown): TokenKeeperError => new TokenKeeperError('DPOP_KEY_UNAVAILABLE', message, { cause });
