export { createTokenKeeper } from './keeper.js';
export { oauth2, type OAuth2Options } from './oauth2.js';
export { TokenKeeperError, type ErrorCode, type ErrorDetails } from './errors.js';
export type {
	AuthEvent,
	Claims,
	Credentials,
	EndpointContext,
	EndpointFunctions,
	KyHooks,
	Endpoints,
	Listener,
	LogoutReason,
	RefreshTrigger,
	Session,
	StorageAdapter,
	TokenKeeper,
	TokenKeeperOptions,
	TokenResponse,
	TokenResult,
	WakeEvent,
} from './types.js';
