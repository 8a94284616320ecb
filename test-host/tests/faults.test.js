// A broker that misbehaves, scripted byte by byte (test-host/brokers/fault-broker.js), in both
// engines: split and glued packets, garbage, drops in the middle of a packet and in the middle
// of every QoS 1 and QoS 2 handshake. The client reports through the documented callbacks,
// never throws into the app, and finishes every handshake after reconnecting.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { ENGINES } from "../engine.js";
import { connectTo, withEngineAndFaultBroker } from "../support/fault-suite.js";
import TCP from "../node/tcp.js";

const bytes = (packet) => mqttPacket.generate(packet, { protocolVersion: 4 });
let unique = 0;

for (const name of ENGINES) {
	describe(`a misbehaving broker, client on ${name}`, () => {
		let engine, fault;
		withEngineAndFaultBroker(name, (e, f) => {
			engine = e;
			fault = f;
		});

		/** A client connected to the fault broker, with every event recorded. */
		async function session({ clean = 1, keepalive = 30 } = {}) {
			const client = await engine.newClient(`fault-${name}-${++unique}`, keepalive, null, null, clean);
			for (const event of ["connect", "offline", "message", "puback", "suback", "unsuback", "overflow", "connfail"])
				await client.call("on", event, engine.fn(event));
			const reconnect = (sessionPresent = false) => connectTo(client, fault, sessionPresent);
			return { client, conn: await reconnect(), reconnect };
		}

		it("assembles packets written one byte at a time, and all packets of one write", async () => {
			const { client, conn } = await session();
			const stream = Buffer.concat([1, 2, 3].map((i) => bytes({ cmd: "publish", topic: "s", payload: `p${i}`, qos: 1, messageId: i })));
			await conn.sendBytesSplit(stream, 1, 1);
			conn.sendBytes(Buffer.concat([stream, stream]));
			const payloads = [];
			for (let i = 0; i < 9; i++)
				payloads.push((await client.next("message"))[2]);
			assert.deepEqual(payloads, ["p1", "p2", "p3", "p1", "p2", "p3", "p1", "p2", "p3"]);
			for (let i = 0; i < 9; i++)
				assert.equal((await conn.nextPacket()).cmd, "puback");
			await client.call("close");
		});

		for (const [what, garbage] of [
			["reserved flags on PUBACK", [0x41, 2, 0, 1]],
			["an unknown packet type", [0xF0, 0]],
			["a SUBSCRIBE from the broker", [0x82, 5, 0, 1, 0, 1, 0x61]],
			["a SUBACK for an id never used", [0x90, 3, 0x12, 0x34, 0]],
			["an UNSUBACK for an id never used", [0xB0, 2, 0x43, 0x21]],
			["a remaining length of five bytes", [0x30, 0x80, 0x80, 0x80, 0x80, 0x01]],
			["a second CONNACK", [0x20, 2, 0, 0]],
			["a topic holding U+0000", [0x30, 6, 0, 3, 0x61, 0, 0x62, 0x78]],
			["a topic that is not UTF-8", [0x30, 5, 0, 2, 0xFF, 0xFE, 0x78]],
		]) {
			it(`closes the link and goes offline once on ${what}`, async () => {
				const { client, conn } = await session();
				conn.sendBytes(garbage);
				await client.next("offline");
				await conn.waitClosed(2000);
				await new Promise((resolve) => setTimeout(resolve, 100));
				assert.equal(client.events.filter((e) => e.label === "offline").length, 1);
				assert.ok(engine.traces.some((line) => /protocol error/.test(line)));
			});
		}

		it("goes offline when the connection drops in the middle of a packet, and reads cleanly after reconnecting", async () => {
			const { client, conn, reconnect } = await session();
			const packet = bytes({ cmd: "publish", topic: "half", payload: "x".repeat(100), qos: 0 });
			conn.sendBytes(packet.subarray(0, 50));
			await new Promise((resolve) => setTimeout(resolve, 50));
			conn.destroy();
			await client.next("offline");
			const again = await reconnect();
			again.send({ cmd: "publish", topic: "whole", payload: "ok", qos: 0 });
			assert.deepEqual((await client.next("message")).slice(1), ["whole", "ok"]);
			assert.equal(client.events.filter((e) => e.label === "message").length, 1, "nothing of the half packet leaked");
			await client.call("close");
		});

		it("goes offline, with nothing thrown at the app, when the socket refuses a write, and connects again", async () => {
			const { client, reconnect } = await session();
			[...TCP.hostSockets].at(-1).hostRefuseWrites();
			assert.equal((await client.call("publish", "refused", "x", 1, 0)).value, true);
			await client.next("offline");
			const again = await reconnect();
			assert.equal((await client.call("publish", "after", "y", 0, 0)).value, true);
			const packet = await again.nextPacket();
			assert.deepEqual([packet.cmd, packet.topic], ["publish", "after"]);
			assert.equal(client.events.filter((e) => e.label === "offline").length, 1);
			await client.call("close");
		});

		it("delivers a QoS 2 message once when the broker repeats it with DUP before PUBREL", async () => {
			const { client, conn } = await session();
			conn.send({ cmd: "publish", topic: "q2", payload: "once", qos: 2, messageId: 7 });
			assert.deepEqual(await conn.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrec", 7]);
			conn.send({ cmd: "publish", topic: "q2", payload: "once", qos: 2, messageId: 7, dup: true });
			assert.deepEqual(await conn.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrec", 7]);
			conn.send({ cmd: "pubrel", messageId: 7 });
			assert.deepEqual(await conn.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubcomp", 7]);
			assert.equal(client.events.filter((e) => e.label === "message").length, 1);
			await client.call("close");
		});

		it("finishes a QoS 1 publish cut before its PUBACK: resent with DUP after reconnecting", async () => {
			const { client, conn, reconnect } = await session({ clean: 0 });
			await client.call("publish", "q1", "one", 1, 0);
			const first = await conn.nextPacket();
			conn.destroy();
			await client.next("offline");
			const again = await reconnect(true);
			const resent = await again.nextPacket();
			assert.deepEqual([resent.cmd, resent.messageId, resent.dup, resent.payload.toString()], ["publish", first.messageId, true, "one"]);
			again.send({ cmd: "puback", messageId: resent.messageId });
			assert.deepEqual((await client.next("puback")).slice(1), [first.messageId]);
			await client.call("close");
		});

		for (const step of ["before PUBREC", "before PUBREL arrives", "before PUBCOMP"]) {
			it(`finishes an outgoing QoS 2 publish cut ${step}`, async () => {
				const { client, conn, reconnect } = await session({ clean: 0 });
				await client.call("publish", "q2", "two", 2, 0);
				const publish = await conn.nextPacket();
				const id = publish.messageId;
				if (step !== "before PUBREC") {
					conn.send({ cmd: "pubrec", messageId: id });
					assert.deepEqual(await conn.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrel", id]);
				}
				conn.destroy();
				await client.next("offline");
				const again = await reconnect(true);
				const resent = await again.nextPacket();
				if (step === "before PUBREC") {
					assert.deepEqual([resent.cmd, resent.messageId, resent.dup], ["publish", id, true]);
					again.send({ cmd: "pubrec", messageId: id });
					assert.deepEqual(await again.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrel", id]);
				}
				else
					assert.deepEqual([resent.cmd, resent.messageId], ["pubrel", id], "only PUBREL goes again once PUBREC was seen");
				again.send({ cmd: "pubcomp", messageId: id });
				assert.deepEqual((await client.next("puback")).slice(1), [id]);
				assert.equal(client.events.filter((e) => e.label === "puback").length, 1);
				await client.call("close");
			});
		}

		it("does not deliver an incoming QoS 2 message twice when the link drops before PUBREL", async () => {
			const { client, conn, reconnect } = await session({ clean: 0 });
			conn.send({ cmd: "publish", topic: "in2", payload: "exactly once", qos: 2, messageId: 9 });
			await conn.nextPacket(); // PUBREC
			await client.next("message");
			conn.destroy();
			await client.next("offline");
			const again = await reconnect(true);
			again.send({ cmd: "publish", topic: "in2", payload: "exactly once", qos: 2, messageId: 9, dup: true });
			assert.deepEqual(await again.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrec", 9]);
			again.send({ cmd: "pubrel", messageId: 9 });
			assert.deepEqual(await again.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubcomp", 9]);
			assert.equal(client.events.filter((e) => e.label === "message").length, 1);
			await client.call("close");
		});

		it("notices a PINGRESP that never comes within twice the keepalive", async () => {
			const { client, conn } = await session({ keepalive: 1 });
			const start = Date.now();
			assert.equal((await conn.nextPacket(3000)).cmd, "pingreq");
			await client.next("offline", 3000);
			const elapsed = Date.now() - start;
			assert.ok(elapsed <= 2 * 1000 + 500, `offline after ${elapsed} ms`);
			await conn.waitClosed(2000);
		});
	});
}
