import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The README's callback examples send the browser to appState.returnTo, which came from the URL that
// started the login: user input. Both must keep it on the page's origin (no open redirect, no javascript:).
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const PAGE = 'https://shop.example.com/callback?code=x';

/** The `sameOrigin` of an example, compiled and bound to a page at PAGE. */
function load(source: string | undefined): (returnTo: unknown) => string {
	expect(source, 'the README example has a sameOrigin check').toBeDefined();
	const js = ts.transpileModule(source ?? '', { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
	const location = new URL(PAGE);
	return new Function('location', `${js}; return sameOrigin;`)(location) as (returnTo: unknown) => string;
}

const examples = {
	bundled: readme.match(/function sameOrigin\(returnTo: unknown\): string \{[\s\S]*?\n\}/)?.[0],
	'plain page': readme.match(/const sameOrigin = \(to\) => \{[\s\S]*?\n {2}\};/)?.[0],
};

describe.each(Object.entries(examples))('the %s callback example', (_, source) => {
	it('goes to a path of this origin', () => {
		const sameOrigin = load(source);
		expect(new URL(sameOrigin('/orders?id=1#top'), PAGE).href).toBe('https://shop.example.com/orders?id=1#top');
	});

	it.each(['https://evil.example.net/phish', '//evil.example.net/phish', 'javascript:alert(document.cookie)', 'data:text/html,<script>1</script>', 42, undefined])('never to %s', (returnTo) => {
		const sameOrigin = load(source);
		expect(new URL(sameOrigin(returnTo), PAGE).origin).toBe('https://shop.example.com');
	});
});

describe('what the README says of tokens in URLs', () => {
	it('does not claim that no token ever goes into a URL, and names the one that does (id_token_hint)', () => {
		expect(readme).not.toMatch(/never writes a token into a URL/);
		expect(readme).toMatch(/never writes an access or refresh token into a URL/);
		expect(readme).toMatch(/`id_token_hint`/);
	});
});
