// The public API's rarer argument forms, in both engines against the scripted broker: nil in
// every optional place, the deprecated 0/1 for secure, tables as arrays of pairs, a full queue,
// the defaults that only show on the wire (keepalive, reconnect), and the checks of options.tls
// that the other input tests do not reach.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { ENGINES } from "../engine.js";
import { value } from "../support/results.js";
import { connectTo, withEngineAndFaultBroker } from "../support/fault-suite.js";

let unique = 0;
const id = (name) => `cov-${process.pid}-${name}-${++unique}`;

for (const name of ENGINES) {
	describe(`the API's rarer forms on ${name}`, () => {
		let engine, fault;
		withEngineAndFaultBroker(name, (e, f) => {
			engine = e;
			fault = f;
		});

		it("mqtt.Client names the argument and the rule for these too", async () => {
			const cases = [
				[["a\uD800b", 60], "RangeError", /mqtt.Client: clientid must be valid UTF-8 \(lone surrogate\)/],
				[["id", false], "RangeError", /mqtt.Client: keepalive must be an integer from 0 to 65535 seconds, got false/],
				[["id", 60, null, null, 1, 1024, "fast"], "TypeError", /mqtt.Client: options must be an object/],
				[["id", 60, null, null, 1, 1024, { tls: 5 }], "TypeError", /mqtt.Client: options.tls must be an object/],
				[
					["id", 60, null, null, 1, 1024, { tls: { certificate: "-----BEGIN" } }],
					"TypeError",
					/mqtt.Client: options.tls.certificate must be an ArrayBuffer holding a DER certificate/,
				],
				[
					["id", 60, null, null, 1, 1024, { tls: { clientCertificates: [{ $bytes: [1] }], clientKey: "key" } }],
					"TypeError",
					/mqtt.Client: options.tls.clientKey must be an ArrayBuffer holding a PKCS#8 DER key/,
				],
			];
			for (const [args, type, pattern] of cases) {
				const error = await engine.newClientError(...args);
				assert.ok(error, `mqtt.Client(${JSON.stringify(args)}) should throw`);
				assert.equal(error.name, type, error.message);
				assert.match(error.message, pattern);
			}
		});

		it("keepalive 0, nil or missing is 60 s in CONNECT", async () => {
			for (const args of [[0], [null], []]) {
				const client = await engine.newClient(id("keepalive"), ...args);
				value(await client.call("on", "connect", engine.fn("connect")));
				const conn = await connectTo(client, fault);
				assert.equal(conn.connect.keepalive, 60, `mqtt.Client(id, ${args.map(String)})`);
				value(await client.call("close"));
				await conn.waitClosed();
			}
		});

		it("options.reconnect true tries again by itself, first within the default min of 1 s", async () => {
			const client = await engine.newClient(id("reconnect"), 30, null, null, 1, 1024, { reconnect: true });
			for (const event of ["connect", "offline"])
				value(await client.call("on", event, engine.fn(event)));
			const conn = await connectTo(client, fault);
			const dropped = Date.now();
			conn.destroy();
			await client.next("offline");
			const again = await fault.nextConnection();
			await again.acceptConnect();
			await client.next("connect");
			assert.ok(Date.now() - dropped < 2_000, `back after ${Date.now() - dropped} ms`);
			value(await client.call("close"));
		});

		it("lwt with a nil qos is a QoS 0 will; on(event, nil) removes the handler", async () => {
			const client = await engine.newClient(id("nil"), 30);
			value(await client.call("lwt", "will/t", "bye", null));
			value(await client.call("on", "connect", engine.fn("connect")));
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("on", "message", null));
			const conn = await connectTo(client, fault);
			assert.deepEqual(
				[conn.connect.will.topic, conn.connect.will.payload.toString(), conn.connect.will.qos, conn.connect.will.retain],
				["will/t", "bye", 0, false],
			);
			conn.send({ cmd: "publish", topic: "in", payload: "unheard", qos: 1, messageId: 3 });
			assert.deepEqual([(await conn.nextPacket()).cmd, conn.packets.at(-1).messageId], ["puback", 3]);
			await client.get("packetId"); // a round trip: an event posted before it would be here by now
			assert.deepEqual(client.events.filter((e) => e.label === "message"), []);
			value(await client.call("close"));
		});

		it("connect: secure as 0 connects in the clear with one deprecation trace, nil is false, and a sixth argument is an error", async () => {
			const client = await engine.newClient(id("secure"), 30);
			const deprecated = () => engine.traces.filter((line) => /secure as 0\/1 is deprecated/.test(line)).length;
			const before = deprecated();
			for (const secure of [0, 0, null]) {
				value(await client.call("connect", "127.0.0.1", fault.port, secure, engine.fn("connect")));
				const conn = await fault.nextConnection();
				await conn.acceptConnect();
				await client.next("connect");
				value(await client.call("close"));
				await conn.waitClosed();
			}
			assert.equal(deprecated() - before, 1, "traced once for the client's life");
			const result = await client.call("connect", "127.0.0.1", fault.port, false, engine.fn("a"), engine.fn("b"), 5);
			assert.equal(result.error?.name, "TypeError");
			assert.match(result.error.message, /connect: arguments are \(host\[, port\[, secure\]\]\[, onConnected\[, onFailed\]\]\), got 6/);
		});

		it("subscribe: a handler in the qos's place, a nil qos, and an array of [topic, qos] pairs", async () => {
			const client = await engine.newClient(id("subscribe"), 30);
			value(await client.call("on", "connect", engine.fn("connect")));
			const conn = await connectTo(client, fault);
			const filters = (p) => p.subscriptions.map((s) => [s.topic, s.qos]);
			value(await client.call("subscribe", "a", engine.fn("suback-a")));
			let packet = await conn.nextPacket();
			assert.deepEqual(filters(packet), [["a", 0]]);
			conn.send({ cmd: "suback", messageId: packet.messageId, granted: [0] });
			assert.deepEqual((await client.next("suback-a")).slice(1), [packet.messageId, [0]]);
			value(await client.call("subscribe", "b", null));
			packet = await conn.nextPacket();
			assert.deepEqual(filters(packet), [["b", 0]]);
			conn.send({ cmd: "suback", messageId: packet.messageId, granted: [0] });
			assert.deepEqual((await client.next("suback-a")).slice(1), [packet.messageId, [0]], "nil keeps the handler");
			value(await client.call("subscribe", [["c", 1], ["d/#", 2]], engine.fn("suback-cd")));
			packet = await conn.nextPacket();
			assert.deepEqual(filters(packet), [["c", 1], ["d/#", 2]]);
			conn.send({ cmd: "suback", messageId: packet.messageId, granted: [1, 0x80] });
			assert.deepEqual((await client.next("suback-cd")).slice(1), [packet.messageId, [1, 0x80]]);
			value(await client.call("close"));
		});

		it("subscribe returns false when the window and the queue are full, and the queued one goes after the SUBACK", async () => {
			const client = await engine.newClient(id("full"), 30, null, null, 1, 1024, { window: 1, queue: 1 });
			value(await client.call("on", "connect", engine.fn("connect")));
			const conn = await connectTo(client, fault);
			assert.deepEqual(value(await client.calls(["subscribe", "x", 0], ["subscribe", "y", 0], ["subscribe", "z", 0], ["unsubscribe", "x"])), [
				true,
				true,
				false,
				false,
			]);
			const first = await conn.nextPacket();
			assert.equal(first.subscriptions[0].topic, "x");
			conn.send({ cmd: "suback", messageId: first.messageId, granted: [0] });
			const second = await conn.nextPacket();
			assert.equal(second.subscriptions[0].topic, "y");
			value(await client.call("close"));
		});

		it("a host that only looks like an IPv4 address is looked up, and does not resolve: -3", async () => {
			const client = await engine.newClient(id("dots"), 30);
			for (const host of ["1..2.3", ".1.2.3"]) {
				value(await client.call("connect", host, 1883, engine.fn("connect"), engine.fn("failed")));
				assert.deepEqual((await client.next("failed", 10_000)).slice(1), [-3], host);
			}
		});
	});
}
