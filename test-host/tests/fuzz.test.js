// Random and mutated byte streams through the decoder; tools/fuzz.mjs runs 100,000 such cases.
import { it } from "mocha";
import assert from "node:assert/strict";
import fc from "fast-check";
import { property } from "../support/fuzz-property.js";

it("the decoder never throws, never over-reads, and ends delivered or with one clean protocol error (2,000 cases)", () => {
	const tally = {};
	fc.assert(property(tally), { numRuns: 2_000, seed: 20261124 });
	assert.equal((tally.delivered ?? 0) + (tally["protocol error"] ?? 0), 2_000);
	assert.ok(tally.delivered > 0 && tally["protocol error"] > 0, JSON.stringify(tally));
});
