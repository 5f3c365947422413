// A virtual X display for MiniBrowser, which has no headless mode: started by the harness, stopped by its PID.
import type { ChildProcess } from 'node:child_process';
import { start, stop } from './processes.js';

export const XVFB = '/usr/bin/Xvfb';

export interface Display {
	/** The value for `DISPLAY`, e.g. `:3`. */
	readonly name: string;
	stop(): Promise<void>;
}

/** Starts Xvfb on the first free display number, which it writes to fd 3 once it accepts clients. */
export async function startXvfb(): Promise<Display> {
	const xvfb: ChildProcess = start(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
	let errors = '';
	xvfb.stdio[2]?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
	const number = await new Promise<string>((resolve, reject) => {
		let read = '';
		xvfb.stdio[3]?.on('data', (chunk: Buffer) => {
			read += chunk.toString();
			if (read.includes('\n')) resolve(read.trim());
		});
		xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code} before giving a display: ${errors.trim()}`)));
	});
	return { name: `:${number}`, stop: () => stop(xvfb) };
}
