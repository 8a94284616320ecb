// The house style (tabs, double quotes, semicolons, Moddable's layout of `if`/`else` bodies),
// checked or applied by dprint's TypeScript formatter, run from its WebAssembly build so that
// nothing but npm packages is needed.
//
//   node tools/format.mjs            lists the files that differ from the style; exit 1 if any
//   node tools/format.mjs --write    rewrites them
//   node tools/format.mjs FILE...    only these files (either mode)
//
// Why dprint and not Biome: CONTRIBUTING.md, "Formatter".
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const { createFromBuffer } = require("@dprint/formatter");
const { getPath } = require("@dprint/typescript");

const FOLDERS = ["modules", "src", "test-host", "tools", "bench"];
const SKIP = new Set(["node_modules", "build", "out", ".git"]);
const KINDS = new Set([".ts", ".js", ".mjs", ".cjs"]);

export const config = {
	useTabs: true,
	indentWidth: 4,
	lineWidth: 160,
	semiColons: "always",
	quoteStyle: "preferDouble",
	quoteProps: "preserve",
	trailingCommas: "onlyMultiLine",
	preferHanging: false,
	preferSingleLine: true,
	useBraces: "maintain",
	bracePosition: "maintain",
	singleBodyPosition: "maintain",
	nextControlFlowPosition: "maintain",
	operatorPosition: "maintain",
	"arrowFunction.useParentheses": "maintain",
	"memberExpression.linePerExpression": false,
	"enumDeclaration.memberSpacing": "maintain",
	"module.sortImportDeclarations": "maintain",
	"module.sortExportDeclarations": "maintain",
	"exportDeclaration.sortNamedExports": "maintain",
	"importDeclaration.sortNamedImports": "maintain",
};

function* walk(dir) {
	for (const name of readdirSync(dir)) {
		if (SKIP.has(name))
			continue;
		const path = join(dir, name);
		if (statSync(path).isDirectory())
			yield* walk(path);
		else if (KINDS.has(extname(name)) && !name.endsWith(".d.ts.map"))
			yield path;
	}
}

export function formatter() {
	const f = createFromBuffer(readFileSync(getPath()));
	f.setConfig({}, config);
	return f;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const args = process.argv.slice(2);
	const write = args.includes("--write");
	const named = args.filter(a => !a.startsWith("--"));
	const files = named.length ? named.map(f => join(process.cwd(), f)) : FOLDERS.flatMap(f => [...walk(join(root, f))]);
	const f = formatter();
	const differ = [];
	for (const file of files) {
		const text = readFileSync(file, "utf8");
		let out;
		try {
			out = f.formatText({ filePath: file, fileText: text });
		}
		catch (e) {
			console.error(`format: ${relative(root, file)}: ${e.message}`);
			process.exitCode = 2;
			continue;
		}
		if (out === text)
			continue;
		differ.push(relative(root, file));
		if (write)
			writeFileSync(file, out);
	}
	if (write)
		console.log(`format: ${differ.length} of ${files.length} files rewritten`);
	else if (differ.length) {
		console.error(`format: ${differ.length} of ${files.length} files differ from the house style (npm run format -- --write rewrites them):`);
		for (const file of differ)
			console.error(`  ${file}`);
		process.exitCode = 1;
	}
	else
		console.log(`format: ${files.length} files in the house style`);
}
