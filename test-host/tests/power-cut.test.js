// The power-cut test (tools/power-cut.mjs) in both engines: 5,000 QoS 1 and 5,000 QoS 2
// readings through mosquitto, the app's process killed with SIGKILL at least 10 times and
// started again on the same flash file; nothing accepted may be lost, no QoS 2 reading doubled.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { ENGINES } from "../engine.js";
import { powerCut, summary } from "../../tools/power-cut.mjs";

for (const engine of ENGINES) {
	describe(`power cuts on ${engine}`, () => {
		it("loses nothing publish accepted, and delivers QoS 2 exactly once, over 10 kills or more", async function() {
			this.timeout(180_000);
			const result = await powerCut({ engine });
			console.log(`      ${engine}: ${summary(result)}`);
			assert.ok(result.kills >= 10);
			assert.ok(result.acceptedQos1 >= 5000 && result.acceptedQos2 >= 5000);
			assert.equal(result.missing, 0, "every accepted reading arrived");
			assert.equal(result.duplicatesQos2, 0, "QoS 2 exactly once");
		});
	});
}
