// The drained signal (ours, issue 23): `unacked` counts the publishes accepted and not yet done,
// and "drained" comes once every one is done (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP),
// after the puback events that finished them. Over the fake link first, then through the
// public API on both engines against mosquitto.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { generate, connectedSession as connected, utf8 } from "../support/fake-link.js";
import { ENGINES, startEngine } from "../engine.js";
import { value } from "../support/results.js";
import { startMosquitto } from "../brokers/mosquitto.js";

function publish(session, topic, payload, qos) {
	return session.publish(utf8(topic), utf8(payload), qos, false);
}

describe("drained, over the fake link", () => {
	it("counts QoS 0, 1 and 2 until each is done, and comes once, after the last puback", () => {
		const { link, owner, session } = connected();
		session.reportDrained = true;
		link.drain(0); // nothing can be written: even QoS 0 waits
		publish(session, "a", "0", 0);
		const one = publish(session, "a", "1", 1);
		const two = publish(session, "a", "2", 2);
		assert.equal(session.unacked, 3);
		link.drain();
		assert.equal(session.unacked, 2, "QoS 0 is done once written");
		assert.deepEqual(owner.names().slice(1), ["puback"]);
		link.receive(generate({ cmd: "puback", messageId: one }));
		link.receive(generate({ cmd: "pubrec", messageId: two }));
		assert.equal(session.unacked, 1, "QoS 2 waits for PUBCOMP, not PUBREC");
		assert.ok(!owner.names().includes("drained"));
		link.receive(generate({ cmd: "pubcomp", messageId: two }));
		assert.equal(session.unacked, 0);
		assert.deepEqual(owner.names().slice(1), ["puback", "puback", "puback", "drained"]);
	});

	it("two acknowledgements read at once give one drained, after both pubacks", () => {
		const { link, owner, session } = connected();
		session.reportDrained = true;
		const a = publish(session, "a", "1", 1), b = publish(session, "a", "2", 1);
		link.receive([...generate({ cmd: "puback", messageId: a }), ...generate({ cmd: "puback", messageId: b })]);
		assert.deepEqual(owner.names().slice(1), ["puback", "puback", "drained"]);
	});

	it("a puback handler that publishes again holds drained back until that one is done too", () => {
		const { link, owner, session } = connected();
		session.reportDrained = true;
		let again;
		owner.onDeliver = (name) => {
			if (name === "puback" && again === undefined)
				again = publish(session, "a", "again", 1);
		};
		const first = publish(session, "a", "1", 1);
		link.receive(generate({ cmd: "puback", messageId: first }));
		assert.deepEqual(owner.names().slice(1), ["puback"]);
		assert.equal(session.unacked, 1);
		link.receive(generate({ cmd: "puback", messageId: again }));
		assert.deepEqual(owner.names().slice(1), ["puback", "puback", "drained"]);
	});

	it("is not told without a handler, and a subscription's SUBACK is no publish done", () => {
		const { link, owner, session } = connected();
		const id = publish(session, "a", "1", 1);
		link.receive(generate({ cmd: "puback", messageId: id }));
		session.reportDrained = true;
		const sub = session.subscribe(["t"], [1], [1]);
		link.receive(generate({ cmd: "suback", messageId: sub, granted: [1] }));
		assert.deepEqual(owner.names().slice(1), ["puback", "suback"]);
	});

	it("publishes dropped with a clean session are not done: no drained, and nothing held", () => {
		const { link, owner, session } = connected();
		session.reportDrained = true;
		publish(session, "a", "1", 1);
		session.linkError();
		assert.equal(session.unacked, 0);
		assert.deepEqual(owner.names().slice(1), ["offline"]);
		assert.equal(link.closed, true);
	});
});

for (const name of ENGINES) {
	describe(`drained through the API on ${name}`, () => {
		let broker, engine;
		before(async () => {
			broker = await startMosquitto();
			engine = await startEngine(name);
		});
		after(async () => {
			await engine?.close();
			await broker?.stop();
		});

		it("comes after the QoS 0, 1 and 2 publishes are done, with unacked 0; a handler that throws is traced", async () => {
			const client = await engine.newClient(`drained-${process.pid}-${name}`, 30);
			value(await client.call("on", "drained", engine.fn("drained", { throws: "tired" })));
			value(await client.call("on", "puback", engine.fn("puback")));
			value(await client.call("connect", "127.0.0.1", broker.port, false, engine.fn("connected")));
			await client.next("connected");
			// one turn: the QoS 0 one is written at once, but the other two are not done yet
			assert.deepEqual(value(await client.calls(["publish", "d/1", "one", 1, 0], ["publish", "d/2", "two", 2, 0], ["publish", "d/0", "zero", 0, 0])), [
				true,
				true,
				true,
			]);
			await client.next("drained");
			const labels = client.events.map((e) => e.label);
			assert.deepEqual(labels.slice(labels.indexOf("connected") + 1), ["puback", "puback", "puback", "drained"]);
			assert.equal(await client.get("unacked"), 0);
			assert.ok(engine.traces.some((line) => /drained handler threw: .*tired/.test(line)), engine.traces.join(""));
			value(await client.call("publish", "d/1", "after", 1, 0));
			await client.next("drained");
			assert.equal(await client.get("unacked"), 0, "the client went on after the throw");
		});
	});
}
