import { getResponse } from 'msw';
import type { MockAuthServer } from './server.js';

/** A running HTTP server. */
export interface RunningServer {
	/** Its base URL, e.g. `http://127.0.0.1:41234`. */
	readonly url: string;
	/** Stops it, ending requests that hang. */
	close(): Promise<void>;
}

/**
 * Serves the mock's handlers over real HTTP (Node only), so that browsers and several tabs talk to one
 * server with one state. A `'network'` fault resets the connection; unknown routes answer 404.
 * The mock's `origin` should be this server's URL: create the mock with the `origin` you pass here.
 *
 * @example
 * const server = createMockAuthServer({ origin: 'http://127.0.0.1:4010' });
 * const running = await startMockHttpServer(server, { port: 4010 });
 * // … point a browser at running.url …
 * await running.close();
 */
export async function startMockHttpServer(server: MockAuthServer, { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}): Promise<RunningServer> {
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
		const response = await getResponse(server.handlers, request).catch(() => new Response('mock server error', { status: 500 }));
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
