// The whole session across a reset (issue 23): with a store and cleansession 0, the incoming QoS 2
// ids awaiting PUBREL are kept in the flash, so a message the broker sends again after the device
// slept is delivered once. Both engines, against the scripted broker; an engine closed without a
// word is a reset, the next one on the same flash the device after it.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENGINES, startEngine } from "../engine.js";
import { FaultBroker } from "../brokers/fault-broker.js";
import { value } from "../support/results.js";
import { connectTo } from "../support/fault-suite.js";

for (const name of ENGINES) {
	describe(`incoming QoS 2 across a reset, with a store, on ${name}`, () => {
		let fault, dir, unique = 0;
		const engines = [];
		before(async () => {
			fault = await FaultBroker.start();
			dir = mkdtempSync(join(tmpdir(), "incoming-"));
		});
		after(async () => {
			for (const engine of engines)
				await engine.close();
			await fault?.close();
			rmSync(dir, { recursive: true, force: true });
		});

		async function device(flash, clientId, cleansession = 0) {
			const engine = await startEngine(name, { flash });
			engines.push(engine);
			const c = await engine.newClient(clientId, 30, null, null, cleansession, null, { store: engine.store({ sectors: 4 }) });
			for (const event of ["connect", "message"])
				value(await c.call("on", event, engine.fn(event)));
			return { engine, c };
		}
		const messages = (c) => c.events.filter((e) => e.label === "message").map((e) => e.args[2]);
		/** The handler returned (the engine answers a command only after the turn that ran it). */
		const handled = async (c) => {
			await c.next("message");
			await c.get("packetId");
		};
		const publish = (conn, payload, dup = false) => conn.send({ cmd: "publish", topic: "in", payload, qos: 2, messageId: 7, dup });

		it("a QoS 2 message delivered before a reset and sent again after it is delivered once; its PUBREL then frees the id", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `in-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			let conn = await connectTo(c, fault, false);
			publish(conn, "once");
			assert.deepEqual(((p) => [p.cmd, p.messageId])(await conn.nextPacket()), ["pubrec", 7]);
			await handled(c);
			await engine.close(); // the device sleeps before the PUBREL comes
			conn.destroy();
			({ engine, c } = await device(flash, id));
			conn = await connectTo(c, fault, true);
			publish(conn, "once", true); // the broker never saw our PUBREC
			assert.equal((await conn.nextPacket()).cmd, "pubrec");
			conn.send({ cmd: "pubrel", messageId: 7 });
			assert.equal((await conn.nextPacket()).cmd, "pubcomp");
			assert.deepEqual(messages(c), [], `not delivered a second time ${engine.traces.join("")}`);
			publish(conn, "new"); // id 7 is free again: a new message
			assert.equal((await conn.nextPacket()).cmd, "pubrec");
			await c.next("message");
			assert.deepEqual(messages(c), ["new"]);
		});

		it("forgets the kept ids when the broker kept no session, so a reused id is delivered after the reset", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `in-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			let conn = await connectTo(c, fault, false);
			publish(conn, "first");
			await handled(c);
			await engine.close();
			conn.destroy();
			({ engine, c } = await device(flash, id));
			conn = await connectTo(c, fault, false); // session present 0
			publish(conn, "second");
			await handled(c);
			await engine.close();
			conn.destroy();
			({ engine, c } = await device(flash, id));
			conn = await connectTo(c, fault, true);
			publish(conn, "second", true);
			assert.equal((await conn.nextPacket()).cmd, "pubrec");
			await new Promise((resolve) => setTimeout(resolve, 200));
			assert.deepEqual(messages(c), [], "the second is kept over the second reset");
		});

		it("with cleansession 1 keeps nothing: the session ends with the connection", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `in-${name}-${unique}`;
			let { engine, c } = await device(flash, id, 1);
			let conn = await connectTo(c, fault, false);
			publish(conn, "first");
			await handled(c);
			await engine.close();
			conn.destroy();
			({ engine, c } = await device(flash, id, 1));
			conn = await connectTo(c, fault, false);
			publish(conn, "first");
			await c.next("message");
		});
	});
}
