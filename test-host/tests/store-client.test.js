// options.store, in both engines against the scripted broker: an engine closed without a word
// is a device reset, and the next engine started on the same flash file is the device after it.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENGINES, startEngine } from "../engine.js";
import { FaultBroker } from "../brokers/fault-broker.js";
import { value } from "../support/results.js";
import { connectTo, nextPackets } from "../support/fault-suite.js";

for (const name of ENGINES) {
	describe(`the store (options.store) across resets on ${name}`, () => {
		let fault, dir, unique = 0;
		const engines = [];
		before(async () => {
			fault = await FaultBroker.start();
			dir = mkdtempSync(join(tmpdir(), "store-"));
		});
		after(async () => {
			for (const engine of engines)
				await engine.close();
			await fault?.close();
			rmSync(dir, { recursive: true, force: true });
		});

		/** A device on `flash`: an engine and a client made as an app makes it, with a store. */
		async function device(flash, clientId, options = {}, sectors = 4) {
			const engine = await startEngine(name, { flash });
			engines.push(engine);
			const c = await engine.newClient(clientId, 30, null, null, 0, null, { store: engine.store({ sectors }), ...options });
			for (const event of ["connect", "offline", "puback"])
				value(await c.call("on", event, engine.fn(event)));
			return { engine, c };
		}
		const reset = (engine) => engine.close();
		const connect = (c, sessionPresent = true) => connectTo(c, fault, sessionPresent);
		const summary = (p) => [p.cmd, p.payload?.toString(), p.qos, p.dup];

		it("keeps what publish accepted over a reset and sends it after the first CONNACK, before anything new", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			assert.equal(value(await c.call("publish", "t", "a", 1, 0)), true);
			assert.equal(value(await c.call("publish", "t", "b", 2, 0)), true);
			await reset(engine);
			({ engine, c } = await device(flash, id));
			value(await c.call("connect", "127.0.0.1", fault.port, false));
			assert.equal(value(await c.call("publish", "t", "c", 1, 0)), true, "accepted before the CONNACK");
			const conn = await fault.nextConnection();
			await conn.acceptConnect({ sessionPresent: false });
			const sent = await nextPackets(conn, 3);
			assert.deepEqual(sent.map(summary), [["publish", "a", 1, false], ["publish", "b", 2, false], ["publish", "c", 1, false]]);
			conn.send({ cmd: "puback", messageId: sent[0].messageId });
			conn.send({ cmd: "pubrec", messageId: sent[1].messageId });
			assert.equal((await conn.nextPacket()).cmd, "pubrel");
			conn.send({ cmd: "pubcomp", messageId: sent[1].messageId });
			conn.send({ cmd: "puback", messageId: sent[2].messageId });
			for (let i = 0; i < 3; i++)
				await c.next("puback");
			await reset(engine);
			({ engine, c } = await device(flash, id));
			const again = await connect(c);
			value(await c.call("publish", "t", "d", 1, 0));
			assert.deepEqual(summary(await again.nextPacket()), ["publish", "d", 1, false], "what was acknowledged is not sent again");
		});

		it("sends what went before the reset again with DUP and the same id, and a PUBREL for what had its PUBREC", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			let conn = await connect(c);
			value(await c.call("publish", "t", "x", 1, 0));
			value(await c.call("publish", "t", "y", 2, 0));
			const [x, y] = [await conn.nextPacket(), await conn.nextPacket()];
			conn.send({ cmd: "pubrec", messageId: y.messageId });
			assert.deepEqual([(await conn.nextPacket()).cmd, y.payload.toString()], ["pubrel", "y"]);
			await reset(engine);
			conn.destroy();
			({ engine, c } = await device(flash, id));
			conn = await connect(c);
			const [first, second] = [await conn.nextPacket(), await conn.nextPacket()];
			assert.deepEqual([first.cmd, first.messageId], ["pubrel", y.messageId]);
			assert.deepEqual([...summary(second), second.messageId], ["publish", "x", 1, true, x.messageId]);
			conn.send({ cmd: "pubcomp", messageId: y.messageId });
			conn.send({ cmd: "puback", messageId: x.messageId });
			await c.next("puback");
			await c.next("puback");
		});

		it("after a broker that lost the session, a QoS 2 message published again whole stays a PUBLISH over a reset", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			let conn = await connect(c);
			value(await c.call("publish", "t", "z", 2, 0));
			const z = await conn.nextPacket();
			conn.send({ cmd: "pubrec", messageId: z.messageId });
			assert.equal((await conn.nextPacket()).cmd, "pubrel");
			conn.destroy();
			await c.next("offline");
			conn = await connect(c, false);	// the broker forgot: z goes again whole (README, session present 0)
			assert.deepEqual(summary(await conn.nextPacket()), ["publish", "z", 2, true]);
			await reset(engine);
			conn.destroy();
			({ engine, c } = await device(flash, id));
			conn = await connect(c);
			const again = await conn.nextPacket();
			assert.deepEqual([...summary(again), again.messageId], ["publish", "z", 2, true, z.messageId], "not a PUBREL: the broker that forgot has nothing to release");
		});

		it("returns false from publish when the store is full, and takes more once the broker acknowledges", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			const { c } = await device(flash, id, {}, 2);
			const big = "r".repeat(3000);	// one to a sector, and the store has two
			assert.deepEqual([
				value(await c.call("publish", "t", big, 1, 0)),
				value(await c.call("publish", "t", big, 1, 0)),
				value(await c.call("publish", "t", big, 1, 0)),
			], [true, true, false]);
			const conn = await connect(c);
			const first = await conn.nextPacket();
			conn.send({ cmd: "puback", messageId: first.messageId });
			await c.next("puback");
			assert.equal(value(await c.call("publish", "t", big, 1, 0)), true);
		});

		it("refuses a QoS 1/2 message larger than a sector, and a store that is not one, naming the rule", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			const { engine, c } = await device(flash, id);
			const error = (await c.call("publish", "t", "r".repeat(4100), 1, 0)).error;
			assert.equal(error?.name, "RangeError");
			assert.match(error.message, /options\.store a QoS 1 message must fit one flash sector: 4084 bytes of packet at most, this one is 41\d\d/);
			assert.match((await c.call("publish", "t", "r".repeat(4100), 0, 0)).error?.message ?? "", /not connected/, "QoS 0 does not use the store, and offline it fails as without one");
			const bad = await engine.newClientError("x", 30, null, null, 1, null, { store: {} });
			assert.deepEqual([bad?.name, bad?.message], ["TypeError", "mqtt.Client: options.store must be a Store from mqtt/store"]);
		});
	});
}
