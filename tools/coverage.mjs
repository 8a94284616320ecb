// Branch coverage of modules/mqtt/*.ts under the Node engine, and its floor. V8 counts what the
// host build (build/host, compiled with source maps) ran in every process of the suite, mocha's
// workers included, and c8 maps the counts back to the .ts lines. The XS engine runs the same
// sources in xsnap, which V8 does not see: its runs add nothing here.
//
// tools/test.mjs collects it whenever the whole suite runs in the Node engine (`npm test`, and so
// CI) and fails below FLOOR; `npm run coverage` runs the Node engine alone and prints the same.
// The table lists each file's uncovered lines; .tmp/coverage/lcov.info has every branch.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Percent of branches a whole-suite run must cover; a little below what it reaches (96.84 %
 * with MQTT 5 and WebSocket in), as V8's count of branches moves by a few with timing (a block
 * never entered counts as one). */
export const FLOOR = 96.5;

const root = fileURLToPath(new URL("..", import.meta.url));
const raw = `${root}.tmp/coverage/raw`;
const reports = `${root}.tmp/coverage`;
const c8 = createRequire(import.meta.url).resolve("c8/bin/c8.js");

/** The environment that makes every Node process of the run write its counts; clears the last run's. */
export function collect() {
	rmSync(reports, { recursive: true, force: true });
	return { NODE_V8_COVERAGE: raw };
}

/** Prints the per-file table and the total against FLOOR; returns 0, or 1 below the floor. */
export function report() {
	if (!existsSync(raw)) {
		console.error("coverage: no counts were written (did the Node engine run?)");
		return 1;
	}
	const result = spawnSync(process.execPath, [
		c8,
		"report",
		"--temp-directory",
		raw,
		"--report-dir",
		reports,
		"--src",
		"build/host/modules/mqtt",
		"--all", // a module no test loads shows as 0 %, not as nothing
		"--include",
		"build/host/modules/mqtt/*.js",
		"--exclude",
		"build/host/modules/mqtt/link.js", // interfaces only: its .js is empty
		"--reporter",
		"text",
		"--reporter",
		"json-summary",
		"--reporter",
		"lcovonly",
	], { cwd: root, stdio: "inherit" });
	if (result.status !== 0)
		return 1;
	const { branches } = JSON.parse(readFileSync(`${reports}/coverage-summary.json`, "utf8")).total;
	const below = branches.pct < FLOOR;
	console.log(
		`coverage: ${branches.pct} % of the branches in modules/mqtt (${branches.covered} of ${branches.total}) under the Node engine; the floor is ${FLOOR} %${
			below ? ": BELOW THE FLOOR" : ""
		}`,
	);
	return below ? 1 : 0;
}
