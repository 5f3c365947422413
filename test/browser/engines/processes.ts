// Child processes the harness starts (Xvfb, WebKitWebDriver), each stopped by its own PID, also when the worker exits early.
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

const children = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of children) child.kill('SIGKILL');
});

/** Spawns `command` and remembers it until it exits. */
export function start(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
	const child = spawn(command, args, { stdio: 'ignore', ...options });
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

/** Stops `child` by its PID and waits for it to be gone (SIGKILL after a second). */
export async function stop(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
	await gone;
	clearTimeout(timer);
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const address = probe.address();
	await new Promise((resolve) => probe.close(resolve));
	if (typeof address !== 'object' || address === null) throw new Error('no free port');
	return address.port;
}
