// The real-browser suite's driver layer (test/browser/engines, TypeScript) for the benchmark, which runs in plain
// Node: each file is transpiled alone into node_modules/.cache, where its imports still resolve, then imported.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const source = new URL('../test/browser/engines/', import.meta.url);
const target = new URL('../node_modules/.cache/tokenkeeper-bench/engines/', import.meta.url);

/** The engines module: `launchEngine(name)`, `missingParts(name)`, `labelOf(name)`. */
export async function loadEngines() {
	mkdirSync(target, { recursive: true });
	for (const file of readdirSync(source).filter((name) => name.endsWith('.ts'))) {
		const { outputText } = ts.transpileModule(readFileSync(new URL(file, source), 'utf8'), {
			compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
		});
		writeFileSync(new URL(file.replace(/\.ts$/, '.js'), target), outputText);
	}
	return import(new URL('index.js', target).href);
}
