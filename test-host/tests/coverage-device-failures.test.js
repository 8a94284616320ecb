// Failures Moddable's modules report in ways the host's stand-ins do not, made here in the Node
// engine by putting a stand-in that behaves as the device's in their place for one test:
// - Moddable's TLS socket (examples/io/tcp/tlssocket) makes its TCP socket with options.TCP.io
//   and runs the handshake inside that socket's callbacks, so a failed handshake is an exception
//   thrown from them (the host's TLS stand-in reports it through onError instead); its
//   constructor throws for a CA certificate outside its dates; its onError carries no cause;
// - Net.resolve throws when lwIP's queue of lookups is full.
// What the client must make of each: one connfail (-5, or -3 for the lookup), from a turn of its
// own, with the cause traced in words a user can act on.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import Modules from "modules";
import Net from "net";
import { startEngine } from "../engine.js";
import { FaultBroker } from "../brokers/fault-broker.js";
import { value } from "../support/results.js";

const TLS = "embedded:io/socket/tcp/tls";

/** A TLS socket that fails as Moddable's does: `how` is "throw" (from a TCP callback), "construct" or "error". */
function moddableTLS(how, message) {
	return class ModdableLikeTLS {
		constructor(options) {
			if (how === "construct")
				throw new Error(message);
			this.tcp = new options.TCP.io({
				address: options.address,
				port: options.port,
				onReadable() {},
				onWritable() { // the TCP connection is up: the handshake starts, and fails
					if (how === "throw")
						throw new Error(message);
					options.onError();
				},
				onError() {},
			});
		}
		read() {}
		write() {}
		close() {
			this.tcp.close();
		}
	};
}

describe("failures as the device's modules report them, on node", () => {
	let engine, fault;
	const importNow = Modules.importNow, resolve = Net.resolve;
	before(async () => {
		engine = await startEngine("node");
		fault = await FaultBroker.start();
	});
	after(async () => {
		Modules.importNow = importNow;
		Net.resolve = resolve;
		await engine?.close();
		await fault?.close();
	});

	/** Connects securely through a TLS socket that fails `how`; returns the reason and what was traced. */
	async function secureFailure(how, message) {
		const TLSSocket = moddableTLS(how, message);
		Modules.importNow = (name) => name === TLS ? TLSSocket : importNow(name);
		try {
			const client = await engine.newClient(`tls-fail-${how}`, 30);
			const from = engine.traces.length;
			value(await client.call("connect", "127.0.0.1", fault.port, true, engine.fn("connect"), engine.fn("failed")));
			const [, reason] = await client.next("failed");
			await new Promise((resolve) => setTimeout(resolve, 50)); // a second report would come by now
			assert.deepEqual(client.events.map((e) => e.label), ["failed"]);
			return { reason, traced: engine.traces.slice(from).filter((line) => line.startsWith("mqtt: connection failed")) };
		}
		finally {
			Modules.importNow = importNow;
		}
	}

	it("a handshake that throws inside the TCP callbacks is one connfail -5, its cause traced in the user's words", async () => {
		for (const [message, words] of [
			["date validation failed", "certificate expired or not yet valid; is the clock set? (date validation failed)"],
			["auth err", "certificate not trusted, or the broker's name is not in its subjectAltName (auth err)"],
			["received alert 40", "the broker ended the handshake (received alert 40)"],
			["bad record mac", "handshake failed (bad record mac)"],
		]) {
			const { reason, traced } = await secureFailure("throw", message);
			assert.equal(reason, -5, message);
			assert.deepEqual(traced, [`mqtt: connection failed: ${words}\n`]);
		}
	});

	it("a TLS socket that refuses to be made (a CA outside its dates) is one connfail -5 with its cause", async () => {
		const { reason, traced } = await secureFailure("construct", "date validation failed");
		assert.equal(reason, -5);
		assert.deepEqual(traced, ["mqtt: connection failed: certificate expired or not yet valid; is the clock set? (date validation failed)\n"]);
	});

	it("the device's onError, which carries no cause, is one connfail -5 and no cause traced", async () => {
		const { reason, traced } = await secureFailure("error");
		assert.equal(reason, -5);
		assert.deepEqual(traced, []);
	});

	it("a lookup that Net.resolve refuses outright (lwIP's queue full) is one connfail -3, after connect() returned", async () => {
		Net.resolve = () => {
			throw new Error("too many lookups");
		};
		try {
			const client = await engine.newClient("dns-full", 30);
			const result = await client.call("connect", "broker.example", 1883, engine.fn("connect"), engine.fn("failed"));
			assert.deepEqual(result, { value: true });
			assert.deepEqual(client.events, [], "not from inside connect()");
			assert.deepEqual((await client.next("failed")).slice(1), [-3]);
		}
		finally {
			Net.resolve = resolve;
		}
	});
});
