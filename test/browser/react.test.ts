import { describe, expect, it } from 'vitest';
import { pageHandlers } from './pages/build.js';
import { hasChromium, useBrowser } from './support.js';

const harness = useBrowser(pageHandlers('react', './react-app.ts'));

describe.runIf(hasChromium)('tokenkeeper/react in Chromium, two tabs', () => {
	it('a stored session shows the app without a flash of the fallback, and a logout in one tab re-renders the other to its fallback', async () => {
		const profile = await harness.profile();
		const first = await harness.tab(profile);
		await first.goto(`${harness.url}/react.html`);
		await first.waitForFunction(() => document.querySelector('#fallback') !== null);
		await first.evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
		await first.waitForFunction(() => document.querySelector('#user')?.textContent === 'alice');

		const second = await harness.tab(profile);
		await second.goto(`${harness.url}/react.html`);
		await second.waitForFunction(() => document.querySelector('#user')?.textContent === 'alice');
		expect(await second.evaluate(() => window.shown)).toEqual(['loading', 'app']);

		await first.evaluate(() => (document.querySelector('#logout') as HTMLButtonElement).click());
		await second.waitForFunction(() => document.querySelector('#fallback') !== null);
		expect(await second.evaluate(() => window.shown)).toEqual(['loading', 'app', 'fallback']);
		expect(await first.evaluate(() => window.shown)).toEqual(['loading', 'fallback', 'app', 'fallback']);
		await first.close();
		await second.close();
	});
});
