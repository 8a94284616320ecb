// What a hostile or forgetful broker found (reliability, round 2), in both engines against the
// scripted fault broker: a broker that lost the session, acknowledgements beyond the control
// lane, bursts of PUBREL, the exactly-once bound, close() racing a PUBREL, SUBACKs that do not
// fit or do not match, topic names that are not well-formed UTF-8, and reconnect backoff.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { ENGINES, startEngine } from "../engine.js";
import { connectTo, nextPackets, withEngineAndFaultBroker } from "../support/fault-suite.js";
import { until, value } from "../support/results.js";
import { FaultBroker } from "../brokers/fault-broker.js";

const bytes = (packet) => mqttPacket.generate(packet, { protocolVersion: 4 });
let unique = 0;

for (const name of ENGINES) {
	describe(`reliability against a scripted broker, client on ${name}`, () => {
		let engine, fault;
		withEngineAndFaultBroker(name, (e, f) => {
			engine = e;
			fault = f;
		});

		async function session({ clean = 1, keepalive = 30, maxLength = null, options } = {}) {
			const client = await engine.newClient(`rel-${name}-${++unique}`, keepalive, null, null, clean, maxLength, options);
			for (const event of ["connect", "offline", "message", "puback", "suback", "unsuback", "connfail"])
				value(await client.call("on", event, engine.fn(event)));
			const reconnect = (sessionPresent = false) => connectTo(client, fault, sessionPresent);
			return { client, conn: await reconnect(), reconnect };
		}
		const count = (client, label) => client.events.filter((e) => e.label === label).length;

		it("forgets inbound QoS 2 state when the broker kept no session, so a reused id is delivered", async () => {
			const { client, conn, reconnect } = await session({ clean: 0 });
			conn.send({ cmd: "publish", topic: "q2", payload: "first", qos: 2, messageId: 7 });
			assert.equal((await conn.nextPacket()).cmd, "pubrec");
			assert.equal((await client.next("message"))[2], "first");
			conn.destroy();
			await client.next("offline");
			const again = await reconnect(false);
			again.send({ cmd: "publish", topic: "q2", payload: "second", qos: 2, messageId: 7 });
			assert.deepEqual(await again.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrec", 7]);
			assert.equal((await client.next("message"))[2], "second");
			await client.call("close");
		});

		it("publishes again all the broker lost with its session, the QoS 2 message awaiting PUBCOMP included", async () => {
			const { client, conn, reconnect } = await session({ clean: 0 });
			for (const [payload, qos] of [["one", 1], ["two", 2], ["three", 2]])
				value(await client.call("publish", "o", payload, qos, 0));
			const first = await nextPackets(conn, 3);
			conn.send({ cmd: "pubrec", messageId: first[2].messageId });
			assert.equal((await conn.nextPacket()).cmd, "pubrel");
			conn.destroy();
			await client.next("offline");
			const again = await reconnect(false);
			const resent = await nextPackets(again, 3);
			assert.deepEqual(
				resent.map((p) => [p.cmd, p.payload.toString(), p.qos, p.messageId]),
				first.map((p) => ["publish", p.payload.toString(), p.qos, p.messageId]),
			);
			assert.ok(engine.traces.some((line) => /kept no session; 1 QoS 2 messages awaiting PUBCOMP are published again/.test(line)));
			again.send({ cmd: "puback", messageId: resent[0].messageId });
			for (const p of resent.slice(1)) {
				again.send({ cmd: "pubrec", messageId: p.messageId });
				assert.deepEqual(await again.nextPacket().then((r) => [r.cmd, r.messageId]), ["pubrel", p.messageId]);
				again.send({ cmd: "pubcomp", messageId: p.messageId });
			}
			for (let i = 0; i < 3; i++)
				await client.next("puback");
			assert.deepEqual(client.events.filter((e) => e.label === "puback").map((e) => e.args[1]).sort(), first.map((p) => p.messageId).sort());
			await client.call("close");
		});

		it("sends any number of owed PUBRELs after reconnecting, with one connect and no offline", async () => {
			const { client, conn, reconnect } = await session({ clean: 0, options: { window: 100, queue: 100 } });
			for (let i = 0; i < 100; i++)
				assert.equal(value(await client.call("publish", "w", `m${i}`, 2, 0)), true);
			const published = await nextPackets(conn, 100);
			conn.sendBytes(Buffer.concat(published.map((p) => bytes({ cmd: "pubrec", messageId: p.messageId }))));
			assert.ok((await nextPackets(conn, 100)).every((p) => p.cmd === "pubrel"));
			conn.destroy();
			await client.next("offline");
			const again = await reconnect(true);
			const released = await nextPackets(again, 100);
			assert.deepEqual(released.map((p) => [p.cmd, p.messageId]), published.map((p) => ["pubrel", p.messageId]));
			again.sendBytes(Buffer.concat(published.map((p) => bytes({ cmd: "pubcomp", messageId: p.messageId }))));
			for (let i = 0; i < 100; i++)
				await client.next("puback");
			assert.deepEqual([count(client, "connect"), count(client, "offline")], [2, 1]);
			await client.call("close");
		});

		it("answers every PUBREL of one large write at once, without waiting for more bytes", async () => {
			const { client, conn } = await session({ options: { receiveMaximum: 128 } });
			const ids = Array.from({ length: 100 }, (_, i) => i + 1);
			conn.sendBytes(Buffer.concat(ids.map((id) => bytes({ cmd: "publish", topic: "r", payload: `${id}`, qos: 2, messageId: id }))));
			assert.deepEqual((await nextPackets(conn, 100)).map((p) => p.cmd), ids.map(() => "pubrec"));
			conn.sendBytes(Buffer.concat(ids.map((id) => bytes({ cmd: "pubrel", messageId: id }))));
			const completed = await nextPackets(conn, 100, 1000);
			assert.deepEqual(completed.map((p) => [p.cmd, p.messageId]), ids.map((id) => ["pubcomp", id]));
			assert.equal(count(client, "message"), 100);
			await client.call("close");
		});

		it("keeps QoS 2 exactly once up to receiveMaximum, and says once per connection when the broker goes beyond", async () => {
			const { client, conn } = await session({ options: { receiveMaximum: 40 } });
			const send = (id, dup = false) => bytes({ cmd: "publish", topic: "x", payload: `${id}`, qos: 2, messageId: id, dup });
			conn.sendBytes(Buffer.concat(Array.from({ length: 40 }, (_, i) => send(i + 1))));
			await nextPackets(conn, 40);
			conn.sendBytes(send(1, true));
			assert.deepEqual(await conn.nextPacket().then((p) => [p.cmd, p.messageId]), ["pubrec", 1]);
			await new Promise((resolve) => setTimeout(resolve, 100));
			assert.equal(count(client, "message"), 40, "a resend within the bound is not delivered again");
			const before = engine.traces.filter((line) => /receiveMaximum/.test(line)).length;
			conn.sendBytes(Buffer.concat(Array.from({ length: 60 }, (_, i) => send(i + 41))));
			await nextPackets(conn, 60);
			assert.equal(engine.traces.filter((line) => /receiveMaximum \(40\)/.test(line)).length - before, 1);
			conn.sendBytes(send(1, true)); // forgotten beyond the bound: delivered again, as README says
			await nextPackets(conn, 1);
			await until(() => count(client, "message") === 101, "the forgotten message delivered again");
			await client.call("close");
		});

		it("sends nothing after DISCONNECT, even a PUBCOMP for a PUBREL parsed after a handler called close()", async () => {
			const { client, conn } = await session();
			conn.send({ cmd: "publish", topic: "q2", payload: "held", qos: 2, messageId: 5 });
			assert.equal((await conn.nextPacket()).cmd, "pubrec");
			await client.next("message");
			value(await client.call("on", "message", engine.fn("message", { then: "close" })));
			// eight messages fill the event ring, so the PUBREL behind them is parsed after the handlers ran
			const burst = Array.from({ length: 8 }, (_, i) => bytes({ cmd: "publish", topic: "b", payload: `${i}`, qos: 0 }));
			conn.sendBytes(Buffer.concat([...burst, bytes({ cmd: "pubrel", messageId: 5 })]));
			await conn.waitClosed(3000);
			const after = conn.packets.slice(conn.packets.findIndex((p) => p.cmd === "disconnect"));
			assert.deepEqual(after.map((p) => p.cmd), ["disconnect"]);
			await client.next("offline");
		});

		it("refuses a subscription table whose SUBACK would not fit max_message_length, and takes one that fits", async () => {
			const { client, conn } = await session({ maxLength: 1024 });
			const table = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t/${i}`, 1]));
			const refused = await client.call("subscribe", table(2000));
			assert.equal(refused.error?.name, "RangeError");
			assert.match(refused.error.message, /subscribe: table of 2000 topics brings a SUBACK of 2005 bytes, more than max_message_length \(1024\)/);
			assert.equal(value(await client.call("subscribe", table(1000))), true);
			const request = await conn.nextPacket();
			assert.equal(request.subscriptions.length, 1000);
			conn.send({ cmd: "suback", messageId: request.messageId, granted: Array(1000).fill(1) });
			const [, id, granted] = await client.next("suback");
			assert.deepEqual([id, granted.length], [request.messageId, 1000]);
			assert.equal(count(client, "offline"), 0);
			await client.call("close");
		});

		it("treats a SUBACK with fewer return codes than topics as a protocol error: one offline", async () => {
			const { client, conn } = await session();
			value(await client.call("subscribe", { a: 0, b: 1, c: 2 }));
			const request = await conn.nextPacket();
			conn.send({ cmd: "suback", messageId: request.messageId, granted: [1] });
			await client.next("offline");
			await conn.waitClosed(2000);
			await new Promise((resolve) => setTimeout(resolve, 100));
			assert.deepEqual([count(client, "suback"), count(client, "offline")], [0, 1]);
			assert.ok(engine.traces.some((line) => /SUBACK with 1 return codes for 3 topics/.test(line)));
		});

		for (const [what, topic] of [
			["an overlong '/' (C0 AF)", [0xC0, 0xAF]],
			["an overlong three-byte form (E0 80 AF)", [0xE0, 0x80, 0xAF]],
			["a UTF-16 surrogate (ED A0 80)", [0xED, 0xA0, 0x80]],
			["a code point beyond U+10FFFF (F4 90 80 80)", [0xF4, 0x90, 0x80, 0x80]],
			["an overlong U+0000 (C0 80)", [0xC0, 0x80]],
		]) {
			it(`closes the link on a topic name with ${what}, as the device does`, async () => {
				const { client, conn } = await session();
				conn.sendBytes([0x30, 2 + topic.length + 1, 0, topic.length, ...topic, 0x78]);
				await client.next("offline");
				await conn.waitClosed(2000);
				assert.equal(count(client, "message"), 0);
			});
		}

		if (name === "xs") { // only the XS engine's clock can start unset and jump, as a device's does
			it("keeps its timing when the app sets the clock during a session (a jump of decades is no overdue acknowledgement)", async () => {
				const jumpy = await startEngine("xs", { clock: "unset" });
				try {
					const client = await jumpy.newClient(`rel-clock-${++unique}`, 2, null, null, 1, null, { ackTimeout: 10_000 });
					for (const event of ["connect", "offline", "puback"])
						value(await client.call("on", event, jumpy.fn(event)));
					value(await client.call("connect", "127.0.0.1", fault.port, false));
					const conn = await fault.nextConnection();
					await conn.acceptConnect();
					await client.next("connect");
					value(await client.call("publish", "t", "held", 1, 0));
					const publish = await conn.nextPacket();
					await jumpy.setClock(Math.floor(Date.now() / 1000));
					assert.equal((await conn.nextPacket(3000)).cmd, "pingreq", "the keepalive timer ran after the jump");
					conn.send({ cmd: "pingresp" });
					conn.send({ cmd: "puback", messageId: publish.messageId });
					await client.next("puback");
					assert.equal(client.events.filter((e) => e.label === "offline").length, 0);
					await client.call("close");
				}
				finally {
					await jumpy.close();
				}
			});
		}

		it("backs off ever longer from a broker that accepts and drops at once; only a session that held resets it", async () => {
			const flaky = await FaultBroker.start();
			const client = await engine.newClient(`rel-${name}-${++unique}`, 30, null, null, 1, null, { reconnect: { min: 50, max: 1000 } });
			value(await client.call("on", "connect", engine.fn("connect")));
			value(await client.call("connect", "127.0.0.1", flaky.port, false));
			const started = Date.now();
			let connections = 0;
			try {
				while (Date.now() - started < 2500) {
					const conn = await flaky.nextConnection(3000).catch(() => undefined);
					if (!conn)
						break;
					connections++;
					await conn.acceptConnect().catch(() => {});
					conn.destroy();
				}
			}
			finally {
				await client.call("close");
				await flaky.close();
			}
			// with the backoff reset by every CONNACK this is a retry every 5 to 50 ms (about 80)
			assert.ok(connections >= 3 && connections <= 15, `${connections} connections in 2.5 s`);
		});
	});
}
