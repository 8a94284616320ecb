// The host runtime keeps no more than the device would: what it holds on behalf of Moddable's
// modules must not show up as the client's memory in `npm run memory`.
import { it } from "mocha";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startEngine } from "../engine.js";
import { until } from "../support/results.js";

const APP = fileURLToPath(new URL("../fixtures/timers/app.js", import.meta.url));

it("XS: a one-shot timer that has run is garbage, as on the device (the stand-in's registry lets it go)", async () => {
	const engine = await startEngine("xs");
	try {
		await engine.run(APP);
		await engine.command({ op: "timers.start", count: 1 }); // the first use of Timer sets up what stays
		const before = await engine.heap();
		await engine.command({ op: "timers.start", count: 300 });
		await until(async () => (await engine.command({ op: "timers.fired" })).value === 301, "301 timers fired");
		assert.equal((await engine.command({ op: "timers.fired" })).value, 301);
		const after = await engine.heap();
		assert.ok(after.slots - before.slots < 50, `300 timers that ran still hold ${after.slots - before.slots} slots`);
	}
	finally {
		await engine.close();
	}
});
