// Which engine this test run drives: one vitest project per engine sets BROWSER_ENGINE (see vitest.config.ts).
import { existsSync } from 'node:fs';
import { CHROMIUM, FIREFOX, launchPuppeteer } from './puppeteer.js';
import type { Capabilities, Engine, EngineName, LaunchOptions } from './types.js';
import { MINIBROWSER, launchWebKit, WEBKIT_DRIVER } from './webkit.js';
import { XVFB } from './xvfb.js';

export type { Capabilities, Engine, EngineName, LaunchOptions, Profile, Tab, WaitOptions } from './types.js';
export { Unsupported } from './types.js';

/** The files each engine needs, and the Debian package that brings them. */
const NEEDS: Record<EngineName, { label: string; files: string[]; packages: string }> = {
	chromium: { label: 'Chromium', files: [CHROMIUM], packages: 'chromium' },
	firefox: { label: 'Firefox ESR', files: [FIREFOX], packages: 'firefox-esr' },
	webkit: { label: 'WebKitGTK', files: [WEBKIT_DRIVER, MINIBROWSER, XVFB], packages: 'webkit2gtk-driver xvfb' },
};

const chosen = process.env.BROWSER_ENGINE ?? 'chromium';
if (!(chosen in NEEDS)) throw new Error(`BROWSER_ENGINE=${chosen}: expected chromium, firefox or webkit`);

/** The engine of this run. */
export const engineName = chosen as EngineName;
/** Its name for test titles and logs, e.g. `WebKitGTK`. */
export const engineLabel = NEEDS[engineName].label;

/** What `name` lacks on this machine (empty when it is installed), and the packages that bring it. */
export function missingParts(name: EngineName): { files: string[]; packages: string } {
	return { files: NEEDS[name].files.filter((file) => !existsSync(file)), packages: NEEDS[name].packages };
}

/** The label of `name`, e.g. `Firefox ESR`. */
export const labelOf = (name: EngineName) => NEEDS[name].label;

const missing = missingParts(engineName).files;
/**
 * What each engine can do in this set-up, known before it starts so that a test can say at collection time why it
 * does not run somewhere.
 */
const CAPABILITIES: Record<EngineName, Capabilities> = {
	chromium: { freeze: true, hiddenBackgroundTabs: true, bfcache: 'evicts' },
	firefox: { freeze: false, hiddenBackgroundTabs: true, bfcache: 'evicts' },
	webkit: { freeze: false, hiddenBackgroundTabs: false, bfcache: 'keeps' },
};
/** The capabilities of this run's engine. */
export const capabilities = CAPABILITIES[engineName];

/** Whether the engine is installed. In CI a missing engine is an error; elsewhere its tests are skipped, loudly. */
export const engineAvailable = missing.length === 0;
if (!engineAvailable) {
	const message = `${engineLabel} is missing (${missing.join(', ')}): apt-get install ${NEEDS[engineName].packages}`;
	if (process.env.CI) throw new Error(`${message}; the real-browser tests cannot run`);
	console.warn(`\n!!! ${message}: SKIPPING the real-browser tests in ${engineLabel}.\n`);
}

/** Starts the engine of this run (or `name`). */
export function launchEngine(name: EngineName = engineName, options: LaunchOptions = {}): Promise<Engine> {
	return name === 'webkit' ? launchWebKit() : launchPuppeteer(name, options);
}
