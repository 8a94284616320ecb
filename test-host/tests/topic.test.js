// Topic names and filters as an application gives them (MQTT 3.1.1 section 4.7).
import { it } from "mocha";
import assert from "node:assert/strict";
import { topicFilterError, topicNameError } from "../../build/host/modules/mqtt/topic.js";

it("topic names", () => {
	for (const ok of ["a", "a/b", "/", "/a/", "sport/tennis/player1", "\u00e9/\u{1F600}", " ", "$SYS/x", "a".repeat(65_535)])
		assert.equal(topicNameError(ok), undefined, ok.slice(0, 20));
	const bad = [
		["", /must not be empty/],
		["a/+", /wildcards/],
		["#", /wildcards/],
		["a/#", /wildcards/],
		["a\u0000b", /U\+0000/],
		["a\uD800", /UTF-8/],
		["a".repeat(65_536), /at most 65535 bytes/],
		["\u00e9".repeat(32_768), /at most 65535 bytes/],
		[5, /must be a string/],
		[undefined, /must be a string/],
	];
	for (const [topic, pattern] of bad)
		assert.match(topicNameError(topic) ?? "", pattern, String(topic).slice(0, 20));
});

it("topic filters", () => {
	for (const ok of ["#", "+", "+/+", "a/#", "a/+/b", "/+", "+/", "sport/tennis/#", "$SYS/#"])
		assert.equal(topicFilterError(ok), undefined, ok);
	const bad = [
		["a#", /whole level/],
		["a/b#", /whole level/],
		["a/#/b", /last level/],
		["#/", /last level/],
		["a+", /whole level/],
		["a/+b", /whole level/],
		["", /empty/],
		["x\uDC00", /UTF-8/],
	];
	for (const [filter, pattern] of bad)
		assert.match(topicFilterError(filter) ?? "", pattern, filter);
});
