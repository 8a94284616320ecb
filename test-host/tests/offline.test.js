// options.offlineQueue, in both engines against the scripted broker: QoS 1/2 publishes accepted
// while there is no session wait in the bounded queue and go out, in order, after the next
// CONNACK; with cleansession 1, what was unacknowledged when the link dropped goes again too.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { ENGINES } from "../engine.js";
import { connectTo, nextPackets, withEngineAndFaultBroker } from "../support/fault-suite.js";
import { value } from "../support/results.js";

let unique = 0;

for (const name of ENGINES) {
	describe(`publishing while offline (options.offlineQueue) on ${name}`, () => {
		let engine, fault;
		withEngineAndFaultBroker(name, (e, f) => {
			engine = e;
			fault = f;
		});

		async function client(options) {
			const c = await engine.newClient(`offline-${name}-${++unique}`, 30, null, null, 1, null, { offlineQueue: true, ...options });
			for (const event of ["connect", "offline", "puback"])
				value(await c.call("on", event, engine.fn(event)));
			return c;
		}
		const connect = (c) => connectTo(c, fault);
		const publishes = async (conn, n) => (await nextPackets(conn, n)).map((p) => [p.cmd, p.payload.toString(), p.qos]);

		it("accepts QoS 1 and 2 before any session and sends them in order after the CONNACK; QoS 0 still fails", async () => {
			const c = await client();
			assert.equal(value(await c.call("publish", "t", "one", 1, 0)), true);
			assert.equal(value(await c.call("publish", "t", "two", 2, 0)), true);
			assert.match((await c.call("publish", "t", "zero", 0, 0)).error?.message ?? "", /publish: not connected/);
			const conn = await connect(c);
			assert.deepEqual(await publishes(conn, 2), [["publish", "one", 1], ["publish", "two", 2]]);
			await c.call("close");
		});

		it("refuses when the queue is full: publish returns false", async () => {
			const c = await client({ queue: 2 });
			assert.deepEqual(
				[
					value(await c.call("publish", "t", "1", 1, 0)),
					value(await c.call("publish", "t", "2", 1, 0)),
					value(await c.call("publish", "t", "3", 1, 0)),
				],
				[true, true, false],
			);
		});

		it("with cleansession 1, sends again what was unacknowledged when the link dropped, then what came while offline", async () => {
			const c = await client();
			let conn = await connect(c);
			value(await c.call("publish", "t", "in flight", 1, 0));
			const first = await conn.nextPacket();
			conn.destroy();
			await c.next("offline");
			assert.equal(value(await c.call("publish", "t", "while offline", 1, 0)), true);
			conn = await connect(c);
			const again = [await conn.nextPacket(), await conn.nextPacket()];
			assert.deepEqual(again.map((p) => [p.cmd, p.payload.toString()]), [["publish", "in flight"], ["publish", "while offline"]]);
			assert.equal(again[0].messageId, first.messageId);
			for (const p of again)
				conn.send({ cmd: "puback", messageId: p.messageId });
			await c.next("puback");
			await c.next("puback");
			await c.call("close");
		});
	});
}
