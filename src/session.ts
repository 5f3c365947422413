import { TokenKeeperError } from './errors.js';
import { decodeClaims, scopesOf, type TokenSet } from './tokens.js';
import type { AuthEvent, Session } from './types.js';

/** An event as the keeper raises it; the machine stamps `at`. */
export type Raised = AuthEvent extends infer Event ? (Event extends AuthEvent ? Omit<Event, 'at'> : never) : never;

/**
 * What an async step captures before it awaits and presents to commit afterwards: the session it began under
 * and the machine's generation then. Any change of session (login, logout, another user) makes it stale.
 */
export interface Ticket {
	readonly generation: number;
	readonly sid: string | undefined;
}

/** The session state machine: the one place that moves between states, and that refuses stale tickets. */
export interface SessionMachine {
	/** The current token set, `undefined` when signed out or loading. */
	readonly set: TokenSet | undefined;
	readonly session: Session;
	/** Aborted when the session changes: cancels the calls of a session that ended. */
	readonly signal: AbortSignal;
	ticket(): Ticket;
	/** Whether `ticket` was taken under the current session. */
	holds(ticket: Ticket): boolean;
	/**
	 * The sessions that ended here or in another tab: none of their sets is ever taken again. Another tab's word adds
	 * to it without a transition.
	 */
	readonly ended: Set<string>;
	/**
	 * The only transition. `next` a token set: sign in to it (a new session, or a newer set of the current one);
	 * `null`: sign out (ending the current session for good). Refused, with `false`, for a stale ticket, a set of an
	 * ended session, a set older than the current one of its session, or a second session replacing a first
	 * (end the first, then move).
	 */
	move(ticket: Ticket, next: TokenSet | null, event: Raised): boolean;
	/** Leaves `loading` signed out, when storage held nothing. */
	settle(event: Raised): void;
}

const signedOut = (status: 'loading' | 'unauthenticated'): Session => Object.freeze({ status, accessToken: null, expiresAt: null, claims: null, scopes: Object.freeze([]) });

function sessionOf(set: TokenSet): Session {
	const claims = decodeClaims(set.accessToken);
	return Object.freeze({
		status: 'authenticated',
		accessToken: set.accessToken,
		expiresAt: set.expiresAt ?? null,
		claims: claims && Object.freeze(claims),
		scopes: Object.freeze(scopesOf(set, claims)),
	});
}

/** Creates the machine; `emit` tells the listeners after each transition. */
export function createSessionMachine(emit: (session: Session, event: AuthEvent) => void): SessionMachine {
	let set: TokenSet | undefined;
	let session = signedOut('loading');
	let generation = 0;
	let abort = new AbortController();
	const ended = new Set<string>();

	const changeSession = () => {
		generation++;
		abort.abort(new TokenKeeperError('SESSION_EXPIRED', 'Session ended'));
		abort = new AbortController();
	};
	const tell = (event: Raised) => emit(session, { ...event, at: Date.now() } as AuthEvent);

	return {
		get set() {
			return set;
		},
		get session() {
			return session;
		},
		get signal() {
			return abort.signal;
		},
		ticket: () => ({ generation, sid: set?.sid }),
		holds: (ticket) => ticket.generation === generation,
		ended,
		move(ticket, next, event) {
			if (ticket.generation !== generation) return false;
			if (next === null) {
				if (!set) return false;
				ended.add(set.sid);
				set = undefined;
				session = signedOut('unauthenticated');
				changeSession();
			} else {
				// A set of another session (a login, a tab's message, storage): never one that ended. A set of the ticket's own
				// session (a refresh) is the ticket's business: once that session changed, the ticket no longer holds.
				if (next.sid !== ticket.sid && ended.has(next.sid)) return false;
				if (set && set.sid !== next.sid) return false;
				if (set && next.receivedAt < set.receivedAt) return false;
				if (!set) changeSession();
				set = next;
				session = sessionOf(next);
			}
			tell(event);
			return true;
		},
		settle(event) {
			if (session.status !== 'loading') return;
			session = signedOut('unauthenticated');
			tell(event);
		},
	};
}
