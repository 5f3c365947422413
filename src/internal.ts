import type { Authorizer } from './http.js';

/**
 * What a keeper lends the entries beside the core (`tokenkeeper/ky`): its request path and its `apiUrl`.
 * Not public API: the keeper carries it under {@link INTERNALS}, non-enumerable and absent from its type.
 */
export interface KeeperInternals {
	readonly authorizer: Authorizer;
	readonly apiUrl: string | undefined;
}

/** A registered symbol, so that a CommonJS and an ESM copy of the package (one app can load both) agree on it. */
export const INTERNALS: unique symbol = Symbol.for('tokenkeeper.internals');

/** The internals of a keeper made by `createTokenKeeper`; a clear `TypeError` for anything else. */
export function internalsOf(keeper: object, caller: string): KeeperInternals {
	const internals = (keeper as { [INTERNALS]?: KeeperInternals })[INTERNALS];
	if (!internals) throw new TypeError(`tokenkeeper: ${caller} takes the object createTokenKeeper returns`);
	return internals;
}
