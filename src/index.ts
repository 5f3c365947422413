export { createTokenKeeper } from './keeper.js';
export { oauth2, type OAuth2Options, type OAuth2Preset } from './oauth2/preset.js';
export { TokenKeeperError, type ErrorCode, type ErrorDetails } from './errors.js';
export type {
	AuthenticatedSession,
	AuthEvent,
	Claims,
	Credentials,
	EndpointContext,
	EndpointFunctions,
	Endpoints,
	Listener,
	LoginWithRedirectOptions,
	LogoutOptions,
	LogoutReason,
	RedirectContext,
	RedirectLogin,
	RefreshTrigger,
	Session,
	SignedOutSession,
	StorageAdapter,
	TokenKeeper,
	TokenKeeperOptions,
	TokenResponse,
	TokenResult,
	WakeEvent,
} from './types.js';
