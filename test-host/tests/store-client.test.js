// options.store, in both engines against the scripted broker: an engine closed without a word
// is a device reset, and the next engine started on the same flash file is the device after it.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
			conn = await connect(c, false); // the broker forgot: z goes again whole (README, session present 0)
			assert.deepEqual(summary(await conn.nextPacket()), ["publish", "z", 2, true]);
			await reset(engine);
			conn.destroy();
			({ engine, c } = await device(flash, id));
			conn = await connect(c);
			const again = await conn.nextPacket();
			assert.deepEqual(
				[...summary(again), again.messageId],
				["publish", "z", 2, true, z.messageId],
				"not a PUBREL: the broker that forgot has nothing to release",
			);
		});

		/** Messages published QoS 2 and released (PUBREC came, PUBCOMP did not), then the link lost. */
		async function releasedThenLost(c, payloads) {
			const conn = await connect(c);
			for (const payload of payloads)
				assert.equal(value(await c.call("publish", "t", payload, 2, 0)), true);
			const sent = await nextPackets(conn, payloads.length);
			for (const p of sent)
				conn.send({ cmd: "pubrec", messageId: p.messageId });
			assert.deepEqual((await nextPackets(conn, payloads.length)).map((p) => p.cmd), payloads.map(() => "pubrel"));
			conn.destroy();
			await c.next("offline");
			return sent;
		}

		it("with a full store, messages a broker lost go whole again after a reset that came before they reached it", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			let { engine, c } = await device(flash, id, {}, 2);
			const big = (n) => `${n}`.repeat(3000); // one to a sector, and the store has two: full
			const sent = await releasedThenLost(c, [big(1), big(2)]);
			assert.equal(value(await c.call("publish", "t", big(3), 1, 0)), false, "the store is full");
			const conn = await connect(c, false); // a broker that lost the session: both go again whole
			assert.deepEqual((await nextPackets(conn, 2)).map(summary), [["publish", big(1), 2, true], ["publish", big(2), 2, true]]);
			await reset(engine); // before the broker read them
			conn.destroy();
			({ engine, c } = await device(flash, id, {}, 2));
			const again = await connect(c); // the broker now has a session, made at the last CONNECT, without them
			const resent = await nextPackets(again, 2);
			assert.deepEqual(resent.map((p) => [...summary(p), p.messageId]), [
				["publish", big(1), 2, true, sent[0].messageId],
				["publish", big(2), 2, true, sent[1].messageId],
			]);
		});

		it("records a broker's lost session in the first byte it writes: a cut after it loses nothing", async () => {
			// after CONNACK session present 0 the client writes, per message, 2 bytes (its status
			// twice) and nothing else before it sends; the power goes after each byte of them
			const big = (n) => `${n}`.repeat(3000);
			for (let bytes = 0; bytes <= 5; bytes++) {
				const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
				let { engine, c } = await device(flash, id, {}, 2);
				const sent = await releasedThenLost(c, [big(1), big(2)]);
				value(await c.call("connect", "127.0.0.1", fault.port, false));
				const conn = await fault.nextConnection();
				engine.cutPower(bytes);
				await conn.acceptConnect({ returnCode: 0, sessionPresent: false });
				await c.next("connect");
				await nextPackets(conn, 2);
				await reset(engine);
				conn.destroy();
				({ engine, c } = await device(flash, id, {}, 2));
				const again = await connect(c); // the broker has a session now, made at the cut connection's CONNECT
				const kinds = new Map((await nextPackets(again, 2)).map((p) => [p.messageId, p.cmd]));
				again.destroy();
				await reset(engine);
				sent.forEach((p, i) => {
					const kind = kinds.get(p.messageId), what = `message ${i + 1}, a cut after ${bytes} bytes`;
					if (bytes > 2 * i)
						assert.equal(kind, "publish", `${what}: its mark began, so it goes whole`);
					else if (bytes < 2 * i) // the one window left: the power went before the client could write what the CONNACK said
						assert.equal(kind, "pubrel", what);
					else
						assert.ok(kind === "publish" || kind === "pubrel", what);
				});
			}
		});

		it("keeps the order accepted for messages a broker lost, over a reset, ahead of what was accepted after them", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			await releasedThenLost(c, ["m1", "m2"]);
			assert.equal(value(await c.call("publish", "t", "m3", 1, 0)), true, "accepted offline");
			const conn = await connect(c, false);
			assert.deepEqual((await nextPackets(conn, 3)).map(summary), [["publish", "m1", 2, true], ["publish", "m2", 2, true], ["publish", "m3", 1, false]]);
			await reset(engine);
			conn.destroy();
			({ engine, c } = await device(flash, id));
			const again = await connect(c);
			assert.deepEqual((await nextPackets(again, 3)).map((p) => p.payload.toString()), ["m1", "m2", "m3"]);
		});

		it("never sends a record damaged in the flash, sends every other, and traces the loss", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			let { engine, c } = await device(flash, id);
			for (const payload of ["first", "DAMAGED-READING", "last"])
				assert.equal(value(await c.call("publish", "t", payload, 1, 0)), true);
			await reset(engine);
			const bytes = readFileSync(flash);
			const at = bytes.indexOf("DAMAGED-READING");
			assert.ok(at > 0);
			bytes[at + 3] ^= 0x04; // one bit: "DAMAGED" becomes "DAMEGED"
			writeFileSync(flash, bytes);
			({ engine, c } = await device(flash, id));
			const conn = await connect(c);
			value(await c.call("publish", "t", "new", 1, 0));
			assert.deepEqual((await nextPackets(conn, 3)).map((p) => p.payload.toString()), ["first", "last", "new"]);
			assert.match(engine.traces.join(""), /store: bytes \d+ to \d+ of sector 0 hold no whole record/);
		});

		it("refuses an oversized QoS 1/2 message with the rule even when the queue is full", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			const { c } = await device(flash, id, { queue: 1, window: 1 });
			assert.equal(value(await c.call("publish", "t", "a", 1, 0)), true);
			assert.equal(value(await c.call("publish", "t", "b", 1, 0)), false, "the queue is full");
			const error = (await c.call("publish", "t", "r".repeat(4100), 1, 0)).error;
			assert.match(error?.message ?? "", /must fit one flash sector: 4074 bytes of packet at most/);
		});

		it("returns false from publish when the store is full, and takes more once the broker acknowledges", async () => {
			const flash = join(dir, `${++unique}.bin`), id = `store-${name}-${unique}`;
			const { c } = await device(flash, id, {}, 2);
			const big = "r".repeat(3000); // one to a sector, and the store has two
			assert.deepEqual(
				[
					value(await c.call("publish", "t", big, 1, 0)),
					value(await c.call("publish", "t", big, 1, 0)),
					value(await c.call("publish", "t", big, 1, 0)),
				],
				[true, true, false],
			);
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
			assert.match(error.message, /options\.store a QoS 1 message must fit one flash sector: 4074 bytes of packet at most, this one is 41\d\d/);
			assert.match(
				(await c.call("publish", "t", "r".repeat(4100), 0, 0)).error?.message ?? "",
				/not connected/,
				"QoS 0 does not use the store, and offline it fails as without one",
			);
			const bad = await engine.newClientError("x", 30, null, null, 1, null, { store: {} });
			assert.deepEqual([bad?.name, bad?.message], ["TypeError", "mqtt.Client: options.store must be a Store from mqtt/store"]);
		});
	});
}
