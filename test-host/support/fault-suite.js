// The setup several suites share: an engine of the named kind and a scripted fault broker,
// started before the suite's tests and closed after them; `ready` receives both.
import { after, before } from "mocha";
import { startEngine } from "../engine.js";
import { FaultBroker } from "../brokers/fault-broker.js";
import { value } from "./results.js";

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

/** Connects `client` to the fault broker, which accepts: its side of the link, once `connect` came. */
export async function connectTo(client, fault, sessionPresent = false) {
	value(await client.call("connect", "127.0.0.1", fault.port, false));
	const conn = await fault.nextConnection();
	await conn.acceptConnect({ returnCode: 0, sessionPresent });
	await client.next("connect");
	return conn;
}

/** The next `n` packets the client sent on `conn`. */
export async function nextPackets(conn, n, timeout) {
	const out = [];
	for (let i = 0; i < n; i++)
		out.push(await conn.nextPacket(timeout));
	return out;
}
