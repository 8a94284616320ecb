// Runs every test file under test-host/ with mocha (options in .mocharc.yml: the host runtime's
// loader, two files at a time, the summary reporter), or only the files given as arguments.
// Exits non-zero when any test fails. `npm test` runs tools/setup.sh first.
//
// A run of the whole suite that includes the Node engine also measures the branch coverage of
// modules/mqtt (tools/coverage.mjs) and fails below its floor; the summary line comes again
// last, for CI to read. A whole-suite run also checks the house style (tools/format.mjs) and
// fails when a file differs from it. Runs of single files (development) do neither.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { collect, report } from "./coverage.mjs";

function collectFiles(dir, out = []) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory() && entry.name !== "node_modules")
			collectFiles(path, out);
		else if (entry.name.endsWith(".test.js"))
			out.push(path);
	}
	return out;
}

const mocha = createRequire(import.meta.url).resolve("mocha/bin/mocha.js");
const only = process.argv.slice(2);
const files = only.length ? only : collectFiles("test-host").sort();
const engines = process.env.ENGINES?.split(",") ?? ["node", "xs"]; // as test-host/engine.js reads it
const coverage = !only.length && engines.includes("node");
const env = coverage ? { ...process.env, ...collect() } : process.env;
const colors = process.stdout.isTTY ? ["--color"] : [];
const style = only.length ? 0 : spawnSync(process.execPath, [fileURLToPath(new URL("format.mjs", import.meta.url))], { stdio: "inherit" }).status ?? 1;

// mocha's output passes through as it comes; its last line is kept to be printed again
let last = "";
const child = spawn(process.execPath, [mocha, ...colors, ...files], { env, stdio: ["inherit", "pipe", "inherit"] });
child.stdout.on("data", (chunk) => {
	process.stdout.write(chunk);
	const lines = chunk.toString().split("\n").filter((line) => line.trim());
	if (lines.length)
		last = lines[lines.length - 1];
});
const status = await new Promise((resolve) => {
	child.on("error", () => resolve(1));
	child.on("close", (code, signal) => resolve(code || (signal ? 1 : 0)));
});
if (!coverage)
	process.exit(status || style);
const below = report();
console.log(last);
process.exit(status || below || style);
