// The invariants of the session's sending and receiving layers (outbox.ts, inbox.ts), checked
// over random runs with fast-check on a fake link: what must hold whatever the app publishes,
// however the socket's space comes and goes, and however the broker's bytes are cut up.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { connectedSession, generate, utf8 } from "../support/fake-link.js";

const WINDOW = 4;
const connected = () => connectedSession({ maxMessageLength: 512, window: WINDOW, queueLength: 8 });

/** The client's stream as the broker reads it, packet by packet, as far as it is whole. */
class BrokerView {
	parser = mqttPacket.parser({ protocolVersion: 4 });
	packets = [];
	seen = 0;
	constructor() {
		this.parser.on("packet", (packet) => this.packets.push(packet));
		this.parser.on("error", (error) => this.packets.push({ cmd: "error", error: error.message }));
	}
	/** Reads what the link got since the last call. */
	update(link) {
		for (; this.seen < link.written.length; this.seen++)
			this.parser.parse(Buffer.from(link.written[this.seen]));
	}
}

const command = fc.oneof(
	fc.record({ op: fc.constant("publish"), qos: fc.constantFrom(0, 1, 2), size: fc.integer({ min: 0, max: 300 }) }),
	fc.record({ op: fc.constant("subscribe") }),
	fc.record({ op: fc.constant("space"), bytes: fc.integer({ min: 0, max: 400 }) }),
	fc.record({ op: fc.constant("ack") }),
	fc.record({ op: fc.constant("incoming"), qos: fc.constantFrom(0, 1, 2) }),
);

describe("outbox invariants (random runs)", () => {
	it("whole packets only, in the order accepted, each once; at most `window` unacknowledged; ids unique in flight; every incoming QoS 1/2 answered once", () => {
		fc.assert(
			fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (commands) => {
				const { link, session } = connected();
				link.drain(0); // no send space until the run gives some
				const view = new BrokerView();
				const accepted = []; // payload text of every publish accepted, in order
				const unacked = new Map(); // id -> the packet the broker has not acknowledged yet
				let incomingId = 0, incomingAnswers = 0, expectedAnswers = 0, n = 0;
				const check = () => {
					view.update(link);
					for (const packet of view.packets.splice(0)) {
						assert.notEqual(packet.cmd, "error", `the stream broke: ${packet.error}`);
						if (packet.cmd === "publish") {
							accepted.length && assert.equal(packet.payload.toString(), accepted.shift(), "publishes go out in the order accepted, each once");
							if (packet.qos) {
								assert.ok(!unacked.has(packet.messageId), `id ${packet.messageId} is in flight twice`);
								unacked.set(packet.messageId, packet);
							}
						}
						else if (packet.cmd === "subscribe") {
							assert.ok(!unacked.has(packet.messageId), `id ${packet.messageId} is in flight twice`);
							unacked.set(packet.messageId, packet);
						}
						else if (packet.cmd === "pubrel")
							unacked.set(packet.messageId, packet);
						else if (packet.cmd === "puback" || packet.cmd === "pubrec")
							incomingAnswers++;
						assert.ok(unacked.size <= WINDOW, `${unacked.size} unacknowledged with a window of ${WINDOW}`);
					}
				};
				const ack = () => {
					const [id, packet] = unacked.entries().next().value;
					unacked.delete(id);
					const answer = packet.cmd === "subscribe" ?
						{ cmd: "suback", messageId: id, granted: [1] }
						: packet.cmd === "pubrel" ?
						{ cmd: "pubcomp", messageId: id }
						: { cmd: packet.qos === 1 ? "puback" : "pubrec", messageId: id };
					link.receive(generate(answer));
				};
				for (const c of commands) {
					if (c.op === "publish") {
						const text = `${n++}:${"x".repeat(c.size)}`;
						if (session.publish(utf8("t"), utf8(text), c.qos, false) >= 0)
							accepted.push(text);
					}
					else if (c.op === "subscribe")
						session.subscribe(["s"], [1], [1]);
					else if (c.op === "space")
						link.drain(c.bytes);
					else if (c.op === "ack" && unacked.size)
						ack();
					else if (c.op === "incoming") {
						if (c.qos)
							expectedAnswers++;
						link.receive(
							generate({ cmd: "publish", topic: "in", payload: Buffer.from("m"), qos: c.qos, messageId: c.qos ? ++incomingId : undefined }),
						);
					}
					check();
				}
				link.drain(1_000_000); // then room enough for everything, and the broker answers all
				check();
				for (let rounds = 0; unacked.size && rounds < 1000; rounds++) {
					ack();
					check();
				}
				assert.deepEqual(accepted, [], "every accepted publish went out");
				assert.equal(incomingAnswers, expectedAnswers, "one PUBACK or PUBREC per incoming QoS 1/2 message");
			}),
			{ numRuns: 300, seed: 11 },
		);
	});
});

/** A broker's stream: publishes at QoS 0..2, QoS 2 ones sometimes resent with DUP before their PUBREL. */
const incoming = fc.array(
	fc.record({ qos: fc.constantFrom(0, 1, 2), topic: fc.constantFrom("a", "b/c", "ünï/cödé"), payload: fc.string({ maxLength: 40 }), resend: fc.boolean() }),
	{ minLength: 1, maxLength: 25 },
);

function brokerStream(messages) {
	const bytes = [];
	const expected = [];
	let id = 0;
	for (const m of messages) {
		const messageId = m.qos ? ++id : undefined;
		const publish = { cmd: "publish", topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, messageId };
		bytes.push(...generate(publish));
		expected.push([m.topic, m.payload === "" ? undefined : m.payload]);
		if (m.qos === 2) {
			if (m.resend)
				bytes.push(...generate({ ...publish, dup: true }));
			bytes.push(...generate({ cmd: "pubrel", messageId }));
		}
	}
	return { bytes: Uint8Array.from(bytes), expected };
}

describe("inbox invariants (random runs)", () => {
	it("however the broker's bytes are cut, every message is delivered once, in order, and answered as MQTT says", () => {
		fc.assert(
			fc.property(incoming, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }), (messages, cuts) => {
				const { bytes, expected } = brokerStream(messages);
				const { link, owner } = connected();
				const before = link.written.length;
				for (let at = 0, i = 0; at < bytes.length; i++) {
					const size = cuts[i % cuts.length];
					link.receive(bytes.subarray(at, at + size));
					at += size;
				}
				const delivered = owner.events.filter((e) => e[0] === "message").map((e) => [e[1], e[2]]);
				assert.deepEqual(delivered, expected);
				const view = new BrokerView();
				view.seen = before;
				view.update(link);
				const answers = view.packets.map((p) => `${p.cmd} ${p.messageId}`);
				const wanted = [];
				let id = 0;
				for (const m of messages) {
					if (m.qos === 1)
						wanted.push(`puback ${++id}`);
					else if (m.qos === 2) {
						wanted.push(`pubrec ${++id}`);
						if (m.resend)
							wanted.push(`pubrec ${id}`);
						wanted.push(`pubcomp ${id}`);
					}
				}
				assert.deepEqual(answers, wanted);
			}),
			{ numRuns: 300, seed: 12 },
		);
	});
});
