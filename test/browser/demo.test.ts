import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let demo: ChildProcess | undefined;
let browser: Browser | undefined;
let url = '';

describe.runIf(hasChromium)('the demo, walked through in Chromium', () => {
	beforeAll(async () => {
		// what `npm run demo` runs after building (npm test has built dist/ already), on a free port
		demo = spawn(process.execPath, ['demo/serve.mjs'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
		url = await new Promise<string>((resolve, reject) => {
			demo!.stdout!.on('data', (chunk: Buffer) => {
				const match = /demo: (http:\/\/127\.0\.0\.1:\d+)\//.exec(chunk.toString());
				if (match) resolve(match[1]!);
			});
			demo!.once('exit', (code) => reject(new Error(`the demo server exited with ${code}`)));
		});
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
	}, 30_000);
	afterAll(async () => {
		await browser?.close();
		demo?.kill('SIGINT');
	});

	it('opens with no console error and no failed request, and a logout leaves no API answer on screen', async () => {
		const profile = await browser!.newContext();
		const problems: string[] = [];
		profile.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
		profile.on('response', (response) => void (response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`)));
		const page = await profile.newPage();
		await page.goto(`${url}/`);
		await expect.poll(() => page.textContent('#status')).toBe('unauthenticated');
		await page.click('#login button[type=submit]');
		await expect.poll(() => page.textContent('#status')).toBe('authenticated');
		await page.click('#call');
		await expect.poll(() => page.textContent('#answer')).toMatch(/HTTP 200[\s\S]*alice/);
		const second = await profile.newPage();
		await second.goto(`${url}/module.html`);
		await expect.poll(() => second.textContent('#status')).toBe('authenticated');
		await second.click('#call');
		await expect.poll(() => second.textContent('#answer')).toMatch(/alice/);

		await page.click('#logout'); // here, and in the other tab by the channel
		await expect.poll(() => page.textContent('#status')).toBe('unauthenticated');
		await expect.poll(() => second.textContent('#status')).toBe('unauthenticated');
		expect(await page.textContent('#answer')).not.toMatch(/alice/);
		expect(await second.textContent('#answer')).not.toMatch(/alice/);
		expect(problems).toEqual([]);
		await profile.close();
	}, 30_000);

	it('log in, watch the countdown and an automatic refresh, then log out of two tabs at once', async () => {
		const profile = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
		const page = await profile.newPage();
		await page.goto(`${url}/`);
		await expect.poll(() => page.textContent('#status')).toBe('unauthenticated');

		await page.fill('input[name=password]', 'wrong');
		await page.click('#login button[type=submit]');
		await expect.poll(() => page.textContent('#login-error')).toBe('Wrong username or password.');

		await page.selectOption('#lifetime', '5'); // short tokens, so the refresh comes quickly
		await page.fill('input[name=password]', 'wonderland');
		await page.click('#login button[type=submit]');
		await expect.poll(() => page.textContent('#status')).toBe('authenticated');
		expect(await page.textContent('#subject')).toBe('alice');
		expect(await page.textContent('#countdown')).toMatch(/s left/);

		await page.click('#call');
		await expect.poll(() => page.textContent('#answer')).toMatch(/HTTP 200/);
		await expect.poll(() => page.textContent('#log'), { timeout: 10_000 }).toMatch(/refreshed \(trigger: timer/);
		// the README shows docs/demo.png: `UPDATE_DOCS=1 npm test` refreshes it; other runs leave the tree clean
		await page.screenshot({ path: process.env.UPDATE_DOCS ? `${root}/docs/demo.png` : `${root}/test-results/demo.png` });

		const second = await profile.newPage();
		await second.goto(`${url}/module.html`); // the package-import page shares the session
		await expect.poll(() => second.textContent('#status')).toBe('authenticated');
		await second.click('#logout');
		await expect.poll(() => page.textContent('#status'), { timeout: 1_000 }).toBe('unauthenticated');
		expect(await page.textContent('#log')).toMatch(/logged out \(reason: other-tab\)/);
		await profile.close();
	}, 45_000);

	it('server controls: taking the server offline shows errors, and a revoked session ends', async () => {
		const profile = await browser!.newContext();
		const page = await profile.newPage();
		await page.goto(`${url}/`);
		await page.click('#login button[type=submit]');
		await expect.poll(() => page.textContent('#status')).toBe('authenticated');
		await page.check('#offline');
		await expect.poll(() => page.textContent('#log')).toMatch(/server: offline/);
		await page.click('#refresh');
		await expect.poll(() => page.textContent('#log')).toMatch(/NETWORK_ERROR/);
		expect(await page.textContent('#status')).toBe('authenticated');
		await page.uncheck('#offline');
		await page.click('#revoke');
		await expect.poll(() => page.textContent('#log')).toMatch(/every session revoked/);
		await page.click('#refresh');
		await expect.poll(() => page.textContent('#status')).toBe('unauthenticated');
		expect(await page.textContent('#log')).toMatch(/logged out \(reason: revoked\)/);
		await profile.close();
	}, 30_000);

	it('the React page: RequireSession, selectors that render only on their change, and a logout from another page', async () => {
		const profile = await browser!.newContext();
		const problems: string[] = [];
		profile.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
		const page = await profile.newPage();
		await page.goto(`${url}/react.html`);
		await page.waitForSelector('#login');
		await page.click('#login button[type=submit]');
		await expect.poll(() => page.textContent('#subject')).toBe('alice');
		expect(await page.textContent('#status')).toBe('authenticated');
		const statusRenders = await page.textContent('#status-renders');
		const tokenRenders = await page.textContent('#token-renders');
		await page.click('#refresh');
		await expect.poll(() => page.textContent('#token-renders')).not.toBe(tokenRenders);
		expect(await page.textContent('#status-renders')).toBe(statusRenders);
		const afterRefresh = await page.textContent('#token-renders');
		await page.click('#call');
		await expect.poll(() => page.textContent('#answer')).toMatch(/HTTP 200[\s\S]*alice/);
		expect(await page.textContent('#token-renders')).toBe(afterRefresh); // a new answer is no new token

		const main = await profile.newPage();
		await main.goto(`${url}/`);
		await expect.poll(() => main.textContent('#status')).toBe('authenticated');
		await main.click('#logout');
		await page.waitForSelector('#login');
		expect(await page.textContent('#status')).toBe('unauthenticated');
		expect(await page.$('#answer')).toBeNull();
		expect(problems).toEqual([]);
		await profile.close();
	}, 30_000);
});
