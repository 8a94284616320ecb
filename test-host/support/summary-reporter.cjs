// Mocha's spec reporter, then one plain line for CI to read, the run's last:
//   204 passed, 0 failed            (", N skipped" added when tests were skipped)
// A failed hook counts as a failure, as mocha counts it. Works in parallel mode, where the
// main process replays what the workers report.
"use strict";
const { reporters: { Base, Spec } } = require("mocha");

class SummaryReporter extends Spec {
	epilogue() {
		super.epilogue();
		const { passes = 0, failures = 0, pending = 0 } = this.stats;
		Base.consoleLog(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}`);
	}
}

module.exports = SummaryReporter;
