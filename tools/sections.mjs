// Writes measured figures into BENCHMARKS.md, the one place where they live. A measuring tool
// run with --write (npm run bench, npm run memory, npm run device-check -- --esp) owns two
// things there:
// - its sections: the text between the lines `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`,
//   which it writes whole (a heading, then what it measured);
// - its rows of the summary table (section `summary`), each tagged `<!-- row:NAME -->` in its
//   last cell, which links to the section.
// Nothing else in the file changes, so the sections of a run that skipped them (no SDK, a
// BENCH_ONLY subset) keep their last figures.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BENCHMARKS = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));
/** The summary is for reading at a glance: a tool that would make it longer fails instead. */
export const SUMMARY_ROWS = 10;
const NAME = /^[a-z][a-z0-9-]*$/;

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(title) {
	return title.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** A Markdown table; a column whose title ends in ":" is aligned right (the colon is dropped). */
export function table(columns, rows) {
	return [
		`| ${columns.map((c) => c.replace(/:$/, "")).join(" | ")} |`,
		`|${columns.map((c) => (c.endsWith(":") ? "---:" : "---")).join("|")}|`,
		...rows.map(tableRow),
	].join("\n");
}

function tableRow(cells) {
	return `| ${cells.map((value) => String(value ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ")).join(" | ")} |`;
}

/** Where the section's body lies: [start, end) character offsets between its two marker lines. */
function locate(text, name) {
	if (!NAME.test(name))
		throw new Error(`sections: a section name is lower case letters, digits and hyphens, got ${JSON.stringify(name)}`);
	const lines = (marker) => {
		const found = [];
		for (const match of text.matchAll(new RegExp(`^${marker}[ \\t]*$`, "gm")))
			found.push(match.index);
		return found;
	};
	const opens = lines(`<!-- bench:${name} -->`), closes = lines(`<!-- /bench:${name} -->`);
	if (opens.length !== 1 || closes.length !== 1 || closes[0] < opens[0])
		throw new Error(
			`sections: the file must hold <!-- bench:${name} --> once, then <!-- /bench:${name} --> once (found ${opens.length} and ${closes.length})`,
		);
	return [text.indexOf("\n", opens[0]) + 1, closes[0]];
}

/** The text with section `name`'s body replaced by `body`. */
export function replaceSection(text, name, body) {
	const [start, end] = locate(text, name);
	return `${text.slice(0, start)}\n${body.trim()}\n\n${text.slice(end)}`;
}

/**
 * The text with the summary rows of section `name` replaced by `rows` (arrays of cells, the
 * link to the section added as the last): where its old rows were, or after the last row.
 */
export function replaceSummaryRows(text, name, title, rows) {
	const tag = `<!-- row:${name} -->`;
	const [start, end] = locate(text, "summary");
	const lines = text.slice(start, end).split("\n");
	const mine = (line) => line.startsWith("|") && line.includes(tag);
	let at = lines.findIndex(mine);
	if (at < 0)
		at = lines.findLastIndex((line) => line.startsWith("|")) + 1;
	if (at <= 0)
		throw new Error("sections: the summary section holds no table");
	const kept = lines.filter((line, i) => i < at && !mine(line));
	const after = lines.filter((line, i) => i >= at && !mine(line));
	const link = `[${title}](#${slug(title)})`;
	const written = rows.map((row) => `${tableRow([...row, link]).slice(0, -2)} ${tag} |`);
	const body = [...kept, ...written, ...after];
	const count = body.filter((line) => line.includes("<!-- row:")).length;
	if (count > SUMMARY_ROWS)
		throw new Error(`sections: the summary would have ${count} rows, more than ${SUMMARY_ROWS}`);
	return text.slice(0, start) + body.join("\n") + text.slice(end);
}

/**
 * Writes each of `sections` ({ name, title, body, summary? }) into `file`: the section gets a
 * heading of its title, then its body; `summary`, when given, replaces the section's rows of
 * the summary table. All are checked before the file is written, so a failure changes nothing.
 */
export function writeSections(sections, file = BENCHMARKS) {
	let text = readFileSync(file, "utf8");
	for (const { name, title, body, summary } of sections) {
		text = replaceSection(text, name, `### ${title}\n\n${body.trim()}`);
		if (summary)
			text = replaceSummaryRows(text, name, title, summary);
	}
	writeFileSync(file, text);
	console.log(`wrote ${sections.map((s) => s.name).join(", ")} into ${file}`);
}

/** The first line of a section: when and where its figures were measured. */
export function measuredOn(what) {
	return `Measured on ${new Date().toISOString().slice(0, 10)}: ${what}.`;
}
