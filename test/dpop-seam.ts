import { type DPoPKey, type DPoPOptions, dpop } from '../src/dpop/index.js';
import { lostDPoPKey } from '../src/dpop/key.js';
import { type DPoPNonces, type DPoPResponse, learnNonce } from '../src/dpop/nonces.js';

/** Whether the answer of a request to `where` is a nonce challenge: learnNonce's answer, its nonce learned in a map of its own. */
export const nonceChallenge = (response: DPoPResponse, where: 'token' | 'resource') => learnNonce(new Map(), 'https://client.example/', response, where === 'resource');
import { athOf, createDPoPProof } from '../src/dpop/proof.js';
import { toTokenSet } from '../src/tokens.js';

// What the DPoP tests call of tokenkeeper/dpop beside the keeper: the module functions behind the binding that
// dpop() gives the keeper, gathered the way the binding uses them (one nonce per origin, per binding). No vitest
// here: test/dpop-browser.test.ts bundles this file into its pages.

/** A request a proof is made for. */
export interface ProofRequest {
	readonly key: DPoPKey;
	readonly method: string;
	readonly url: string | URL;
	readonly accessToken?: string | undefined;
	readonly now: number;
}

/** dpop()'s binding (over `fetch`) and the module functions of one binding's keys, proofs and nonces. */
export function dpopSeam(options: DPoPOptions = {}, fetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init)) {
	const binding = dpop(options)(fetch);
	const nonces: DPoPNonces = new Map();
	return {
		...binding,
		algorithm: options.algorithm ?? 'ES256',
		allowBearer: options.allowBearer ?? false,
		restoreKey(record: unknown): DPoPKey {
			const lost = lostDPoPKey(record as DPoPKey | undefined);
			if (lost) throw lost;
			return record as DPoPKey;
		},
		thumbprint: (key: DPoPKey) => key.thumbprint,
		proof: ({ key, method, url, accessToken, now }: ProofRequest) => createDPoPProof(key, method, url, accessToken === undefined ? undefined : athOf({ key, token: accessToken }), now, nonces),
		learnNonce: (url: string | URL, response: DPoPResponse) => void learnNonce(nonces, String(url), response, false),
		isNonceChallenge: nonceChallenge,
		/** `'DPoP'` or `'Bearer'` for a token response's `token_type`, or `INVALID_TOKEN_RESPONSE`: the keeper's reading of it, with the binding. */
		checkTokenType: (tokenType: unknown) => toTokenSet({ access_token: 'token', token_type: tokenType }, { sentAt: 0, receivedAt: 0 }, undefined, binding, {} as DPoPKey).tokenType,
	};
}

export type DPoPSeam = ReturnType<typeof dpopSeam>;
