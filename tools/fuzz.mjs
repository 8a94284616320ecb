// Fuzzes the decoder: `npm run fuzz [-- cases]` (default 100,000). Prints how many cases ended
// with packets delivered and how many with a clean protocol error; exits 1 with the
// counterexample when the decoder's contract breaks (see test-host/support/fuzz-property.js).
import fc from "fast-check";
import { property } from "../test-host/support/fuzz-property.js";

const cases = Number(process.argv[2] ?? 100_000);
const tally = {};
const start = performance.now();
const result = fc.check(property(tally), { numRuns: cases });
const seconds = ((performance.now() - start) / 1000).toFixed(1);
if (result.failed) {
	console.log(fc.defaultReportMessage(result));
	process.exit(1);
}
console.log(
	`fuzz: ${result.numRuns} cases in ${seconds} s: ${tally.delivered ?? 0} delivered, ${
		tally["protocol error"] ?? 0
	} ended in a clean protocol error, 0 failures (seed ${result.seed})`,
);
