// The measuring tools write BENCHMARKS.md through tools/sections.mjs: only between their markers
// and their own summary rows, so that a run that skips a section keeps its last figures. The
// documents link to BENCHMARKS.md's sections rather than copying figures, and the links resolve.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SUMMARY_ROWS, replaceSection, replaceSummaryRows, slug, table, writeSections } from "../../tools/sections.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (file) => readFileSync(join(root, file), "utf8");

const DOCUMENT = `# Benchmarks

<!-- bench:summary -->
| what | ours | met? | row |
|---|---:|---|---|
| a | 1 | met | [A](#a) <!-- row:a --> |
| b1 | 2 | met | [B](#b) <!-- row:b --> |
| b2 | 3 | missed | [B](#b) <!-- row:b --> |
<!-- /bench:summary -->

Hand-written text between sections, with a figure: 42.

<!-- bench:a -->
### A

old a
<!-- /bench:a -->

<!-- bench:b -->
### B

old b
<!-- /bench:b -->

## How to read it
`;

describe("sections", () => {
	it("a section's body is replaced between its markers and nowhere else", () => {
		const text = replaceSection(DOCUMENT, "a", "new a\nsecond line");
		assert.match(text, /<!-- bench:a -->\n\nnew a\nsecond line\n\n<!-- \/bench:a -->/);
		assert.doesNotMatch(text, /old a/);
		const [before, after] = DOCUMENT.split(/<!-- bench:a -->[^]*<!-- \/bench:a -->/);
		assert.ok(text.startsWith(before) && text.endsWith(after), "the text outside the markers is unchanged");
		assert.equal(replaceSection(text, "a", "new a\nsecond line"), text, "writing the same figures again changes nothing");
	});

	it("a missing, repeated or reversed marker is an error, and the file is not written", () => {
		assert.throws(() => replaceSection(DOCUMENT, "c", "x"), /<!-- bench:c --> once, then <!-- \/bench:c --> once \(found 0 and 0\)/);
		assert.throws(() => replaceSection(`${DOCUMENT}\n<!-- bench:a -->\n`, "a", "x"), /found 2 and 1/);
		assert.throws(() => replaceSection("<!-- /bench:a -->\n<!-- bench:a -->\n", "a", "x"), /once/);
		assert.throws(() => replaceSection(DOCUMENT, "A b", "x"), /lower case letters/);
		assert.throws(() => replaceSection("text <!-- bench:a --> and <!-- /bench:a --> inline\n", "a", "x"), /found 0 and 0/, "markers are whole lines");
		const file = join(mkdtempSync(join(tmpdir(), "sections-")), "BENCHMARKS.md");
		writeFileSync(file, DOCUMENT);
		assert.throws(() => writeSections([{ name: "a", title: "A", body: "new a" }, { name: "c", title: "C", body: "new c" }], file));
		assert.equal(readFileSync(file, "utf8"), DOCUMENT);
	});

	it("a tool's summary rows replace its own, in their place, and leave the others", () => {
		const text = replaceSummaryRows(DOCUMENT, "a", "A", [["a1", 10, "met"], ["a2", 11, "missed"]]);
		const rows = text.split("\n").filter((line) => line.includes("<!-- row:"));
		assert.deepEqual(rows, [
			"| a1 | 10 | met | [A](#a) <!-- row:a --> |",
			"| a2 | 11 | missed | [A](#a) <!-- row:a --> |",
			"| b1 | 2 | met | [B](#b) <!-- row:b --> |",
			"| b2 | 3 | missed | [B](#b) <!-- row:b --> |",
		]);
		const fewer = replaceSummaryRows(text, "b", "B", [["b", "4 | 5", "met"]]);
		assert.deepEqual(fewer.split("\n").filter((line) => line.includes("<!-- row:")).slice(2), ["| b | 4 \\| 5 | met | [B](#b) <!-- row:b --> |"]);
		const added = replaceSummaryRows(DOCUMENT, "new-one", "New one, at last", [["n", 1, "met"]]);
		assert.match(
			added,
			/\| b2 \| 3 \| missed \| \[B\]\(#b\) <!-- row:b --> \|\n\| n \| 1 \| met \| \[New one, at last\]\(#new-one-at-last\) <!-- row:new-one --> \|\n<!-- \/bench:summary -->/,
		);
		assert.equal(replaceSummaryRows(added, "new-one", "New one, at last", [["n", 1, "met"]]), added);
	});

	it(`the summary keeps at most ${SUMMARY_ROWS} rows`, () => {
		const ten = Array.from({ length: SUMMARY_ROWS - 3 }, (_, i) => [`c${i}`, i, "met"]);
		const full = replaceSummaryRows(DOCUMENT, "c", "C", ten);
		assert.throws(() => replaceSummaryRows(full, "d", "D", [["one more", 1, "met"]]), /11 rows, more than 10/);
	});

	it("writeSections writes each section under its heading and its summary rows", () => {
		const file = join(mkdtempSync(join(tmpdir(), "sections-")), "BENCHMARKS.md");
		writeFileSync(file, DOCUMENT);
		writeSections([{ name: "b", title: "B", body: table(["x", "y:"], [["1", 2]]), summary: [["b", 9, "met"]] }], file);
		const text = readFileSync(file, "utf8");
		assert.match(text, /<!-- bench:b -->\n\n### B\n\n\| x \| y \|\n\|---\|---:\|\n\| 1 \| 2 \|\n\n<!-- \/bench:b -->/);
		assert.match(text, /\| a \| 1 \| met \| \[A\]\(#a\) <!-- row:a --> \|\n\| b \| 9 \| met \| \[B\]\(#b\) <!-- row:b --> \|\n<!--/);
		assert.match(text, /old a/);
	});

	it("anchors are GitHub's", () => {
		assert.equal(slug("XS vs Moddable's client"), "xs-vs-moddables-client");
		assert.equal(slug("Heap of one client, inside XS"), "heap-of-one-client-inside-xs");
		assert.equal(slug("ESP8266 images (release)"), "esp8266-images-release");
	});
});

describe("the documents", () => {
	const benchmarks = read("BENCHMARKS.md");
	const anchors = new Set([...benchmarks.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1])));

	it(`BENCHMARKS.md: at most ${SUMMARY_ROWS} summary rows, each in a section of its own and linking to it`, () => {
		const summary = benchmarks.match(/<!-- bench:summary -->([^]*?)<!-- \/bench:summary -->/)[1];
		const rows = summary.split("\n").filter((line) => line.includes("<!-- row:"));
		assert.ok(rows.length > 0 && rows.length <= SUMMARY_ROWS, `${rows.length} rows`);
		for (const row of rows) {
			const [, anchor, name] = row.match(/\]\(#([^)]+)\) <!-- row:([a-z0-9-]+) --> \|$/);
			const section = benchmarks.match(new RegExp(`<!-- bench:${name} -->\\n\\n### (.*)\\n`));
			assert.ok(section, `section ${name} exists`);
			assert.equal(slug(section[1]), anchor);
		}
	});

	for (const file of ["README.md", "CONTRIBUTING.md", "targets/esp8266/README.md"]) {
		it(`${file}: every link into BENCHMARKS.md names one of its headings`, () => {
			const links = [...read(file).matchAll(/BENCHMARKS\.md#([^)\s`]+)/g)].map((m) => m[1]);
			assert.ok(links.length > 0, "the figures are linked, not copied");
			for (const anchor of links)
				assert.ok(anchors.has(anchor), `BENCHMARKS.md#${anchor}`);
		});
	}

	it("README.md: connect, publish, subscribe and the ESP8266 build come in the first 100 lines", () => {
		const head = read("README.md").split("\n").slice(0, 100).join("\n");
		for (
			const needed of [/\.connect\(/, /\.publish\(/, /\.subscribe\(/, /mcconfig -d -m -p esp/, /mcconfig .*-t deploy/, /921600/, /npm test/, /npm start/]
		)
			assert.match(head, needed);
		assert.doesNotMatch(read("README.md"), /115200/, "Moddable's ESP8266 UART runs at 921600 (DEBUGGER_SPEED)");
	});
});
