// Page interactions for tests that drive a UI (the demo, the provider's login pages), done inside the page so that
// they are the same in every engine: the events a user's input fires, then the element's own default action.
import type { Tab } from './engines/index.js';

/** Clicks the element (a submit button submits its form). */
export const click = (tab: Tab, selector: string) =>
	tab.evaluate((selector) => {
		const element = document.querySelector<HTMLElement>(selector);
		if (!element) throw new Error(`no element ${selector}`);
		element.click();
	}, selector);

/** Sets an input's value as typing would, with `input` and `change` events. */
export const fill = (tab: Tab, selector: string, value: string) =>
	tab.evaluate(
		({ selector, value }) => {
			const element = document.querySelector<HTMLInputElement | HTMLSelectElement>(selector);
			if (!element) throw new Error(`no element ${selector}`);
			element.value = value;
			element.dispatchEvent(new Event('input', { bubbles: true }));
			element.dispatchEvent(new Event('change', { bubbles: true }));
		},
		{ selector, value },
	);

/** Checks or unchecks a checkbox by clicking it when its state differs. */
export const setChecked = (tab: Tab, selector: string, checked: boolean) =>
	tab.evaluate(
		({ selector, checked }) => {
			const element = document.querySelector<HTMLInputElement>(selector);
			if (!element) throw new Error(`no element ${selector}`);
			if (element.checked !== checked) element.click();
		},
		{ selector, checked },
	);

/** The element's text, or null when there is none. */
export const text = (tab: Tab, selector: string) => tab.evaluate((selector) => document.querySelector(selector)?.textContent ?? null, selector);

/** Waits for an element to exist. */
export const waitForSelector = (tab: Tab, selector: string, timeout = 10_000) => tab.waitForFunction((selector) => document.querySelector(selector) !== null, selector, { timeout });

/** Waits until the tab's address satisfies `test` and that page has loaded (checked from outside, so it survives navigations). */
export async function waitForUrl(tab: Tab, test: (url: URL) => boolean, timeout = 10_000): Promise<void> {
	const deadline = Date.now() + timeout;
	for (;;) {
		const address = await tab.url().catch(() => 'about:blank');
		// the address changes when the navigation commits, before the new page's scripts have run
		if (address.startsWith('http') && test(new URL(address))) return tab.waitForFunction(() => document.readyState === 'complete', undefined, { timeout: Math.max(1_000, deadline - Date.now()) });
		if (Date.now() > deadline) throw new Error(`the tab stayed at ${address} for ${timeout} ms`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}
