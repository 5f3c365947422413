import { describe, expect, it } from 'vitest';
import { pageHandlers } from './pages/build.js';
import { engineLabel, hasChromium, useBrowser } from './support.js';

// The same app in both frameworks (test/browser/pages): the bindings must behave alike.
const frameworks = ['react', 'vue'] as const;
const harness = useBrowser(frameworks.flatMap((framework) => pageHandlers(framework, `./${framework}-app.ts`)));

describe.runIf(hasChromium).each(frameworks)(`tokenkeeper/%s in ${engineLabel}, two tabs`, (framework) => {
	it('a stored session shows the app without a flash of the fallback, and a logout in one tab re-renders the other to its fallback', async () => {
		const profile = await harness.profile();
		const first = await harness.tab(profile);
		await first.goto(`${harness.url}/${framework}.html`);
		await first.waitForFunction(() => document.querySelector('#fallback') !== null);
		await first.evaluate(() => window.auth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
		await first.waitForFunction(() => document.querySelector('#user')?.textContent === 'alice');

		const second = await harness.tab(profile);
		await second.goto(`${harness.url}/${framework}.html`);
		await second.waitForFunction(() => document.querySelector('#user')?.textContent === 'alice');
		// never the fallback first; `loading` only when the app rendered before the stored session was read
		const shown = await second.evaluate(() => window.shown);
		expect([['loading', 'app'], ['app']]).toContainEqual(shown);

		await first.evaluate(() => (document.querySelector('#logout') as HTMLButtonElement).click());
		await second.waitForFunction(() => document.querySelector('#fallback') !== null);
		expect(await second.evaluate(() => window.shown)).toEqual([...shown, 'fallback']);
		expect([
			['loading', 'fallback', 'app', 'fallback'],
			['fallback', 'app', 'fallback'],
		]).toContainEqual(await first.evaluate(() => window.shown));
		await first.close();
		await second.close();
	});
});
