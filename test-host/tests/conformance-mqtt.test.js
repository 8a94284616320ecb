// MQTT 3.1.1 statements that bind a client and that no other test showed, in both engines against
// the scripted broker (CONFORMANCE.md lists every statement and the test of each).
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { ENGINES } from "../engine.js";
import { value } from "../support/results.js";
import { connectTo, nextPackets, withEngineAndFaultBroker } from "../support/fault-suite.js";

let unique = 0;

for (const name of ENGINES) {
	describe(`MQTT 3.1.1 client statements on ${name}`, () => {
		let engine, fault;
		withEngineAndFaultBroker(name, (e, f) => {
			engine = e;
			fault = f;
		});

		async function session(options) {
			const client = await engine.newClient(`conf-${process.pid}-${++unique}`, 30, null, null, 1, 1024, options);
			for (const event of ["connect", "message", "puback"])
				value(await client.call("on", event, engine.fn(event)));
			return { client, conn: await connectTo(client, fault) };
		}

		it("keeps U+FEFF in a topic name it receives, neither skipped nor stripped [MQTT-1.5.3-3]", async () => {
			const { client, conn } = await session();
			conn.sendBytes([0x30, 10, 0, 7, 0xEF, 0xBB, 0xBF, 0x61, 0xEF, 0xBB, 0xBF, 0x78]); // "\uFEFFa\uFEFF", payload "x"
			assert.deepEqual((await client.next("message")).slice(1), ["\uFEFFa\uFEFF", "x"]);
			value(await client.call("close"));
		});

		it("never sends an UNSUBSCRIBE or a SUBSCRIBE without a topic filter [MQTT-3.8.3-3] [MQTT-3.10.3-2]", async () => {
			const { client, conn } = await session();
			for (const [method, table] of [["unsubscribe", {}], ["unsubscribe", []], ["subscribe", []]]) {
				const result = await client.call(method, table);
				assert.equal(result.error?.name, "RangeError", `${method}(${JSON.stringify(table)})`);
				assert.match(result.error.message, new RegExp(`^${method}: table must name at least one topic`));
			}
			value(await client.call("close"));
			const packet = await conn.nextPacket();
			assert.equal(packet.cmd, "disconnect", "nothing before the DISCONNECT");
		});

		it("acknowledges a QoS 1 and a QoS 2 message whose handler throws [MQTT-4.5.0-2]", async () => {
			const client = await engine.newClient(`conf-${process.pid}-${++unique}`, 30);
			value(await client.call("on", "connect", engine.fn("connect")));
			value(await client.call("on", "message", engine.fn("message", { throws: "not interested" })));
			const conn = await connectTo(client, fault);
			conn.send({ cmd: "publish", topic: "t", payload: "one", qos: 1, messageId: 7 });
			conn.send({ cmd: "publish", topic: "t", payload: "two", qos: 2, messageId: 8 });
			assert.deepEqual((await nextPackets(conn, 2)).map((p) => [p.cmd, p.messageId]), [["puback", 7], ["pubrec", 8]]);
			conn.send({ cmd: "pubrel", messageId: 8 });
			assert.deepEqual([(await conn.nextPacket()).cmd, conn.packets.at(-1).messageId], ["pubcomp", 8]);
			await client.next("message");
			await client.next("message");
			assert.ok(engine.traces.some((line) => /message handler threw: .*not interested/.test(line)), "the throw was traced");
			value(await client.call("close"));
		});

		it("takes a QoS 1 message with an id it has acknowledged as a new one, DUP or not [MQTT-4.3.2-2]", async () => {
			const { client, conn } = await session();
			conn.send({ cmd: "publish", topic: "t", payload: "one", qos: 1, messageId: 5 });
			assert.deepEqual([(await conn.nextPacket()).cmd, conn.packets.at(-1).messageId], ["puback", 5]);
			conn.send({ cmd: "publish", topic: "t", payload: "two", qos: 1, messageId: 5, dup: true });
			assert.deepEqual([(await conn.nextPacket()).cmd, conn.packets.at(-1).messageId], ["puback", 5]);
			assert.deepEqual((await client.next("message")).slice(1), ["t", "one"]);
			assert.deepEqual((await client.next("message")).slice(1), ["t", "two"]);
			value(await client.call("close"));
		});

		it("sends PUBRELs in the order the PUBRECs came, whatever the order of the publishes [MQTT-4.6.0-4] [MQTT-4.3.3-1]", async () => {
			const { client, conn } = await session();
			for (const payload of ["a", "b", "c"])
				value(await client.call("publish", "t", payload, 2, 0));
			const sent = await nextPackets(conn, 3);
			assert.deepEqual(sent.map((p) => [p.cmd, p.qos, p.dup]), [["publish", 2, false], ["publish", 2, false], ["publish", 2, false]]);
			const [a, b, c] = sent.map((p) => p.messageId);
			for (const id of [c, a, b])
				conn.send({ cmd: "pubrec", messageId: id });
			const released = await nextPackets(conn, 3);
			assert.deepEqual(released.map((p) => [p.cmd, p.messageId]), [["pubrel", c], ["pubrel", a], ["pubrel", b]]);
			for (const id of [c, a, b])
				conn.send({ cmd: "pubcomp", messageId: id });
			const done = [];
			for (let i = 0; i < 3; i++)
				done.push((await client.next("puback"))[1]);
			assert.deepEqual(done, [c, a, b]);
			await new Promise((resolve) => setTimeout(resolve, 50));
			assert.deepEqual(conn.packets.filter((p) => p.cmd === "publish").length, 3, "no PUBLISH again once its PUBREL went");
			value(await client.call("close"));
		});
	});
}
