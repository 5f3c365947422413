import { getResponse, type RequestHandler } from 'msw';
import type { MockAuthServer } from './types.js';

/** A running HTTP server. */
export interface RunningServer {
	/** Its base URL, e.g. `http://127.0.0.1:41234`: the origin to give the keeper as `apiUrl`. */
	readonly url: string;
	/** Stops it, ending requests that hang. */
	close(): Promise<void>;
}

/** Where and what `startMockHttpServer` serves. */
export interface ListenOptions {
	/**
	 * The port; default 0, a free one (read it from `url`).
	 * @example port: 4010
	 */
	port?: number;
	/**
	 * The address; default `'127.0.0.1'`.
	 * @example host: '127.0.0.1'
	 */
	host?: string;
	/**
	 * More msw handlers, tried before the server's own: your app's pages, bundles and API routes.
	 * @example handlers: [ordersRoute, appPage] // msw handlers, e.g. http.get(`${origin}/orders`, server.protect(listOrders))
	 */
	handlers?: RequestHandler[];
}

/**
 * Serves the mock over real HTTP (Node only), so that browsers and several tabs talk to one server with one
 * state. Its routes answer at the URL it listens on, whatever the mock's `origin` (so the default works), and
 * every answer carries permissive CORS headers (`Access-Control-Allow-Origin: *`, `Authorization` and
 * `Content-Type` allowed, `WWW-Authenticate`, `Retry-After` and `Date` exposed), so a page on another port can
 * call it. A `'network'` fault resets the connection; unknown routes answer 404. Same as `server.listen(options)`.
 *
 * @example
 * const server = createMockAuthServer();
 * const { url, close } = await startMockHttpServer(server); // url: http://127.0.0.1:<a free port>
 * const auth = createTokenKeeper({ ...server.keeperOptions(), apiUrl: url });
 * // … point a browser at url …
 * await close();
 */
export async function startMockHttpServer(server: MockAuthServer, { port = 0, host = '127.0.0.1', handlers = [] }: ListenOptions = {}): Promise<RunningServer> {
	const { createServer } = await import('node:http');
	const open = new Set<import('node:http').ServerResponse>();
	const httpServer = createServer(async (incoming, outgoing) => {
		open.add(outgoing);
		outgoing.on('close', () => open.delete(outgoing));
		const controller = new AbortController();
		outgoing.on('close', () => controller.abort());
		const chunks: Buffer[] = [];
		for await (const chunk of incoming) chunks.push(chunk as Buffer);
		const body = chunks.length > 0 && incoming.method !== 'GET' && incoming.method !== 'HEAD' ? Buffer.concat(chunks) : null;
		const headers = new Headers();
		for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
		const request = new Request(`http://${incoming.headers.host ?? `${host}:${port}`}${incoming.url ?? '/'}`, { method: incoming.method ?? 'GET', headers, body, signal: controller.signal });
		// the given handlers first, then the mock's at its origin, then the same routes at this server's own origin
		const answer = async () =>
			(await getResponse([...handlers, ...server.handlers], request)) ??
			(server.origin === '*' || server.handlersFor === undefined ? undefined : await getResponse(server.handlersFor(new URL(request.url).origin), request));
		const response = await answer().catch(() => new Response('mock server error', { status: 500 }));
		if (!response) {
			outgoing.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('not found');
			return;
		}
		if (response.type === 'error') {
			outgoing.destroy();
			return;
		}
		outgoing.writeHead(response.status, Object.fromEntries(response.headers));
		outgoing.end(Buffer.from(await response.arrayBuffer()));
	});
	await new Promise<void>((resolve, reject) => {
		httpServer.once('error', reject); // e.g. EADDRINUSE: the caller may pick another port
		httpServer.listen(port, host, () => {
			httpServer.off('error', reject);
			resolve();
		});
	});
	const address = httpServer.address();
	const actualPort = typeof address === 'object' && address !== null ? address.port : port;
	return {
		url: `http://${host}:${actualPort}`,
		close: () =>
			new Promise<void>((resolve) => {
				for (const response of open) response.destroy();
				httpServer.close(() => resolve());
				httpServer.closeAllConnections();
			}),
	};
}
