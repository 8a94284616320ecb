// Runs every test file under test-host/ with mocha (options in .mocharc.yml: the host runtime's
// loader, two files at a time, the summary reporter), or only the files given as arguments.
// Exits non-zero when any test fails. `npm test` runs tools/setup.sh first.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

function collect(dir, out = []) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory() && entry.name !== "node_modules")
			collect(path, out);
		else if (entry.name.endsWith(".test.js"))
			out.push(path);
	}
	return out;
}

const mocha = createRequire(import.meta.url).resolve("mocha/bin/mocha.js");
const only = process.argv.slice(2);
const files = only.length ? only : collect("test-host").sort();
const result = spawnSync(process.execPath, [mocha, ...files], { stdio: "inherit" });
process.exit(result.status || (result.signal || result.error ? 1 : 0));
