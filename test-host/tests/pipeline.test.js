// Held publishes right behind CONNECT (MQTT 3.1.1 3.1.4; issue 23): what goes before CONNACK,
// what waits for it, and what a refusal, a cut, session present 0 and a broker that acknowledges
// before its CONNACK leave. A client with a store (options.store) holds what publish accepted;
// an engine closed without a word is a device reset, the next one on the same flash the device after it.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqttjs from "mqtt";
import { ENGINES, startEngine } from "../engine.js";
import { FaultBroker } from "../brokers/fault-broker.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { value } from "../support/results.js";
import { nextPackets } from "../support/fault-suite.js";

const summary = (p) => [p.cmd, p.payload?.toString(), p.qos, p.dup, p.messageId];

for (const name of ENGINES) {
	describe(`held publishes behind CONNECT on ${name}`, () => {
		let fault, dir, unique = 0;
		const engines = [];
		before(async () => {
			fault = await FaultBroker.start();
			dir = mkdtempSync(join(tmpdir(), "pipeline-"));
		});
		after(async () => {
			for (const engine of engines)
				await engine.close();
			await fault?.close();
			rmSync(dir, { recursive: true, force: true });
		});

		/** A device with a store that accepted a (QoS 1) and b (QoS 2) before connecting. */
		async function device(options = {}, flash = join(dir, `${++unique}.bin`), id = `pipe-${name}-${unique}`, publish = true) {
			const engine = await startEngine(name, { flash });
			engines.push(engine);
			const c = await engine.newClient(id, 30, null, null, 0, null, { store: engine.store({ sectors: 4 }), ...options });
			for (const event of ["connect", "connfail", "offline", "puback", "drained"])
				value(await c.call("on", event, engine.fn(event)));
			if (publish)
				assert.deepEqual(value(await c.calls(["publish", "t", "a", 1, 0], ["publish", "t", "b", 2, 0])), [true, true]);
			value(await c.call("connect", "127.0.0.1", fault.port, false));
			return { engine, c, flash, id, conn: await fault.nextConnection() };
		}

		it("sends the held publishes right after CONNECT, before any CONNACK, and acknowledges them in that session", async () => {
			const { c, conn } = await device();
			const [connect, a, b] = await nextPackets(conn, 3);
			assert.equal(connect.cmd, "connect");
			assert.deepEqual([a, b].map(summary), [["publish", "a", 1, false, a.messageId], ["publish", "b", 2, false, b.messageId]]);
			conn.send({ cmd: "connack", returnCode: 0, sessionPresent: false }); // a new session took them: nothing goes again
			conn.send({ cmd: "puback", messageId: a.messageId });
			conn.send({ cmd: "pubrec", messageId: b.messageId });
			assert.deepEqual(summary(await conn.nextPacket()), ["pubrel", undefined, 1, false, b.messageId]);
			conn.send({ cmd: "pubcomp", messageId: b.messageId });
			await c.next("drained");
			assert.deepEqual(c.events.map((e) => e.label), ["connect", "puback", "puback", "drained"]);
			assert.equal(await c.get("unacked"), 0);
			await assert.rejects(conn.nextPacket(300), /no packet/, "session present 0 sent nothing again");
		});

		it("with waitConnack, sends nothing after CONNECT until the CONNACK", async () => {
			const { conn } = await device({ waitConnack: true });
			assert.equal((await conn.nextPacket()).cmd, "connect");
			await assert.rejects(conn.nextPacket(300), /no packet/);
			conn.send({ cmd: "connack", returnCode: 0, sessionPresent: false });
			assert.deepEqual((await nextPackets(conn, 2)).map((p) => p.payload.toString()), ["a", "b"]);
		});

		for (const [what, refuse, reason] of [
			["a CONNACK refusal", (conn) => conn.send({ cmd: "connack", returnCode: 3, sessionPresent: false }), 3],
			["the link cut before CONNACK", (conn) => conn.destroy(), -2],
			["a PUBACK before CONNACK (a protocol error)", (conn, a) => conn.send({ cmd: "puback", messageId: a.messageId }), -4],
		]) {
			it(`keeps the pipelined publishes held after ${what}, and sends them again with DUP and the same ids`, async () => {
				const { c, conn } = await device();
				const [, a, b] = await nextPackets(conn, 3);
				refuse(conn, a);
				assert.deepEqual((await c.next("connfail")).slice(1), [reason]);
				await conn.waitClosed();
				assert.equal(await c.get("unacked"), 2, "nothing was acknowledged");
				assert.ok(!c.events.some((e) => e.label === "puback"));
				value(await c.call("connect", "127.0.0.1", fault.port, false));
				const again = await fault.nextConnection();
				const [connect, a2, b2] = await nextPackets(again, 3);
				assert.equal(connect.cmd, "connect");
				assert.deepEqual([a2, b2].map(summary), [["publish", "a", 1, true, a.messageId], ["publish", "b", 2, true, b.messageId]]);
				again.send({ cmd: "connack", returnCode: 0, sessionPresent: true });
				again.send({ cmd: "puback", messageId: a.messageId });
				again.send({ cmd: "pubrec", messageId: b.messageId });
				assert.equal((await again.nextPacket()).cmd, "pubrel");
				again.send({ cmd: "pubcomp", messageId: b.messageId });
				await c.next("drained");
			});
		}

		it("keeps them over a reset after a refusal: the device after it sends them behind its CONNECT", async () => {
			const first = await device();
			const [, a] = await nextPackets(first.conn, 3);
			first.conn.send({ cmd: "connack", returnCode: 5, sessionPresent: false });
			await first.c.next("connfail");
			await first.engine.close();
			const { c, conn } = await device({}, first.flash, first.id, false);
			const [, a2, b2] = await nextPackets(conn, 3);
			assert.deepEqual([a2, b2].map(summary), [["publish", "a", 1, true, a.messageId], ["publish", "b", 2, true, a2.messageId + 1]]);
			assert.equal(await c.get("unacked"), 2);
		});
	});

	describe(`held publishes behind CONNECT, against mosquitto, on ${name}`, () => {
		let broker, dir, observer;
		const engines = [];
		before(async () => {
			broker = await startMosquitto({ users: { sensor: "right", observer: "eye" } });
			dir = mkdtempSync(join(tmpdir(), "pipeline-m-"));
			observer = mqttjs.connect({ host: "127.0.0.1", port: broker.port, username: "observer", password: "eye", protocolVersion: 4, reconnectPeriod: 0 });
			await new Promise((resolve, reject) => observer.once("connect", resolve).once("error", reject));
			await observer.subscribeAsync(`pipe/${name}/#`, { qos: 2 });
		});
		after(async () => {
			observer?.end(true);
			for (const engine of engines)
				await engine.close();
			await broker?.stop();
			rmSync(dir, { recursive: true, force: true });
		});

		it("a refused CONNECT delivers none of what followed it; the next accepted one delivers each once", async () => {
			const seen = [];
			observer.on("message", (topic, payload) => seen.push(`${topic} ${payload}`));
			const flash = join(dir, "refused.bin"), id = `pipe-m-${name}`;
			const device = async (password) => {
				const engine = await startEngine(name, { flash });
				engines.push(engine);
				const c = await engine.newClient(id, 30, "sensor", password, 0, null, { store: engine.store({ sectors: 4 }) });
				for (const event of ["connect", "connfail", "drained"])
					value(await c.call("on", event, engine.fn(event)));
				return { engine, c };
			};
			let { engine, c } = await device("wrong");
			value(
				await c.calls(
					["publish", `pipe/${name}/1`, "one", 1, 0],
					["publish", `pipe/${name}/2`, "two", 2, 0],
					["connect", "127.0.0.1", broker.port, false],
				),
			);
			assert.deepEqual((await c.next("connfail")).slice(1), [5], "mosquitto 2 refuses a wrong password as not authorized");
			await new Promise((resolve) => setTimeout(resolve, 300));
			assert.deepEqual(seen, [], "mosquitto processed nothing after the refused CONNECT [MQTT-3.1.4-5]");
			await engine.close();
			({ engine, c } = await device("right"));
			value(await c.call("connect", "127.0.0.1", broker.port, false));
			await c.next("drained");
			await new Promise((resolve) => setTimeout(resolve, 200));
			assert.deepEqual(seen.sort(), [`pipe/${name}/1 one`, `pipe/${name}/2 two`]);
		});
	});
}
