import { HttpResponse } from 'msw';

/**
 * A fault the mock server can inject. Every fault but `delayMs` answers in place of the server, like a
 * failing proxy: the request never reaches the auth logic, so a faulted refresh does not spend its token.
 * - `'network'`: no answer (a network error);
 * - `'hang'`: no answer until the client aborts the request;
 * - `'truncated'`: 200 with JSON cut in the middle;
 * - `{ status, body?, headers? }`: that answer;
 * - `{ delayMs }`: wait, then answer normally.
 */
export type Fault = 'network' | 'hang' | 'truncated' | { status: number; body?: unknown; headers?: Record<string, string> } | { delayMs: number };

/** What a fault can be aimed at. */
export type FaultTarget = 'login' | 'refresh' | 'revoke' | 'resource';

/** A fault, or a function that picks one per request (`undefined`: no fault this time). */
export type FaultRule = Fault | ((request: Request) => Fault | undefined);

interface Armed {
	rule: FaultRule;
	remaining: number;
}

/** The faults armed for each target. */
export function createFaults() {
	const armed = new Map<FaultTarget, Armed[]>();
	return {
		add(target: FaultTarget, rule: FaultRule, times: number) {
			armed.set(target, [...(armed.get(target) ?? []), { rule, remaining: times }]);
		},
		clear: () => armed.clear(),
		/** The fault for this request, if any (consuming one of its `times`). */
		pick(target: FaultTarget, request: Request): Fault | undefined {
			for (const entry of armed.get(target) ?? []) {
				if (entry.remaining <= 0) continue;
				const fault = typeof entry.rule === 'function' ? entry.rule(request) : entry.rule;
				if (fault === undefined) continue;
				entry.remaining--;
				return fault;
			}
			return undefined;
		},
	};
}

/** The answer a fault gives in place of the server; `undefined` for a delay (then the server answers). */
export async function applyFault(fault: Fault, request: Request, headers: Record<string, string>): Promise<Response | undefined> {
	if (fault === 'network') return HttpResponse.error();
	if (fault === 'hang') {
		await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
		return HttpResponse.error();
	}
	if (fault === 'truncated') return new HttpResponse('{"access_token":"ey', { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
	if ('delayMs' in fault) {
		await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		return undefined;
	}
	const body = fault.body === undefined ? null : JSON.stringify(fault.body);
	return new HttpResponse(body, { status: fault.status, headers: { ...headers, ...(body === null ? {} : { 'content-type': 'application/json' }), ...fault.headers } });
}
