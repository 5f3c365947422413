// The little of oidc-provider's API the redirect test uses (the package ships no types).
declare module 'oidc-provider' {
	export default class Provider {
		constructor(issuer: string, configuration: Record<string, unknown>);
		listen(port: number, host: string): unknown;
	}
}
