// WebKitGTK (Safari's engine) through selenium-webdriver and WebKitWebDriver, with MiniBrowser under Xvfb.
// WebDriver classic drives one window at a time per session, and one session per driver process: so a profile is
// its own driver process and session, its tabs are windows, and every command takes the session's turn and
// switches to its window first. A long evaluate does not hold the turn: it starts in the page and is collected
// in short polls, so four tabs can each run 30 s of traffic at the same time.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Builder, type WebDriver } from 'selenium-webdriver';
import { freePort, start, stop } from './processes.js';
import { type Engine, type Profile, type Tab, Unsupported } from './types.js';
import { poll } from './wait.js';
import { type Display, startXvfb } from './xvfb.js';

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Runs `fn(arg)` in the page and gives its outcome, as JSON, within 40 ms; or `null` and keeps it for `COLLECT`. */
const START = `const [source, argJson, id, done] = arguments;
const slots = (window.__driverEvals ??= {});
let result;
try { result = Promise.resolve((0, eval)('(' + source + ')')(JSON.parse(argJson).a)); } catch (error) { result = Promise.reject(error); }
slots[id] = result.then((v) => JSON.stringify(v === undefined ? {} : { v }), (e) => JSON.stringify({ e: String((e && e.stack) || e) }));
Promise.race([slots[id], new Promise((r) => setTimeout(() => r(null), 40))]).then((outcome) => { if (outcome !== null) delete slots[id]; done(outcome); });`;
/** Collects a kept outcome, waiting at most 40 ms; a page that navigated away has lost it. */
const COLLECT = `const [id, done] = arguments;
const slot = window.__driverEvals && window.__driverEvals[id];
if (!slot) { done(JSON.stringify({ lost: true })); } else {
Promise.race([slot, new Promise((r) => setTimeout(() => r(null), 40))]).then((outcome) => { if (outcome !== null) delete window.__driverEvals[id]; done(outcome); }); }`;

interface Outcome {
	v?: unknown;
	e?: string;
	lost?: true;
}

let evaluations = 0;

async function waitForDriver(url: string, driver: ChildProcess): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}`);
		const ready = await fetch(`${url}/status`).then(
			(response) => response.ok,
			() => false,
		);
		if (ready) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error('WebKitWebDriver did not answer within 10 s');
}

async function newProfile(display: Display): Promise<Profile> {
	const port = await freePort();
	const process_ = start(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: display.name } });
	const url = `http://127.0.0.1:${port}`;
	await waitForDriver(url, process_);
	const driver: WebDriver = await new Builder()
		.usingServer(url)
		.withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } })
		.build();
	await driver.manage().setTimeouts({ script: 30_000, pageLoad: 60_000 });
	const home = await driver.getWindowHandle(); // the session's first window stays open, so closing a tab never ends the session
	let current = home;
	let turn: Promise<unknown> = Promise.resolve();
	/** Runs `command` in `handle`'s window when the session is free. */
	const exclusive = <T>(handle: string, command: () => Promise<T>): Promise<T> => {
		const run = turn.then(async () => {
			if (current !== handle) {
				await driver.switchTo().window(handle);
				current = handle;
			}
			return command();
		});
		turn = run.catch(() => undefined);
		return run;
	};

	const tabOf = (handle: string): Tab => {
		const tab: Tab = {
			goto: (address) => exclusive(handle, () => driver.get(address)),
			async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> {
				const id = ++evaluations;
				let raw = await exclusive(handle, () => driver.executeAsyncScript<string | null>(START, fn.toString(), JSON.stringify({ a: arg }), id));
				while (raw === null) raw = await exclusive(handle, () => driver.executeAsyncScript<string | null>(COLLECT, id));
				const outcome = JSON.parse(raw) as Outcome;
				if (outcome.e !== undefined) throw new Error(`evaluate failed in WebKit: ${outcome.e}`);
				return outcome.v as Awaited<R>;
			},
			waitForFunction: (fn, arg, options) => poll(tab, fn, arg, options),
			reload: () => exclusive(handle, () => driver.navigate().refresh()),
			back: () => exclusive(handle, () => driver.navigate().back()),
			url: () => exclusive(handle, () => driver.getCurrentUrl()),
			resize: (width, height) => exclusive(handle, async () => void (await driver.manage().window().setRect({ width, height }))),
			screenshot: async (path) => writeFile(path, Buffer.from(await exclusive(handle, () => driver.takeScreenshot()), 'base64')),
			close: () =>
				exclusive(handle, async () => {
					await driver.close();
					await driver.switchTo().window(home);
					current = home;
				}),
			freeze: () => Promise.reject(new Unsupported('webkit', 'freeze a tab')),
			resume: () => Promise.reject(new Unsupported('webkit', 'freeze a tab')),
		};
		return tab;
	};

	return {
		newTab: () =>
			exclusive(current, async () => {
				await driver.switchTo().newWindow('window');
				current = await driver.getWindowHandle();
				return tabOf(current);
			}),
		async close() {
			await turn;
			await driver.quit().catch(() => undefined);
			await stop(process_);
		},
	};
}

/** The installed WebKitGTK's version (the driver prints none): from Debian's package database. */
function webkitVersion(): string {
	try {
		return execFileSync('dpkg-query', ['-W', `-f=\${Version}`, 'libwebkit2gtk-4.1-0'], { encoding: 'utf8', timeout: 5_000 }).replace(/-.*/, '');
	} catch {
		return '(version unknown)';
	}
}

/** Starts Xvfb; each profile then starts its own WebKitWebDriver and MiniBrowser on that display. */
export async function launchWebKit(): Promise<Engine> {
	const display = await startXvfb();
	const profiles = new Set<Profile>();
	return {
		name: 'webkit',
		version: `WebKitGTK ${webkitVersion()} MiniBrowser`,
		async newProfile() {
			const profile = await newProfile(display);
			profiles.add(profile);
			return {
				newTab: () => profile.newTab(),
				close: async () => {
					profiles.delete(profile);
					await profile.close();
				},
			};
		},
		async close() {
			await Promise.all([...profiles].map((profile) => profile.close()));
			await display.stop();
		},
	};
}
