// The driver layer's own surface: what a browser test may do with a profile and a tab, in every engine.

/** The three engines the real-browser suite runs in. */
export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** How long to wait, in ms (default 10 s). */
export interface WaitOptions {
	timeout?: number;
}

/** One tab: the few operations the tests need, each the same in every engine. */
export interface Tab {
	/** Navigates and waits for the load event. */
	goto(url: string): Promise<void>;
	/** Runs `fn(arg)` in the page (it is sent as source: no closures) and resolves to its JSON-serialisable result. */
	evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
	/** Resolves once `fn(arg)` is truthy in the page, polled from outside (so throttled timers in a background tab do not slow it). */
	waitForFunction<A>(fn: (arg: A) => unknown, arg?: A, options?: WaitOptions): Promise<void>;
	/** Reloads and waits for the load event. */
	reload(): Promise<void>;
	/** Goes one step back in history and waits for the page. */
	back(): Promise<void>;
	/** The address the tab shows. */
	url(): Promise<string>;
	/** Sets the viewport's size in CSS pixels. */
	resize(width: number, height: number): Promise<void>;
	/** A PNG of the viewport. */
	screenshot(path: string): Promise<void>;
	/** Closes the tab (its locks go with it). */
	close(): Promise<void>;
	/** Stops the page's timers and tasks like a frozen background tab (Chromium only: see `capabilities.freeze`). */
	freeze(): Promise<void>;
	/** Undoes `freeze()`. */
	resume(): Promise<void>;
}

/** One profile: its tabs share IndexedDB, localStorage, BroadcastChannel and Web Locks, like tabs of one browser window. */
export interface Profile {
	/** Opens a blank tab. */
	newTab(): Promise<Tab>;
	/** Closes every tab of the profile and forgets its storage. */
	close(): Promise<void>;
}

/** What an engine can do beyond the common surface; a test that needs one says so and is reported, never silently dropped. */
export interface Capabilities {
	/** Freezing a tab (CDP `Page.setWebLifecycleState`). */
	freeze: boolean;
	/** Background tabs report `visibilityState: 'hidden'` (in WebKitGTK every window is visible). */
	hiddenBackgroundTabs: boolean;
	/**
	 * What the back/forward cache does with a page that a BroadcastChannel message was sent to while it was cached:
	 * `'keeps'` restores it (`pageshow.persisted`) without ever delivering the message (WebKit, as Safari);
	 * `'evicts'` drops it, so going back loads it anew (Chromium: reason `BroadcastChannelOnMessage`; Firefox).
	 */
	bfcache: 'keeps' | 'evicts';
}

/** A launched engine. */
export interface Engine {
	readonly name: EngineName;
	/** Name and version, for the logs. */
	readonly version: string;
	newProfile(): Promise<Profile>;
	close(): Promise<void>;
}

/** How to start an engine, beyond the suite's defaults (used by the benchmark to measure what users' browsers do). */
export interface LaunchOptions {
	/** Chromium: keep its background-tab timer throttling, which the suite's launch turns off. */
	backgroundThrottling?: boolean;
	/** Firefox: every window a private-browsing one. (Chromium's profiles are incognito contexts anyway; WebKit's automation sessions are ephemeral.) */
	privateBrowsing?: boolean;
}

/** An error that says which capability an engine lacks. */
export class Unsupported extends Error {
	constructor(engine: EngineName, what: string) {
		super(`${engine} cannot ${what} in this driver set-up`);
		this.name = 'Unsupported';
	}
}
