import { sha256, utf8 } from '../dpop/encoding.js';
import { jwkThumbprint } from '../dpop/thumbprint.js';

/**
 * Why a proof was refused. All are `invalid_dpop_proof` but the two nonce codes, which are
 * `use_dpop_nonce` (RFC 9449 sections 8 and 9): the client should retry with the nonce it is sent.
 */
export type DPoPFailureCode =
	| 'missing'
	| 'malformed'
	| 'claims'
	| 'typ'
	| 'alg'
	| 'private_key'
	| 'signature'
	| 'htm'
	| 'htu'
	| 'nonce_missing'
	| 'nonce_invalid'
	| 'iat'
	| 'ath'
	| 'key_mismatch'
	| 'jti_replay';

/** A refused proof. */
export interface DPoPFailure {
	readonly ok: false;
	readonly code: DPoPFailureCode;
	/** The OAuth error to answer with. */
	readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce';
	readonly message: string;
}

/** The claims of a proof that passed. */
export interface DPoPClaims {
	readonly jti: string;
	readonly htm: string;
	readonly htu: string;
	readonly iat: number;
	readonly ath?: string;
	readonly nonce?: string;
}

/** A proof that passed: the key's thumbprint, to bind tokens to (`cnf.jkt`) or to compare with theirs. */
export interface DPoPVerified {
	readonly ok: true;
	readonly thumbprint: string;
	readonly jwk: Readonly<Record<string, unknown>>;
	readonly claims: DPoPClaims;
}

/** What {@link verifyDPoPProof} checks the proof against. */
export interface VerifyDPoPOptions {
	/** The access token of the request (`Authorization: DPoP <token>`): the proof's `ath` must be its hash. */
	readonly accessToken?: string | undefined;
	/** The nonce the server requires now; a proof without it, or with another, is `use_dpop_nonce`. */
	readonly nonce?: string | undefined;
	/** The thumbprint the token is bound to (`cnf.jkt`); another key is `key_mismatch`. */
	readonly jkt?: string | undefined;
	/** The server's time, milliseconds since the epoch. */
	readonly now: number;
	/** How far `iat` may be from `now`, either way, in seconds. */
	readonly maxAgeSeconds: number;
	/** The `jti`s already accepted (RFC 9449 section 11.1); an accepted proof's `jti` is added. */
	readonly seenJti: Pick<Set<string>, 'has' | 'add'>;
}

const ALGORITHMS: Record<string, { kty: string; crv: string; params: EcKeyImportParams | Algorithm; sign: EcdsaParams | Algorithm }> = {
	ES256: { kty: 'EC', crv: 'P-256', params: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
	EdDSA: { kty: 'OKP', crv: 'Ed25519', params: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
	// RFC 9864's fully specified name for the same.
	Ed25519: { kty: 'OKP', crv: 'Ed25519', params: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const fail = (code: DPoPFailureCode, message: string): DPoPFailure => ({ ok: false, code, error: code.startsWith('nonce') ? 'use_dpop_nonce' : 'invalid_dpop_proof', message });

const fromBase64url = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));
const decodeJson = (part: string): unknown => JSON.parse(new TextDecoder().decode(fromBase64url(part)));
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** The URL without query and fragment, normalised as the URL parser does (RFC 9449 section 4.3, step 9). */
const withoutQuery = (url: string): string => {
	const parsed = new URL(url);
	parsed.search = parsed.hash = '';
	return parsed.href;
};

/**
 * Checks the `DPoP` proof of a request as RFC 9449 section 4.3 asks, strictly: one well-formed JWT,
 * `typ: dpop+jwt`, an asymmetric `alg` (ES256, EdDSA), a public `jwk` with no private member, a valid
 * signature by it, `htm` equal to the method, `htu` equal to the URL and itself free of query and
 * fragment (section 4.2), the required nonce, `iat` within `maxAgeSeconds` of `now`, `ath` for the
 * access token, the bound key, and a `jti` not seen before. WebCrypto only: it runs in Node, browsers
 * and workers.
 *
 * @example
 * const seen = new Set<string>();
 * const result = await verifyDPoPProof(request, { accessToken, now: Date.now(), maxAgeSeconds: 60, seenJti: seen });
 * if (!result.ok) return dpopErrorResponse(result, 'resource');
 */
export async function verifyDPoPProof(request: Pick<Request, 'method' | 'url' | 'headers'>, options: VerifyDPoPOptions): Promise<DPoPVerified | DPoPFailure> {
	const proof = request.headers.get('DPoP');
	if (!proof) return fail('missing', 'no DPoP proof');
	// Headers joins repeated fields with ", "; a JWT has no comma.
	if (proof.includes(',')) return fail('malformed', 'more than one DPoP header');
	const parts = proof.split('.');
	let header: unknown;
	let claims: unknown;
	try {
		if (parts.length !== 3) throw new Error('not three parts');
		header = decodeJson(parts[0] ?? '');
		claims = decodeJson(parts[1] ?? '');
	} catch {
		return fail('malformed', 'the DPoP proof is not a JWT');
	}
	if (!isObject(header) || !isObject(claims)) return fail('malformed', 'the DPoP proof is not a JWT');
	const { jti, htm, htu, iat, ath, nonce } = claims;
	if (typeof jti !== 'string' || !jti || typeof htm !== 'string' || typeof htu !== 'string' || typeof iat !== 'number') return fail('claims', 'the proof needs jti, htm, htu and iat');
	if (header.typ !== 'dpop+jwt') return fail('typ', `typ is ${String(header.typ)}, not dpop+jwt`);
	const algorithm = ALGORITHMS[String(header.alg)];
	const jwk = header.jwk;
	if (!algorithm) return fail('alg', `alg ${String(header.alg)} is not an accepted asymmetric algorithm`);
	if (!isObject(jwk) || jwk.kty !== algorithm.kty || jwk.crv !== algorithm.crv) return fail('alg', `the jwk is not a ${algorithm.crv} key for ${String(header.alg)}`);
	if (PRIVATE_MEMBERS.some((member) => member in jwk)) return fail('private_key', 'the jwk holds a private key');
	let valid = false;
	try {
		const key = await crypto.subtle.importKey('jwk', jwk, algorithm.params, false, ['verify']);
		valid = await crypto.subtle.verify(algorithm.sign, key, fromBase64url(parts[2] ?? ''), utf8(`${parts[0]}.${parts[1]}`));
	} catch {
		valid = false;
	}
	if (!valid) return fail('signature', 'the signature does not verify with the jwk of the header');
	if (htm !== request.method) return fail('htm', `htm ${htm} is not the method ${request.method}`);
	let htuMatches = false;
	try {
		htuMatches = !/[?#]/.test(htu) && withoutQuery(htu) === withoutQuery(request.url);
	} catch {
		htuMatches = false;
	}
	if (!htuMatches) return fail('htu', `htu ${htu} is not ${withoutQuery(request.url)} (without query and fragment)`);
	if (options.nonce !== undefined) {
		if (nonce === undefined) return fail('nonce_missing', 'a DPoP nonce is required');
		if (nonce !== options.nonce) return fail('nonce_invalid', 'the DPoP nonce is not the current one');
	}
	if (Math.abs(options.now / 1000 - iat) > options.maxAgeSeconds) return fail('iat', `iat ${iat} is more than ${options.maxAgeSeconds} s from now`);
	if (options.accessToken !== undefined && ath !== (await sha256(options.accessToken))) return fail('ath', 'ath is not the hash of the access token');
	const thumbprint = await jwkThumbprint(jwk);
	if (options.jkt !== undefined && thumbprint !== options.jkt) return fail('key_mismatch', 'the proof is signed by another key than the token is bound to');
	if (options.seenJti.has(jti)) return fail('jti_replay', `jti ${jti} was used before`);
	options.seenJti.add(jti);
	return { ok: true, thumbprint, jwk, claims: claims as unknown as DPoPClaims };
}

/** A server's nonces (RFC 9449 section 8): the current one, replaced by `rotate()` or every `rotateEvery` issues. */
export interface DPoPNonces {
	/** The nonce a proof must carry now. */
	readonly current: string;
	/** A new current nonce; the previous one is refused from now on. */
	rotate(): string;
	/** The nonce for this answer's `DPoP-Nonce` header, after rotating when `rotateEvery` answers have had the current one. */
	issue(): string;
}

/**
 * Nonces a test server can require and rotate.
 *
 * @example
 * const nonces = createDPoPNonces({ rotateEvery: 3 });
 * const result = await verifyDPoPProof(request, { nonce: nonces.current, now: Date.now(), maxAgeSeconds: 60, seenJti });
 * const headers = { 'DPoP-Nonce': nonces.issue() };
 */
export function createDPoPNonces({ rotateEvery = Number.POSITIVE_INFINITY }: { rotateEvery?: number } = {}): DPoPNonces {
	const make = () => crypto.randomUUID();
	let current = make();
	let issued = 0;
	return {
		get current() {
			return current;
		},
		rotate() {
			issued = 0;
			current = make();
			return current;
		},
		issue() {
			if (issued >= rotateEvery) this.rotate();
			issued += 1;
			return current;
		},
	};
}

/**
 * The answer to a refused proof: from a token endpoint a `400` with a JSON `error` (RFC 9449 section
 * 5/8), from a resource a `401` with `WWW-Authenticate: DPoP error=…` (section 7.1/9); with the nonce
 * to use in `DPoP-Nonce` when one is given.
 *
 * @example
 * if (!result.ok) return dpopErrorResponse(result, 'token', nonces.issue());
 */
export function dpopErrorResponse(failure: DPoPFailure, where: 'token' | 'resource', nonce?: string): Response {
	const headers = new Headers(nonce === undefined ? {} : { 'DPoP-Nonce': nonce });
	if (where === 'token') {
		headers.set('content-type', 'application/json');
		return new Response(JSON.stringify({ error: failure.error, error_description: failure.message }), { status: 400, headers });
	}
	headers.set('WWW-Authenticate', `DPoP error="${failure.error}", error_description="${failure.message.replace(/["\\]/g, '')}", algs="ES256 EdDSA"`);
	return new Response(null, { status: 401, headers });
}

/** The mock server's DPoP options (see `createMockAuthServer({ dpop })`). */
export interface MockDPoPOptions {
	/**
	 * Require a nonce in every proof (RFC 9449 sections 8 and 9): `true`, or `{ rotateEvery }` to give a new one
	 * after that many answers. Default: no nonce.
	 * @example dpop: { nonce: { rotateEvery: 3 } }
	 */
	nonce?: boolean | { rotateEvery: number };
	/**
	 * Refuse token requests without a proof (`invalid_dpop_proof`) instead of issuing Bearer tokens. Default `false`.
	 * @example dpop: { required: true }
	 */
	required?: boolean;
	/**
	 * Answer a proof with a Bearer token, as a server without DPoP does (for `allowBearer` tests). Default `false`.
	 * @example dpop: { answerBearer: true }
	 */
	answerBearer?: boolean;
	/**
	 * How far a proof's `iat` may be from the server's clock, in seconds. Default 60.
	 * @example dpop: { maxAgeSeconds: 5 }
	 */
	maxAgeSeconds?: number;
}

/** What the mock server asks of its DPoP part: a proof checked for the token endpoint or a resource. */
export interface MockDPoPCheck {
	/** Headers every answer carries (`DPoP-Nonce` when nonces are on). */
	headers(): Record<string, string>;
	/** A token request: the key to bind to (`undefined`: none, Bearer), or the answer refusing the proof. */
	token(request: Request, boundTo?: string): Promise<{ jkt: string | undefined } | { response: Response }>;
	/** A resource request with `token` bound to `jkt`: `null` when the proof passes, else the 401. */
	resource(request: Request, token: string, jkt: string): Promise<Response | null>;
	/** Whether the answer binds tokens to the proof's key, or gives Bearer ones. */
	readonly binds: boolean;
	/** The current nonce is replaced: the next proofs with the old one get `use_dpop_nonce`. */
	rotateNonce(): void;
}

/**
 * The mock server's DPoP checks over `verifyDPoPProof`, with the server's clock and one `jti` set.
 *
 * @example
 * const check = createMockDPoPCheck({ nonce: true }, () => Date.now());
 */
export function createMockDPoPCheck(options: MockDPoPOptions, now: () => number): MockDPoPCheck {
	const nonces = options.nonce ? createDPoPNonces(typeof options.nonce === 'object' ? options.nonce : {}) : undefined;
	const seenJti = new Set<string>();
	const verify = (request: Request, accessToken?: string, jkt?: string) =>
		verifyDPoPProof(request, { accessToken, jkt, nonce: nonces?.current, now: now(), maxAgeSeconds: options.maxAgeSeconds ?? 60, seenJti });
	const refuse = (failure: DPoPFailure, where: 'token' | 'resource') => dpopErrorResponse(failure, where, nonces?.issue());
	return {
		binds: options.answerBearer !== true,
		headers: (): Record<string, string> => (nonces ? { 'DPoP-Nonce': nonces.issue() } : {}),
		async token(request, boundTo) {
			if (!request.headers.has('DPoP')) {
				if (options.required || boundTo !== undefined) return { response: refuse(fail('missing', 'a DPoP proof is required'), 'token') };
				return { jkt: undefined };
			}
			const result = await verify(request, undefined, boundTo);
			return result.ok ? { jkt: result.thumbprint } : { response: refuse(result, 'token') };
		},
		async resource(request, token, jkt) {
			if (!/^DPoP /i.test(request.headers.get('authorization') ?? '')) return refuse(fail('missing', 'a DPoP-bound token goes with the DPoP scheme'), 'resource');
			const result = await verify(request, token, jkt);
			return result.ok ? null : refuse(result, 'resource');
		},
		rotateNonce: () => void nonces?.rotate(),
	};
}
