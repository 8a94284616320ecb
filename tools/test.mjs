// Runs every test file under test-host/ with the host runtime's loader (Moddable specifiers
// resolve to test-host/node/* or the compiled modules). `npm test` runs tools/setup.sh first.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

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

const only = process.argv.slice(2);
const files = only.length ? only : collect("test-host").sort();
const result = spawnSync(process.execPath, [
	"--import", "./test-host/register.js",
	"--test", "--test-concurrency=2", "--test-reporter=spec",
	...files,
], { stdio: "inherit" });
process.exit(result.status ?? 1);
