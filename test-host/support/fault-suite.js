// The setup several suites share: an engine of the named kind and a scripted fault broker,
// started before the suite's tests and closed after them; `ready` receives both.
import { after, before } from "mocha";
import { startEngine } from "../engine.js";
import { FaultBroker } from "../brokers/fault-broker.js";

export function withEngineAndFaultBroker(name, ready) {
	let engine, fault;
	before(async () => {
		engine = await startEngine(name);
		fault = await FaultBroker.start();
		ready(engine, fault);
	});
	after(async () => {
		await engine?.close();
		await fault?.close();
	});
}
