// The sleepy sensor (src/examples/sleepy) through its wake cycles, in both engines: each wake is
// a process on the same flash, ended when the app says it sleeps or cut by SIGKILL at a random
// moment, with a mosquitto restart (persistence on) halfway; tools/sleepy.mjs counts with its
// own MQTT.js subscriber. `npm run sleepy` runs the 200 wakes the figures come from.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { ENGINES } from "../engine.js";
import { passed, sleepyCycles, summary } from "../../tools/sleepy.mjs";

for (const name of ENGINES) {
	describe(`the sleepy sensor's wake cycles on ${name}`, () => {
		it("every reading accepted arrives (QoS 2 once), every command sent while it slept is delivered once", async function() {
			this.timeout(180_000);
			const result = await sleepyCycles({ engine: name, cycles: 16, kill: 0.3, commands: 4, clientid: `sleepy-test-${name}-${process.pid}` });
			console.log(`      ${summary(result)}`);
			assert.ok(result.slept >= 4 && result.acceptedQos1 + result.acceptedQos2 >= 4, summary(result));
			assert.ok(passed(result), summary(result));
		});
	});
}
