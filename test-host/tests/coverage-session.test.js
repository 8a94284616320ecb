// The session's less travelled paths over the fake link and its manual clock: what the wire
// shows when the socket is full, when acknowledgements cross a reconnect, when timers meet,
// and when what arrives is malformed in ways the commoner tests do not try.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { generate, startSession as start, connectedSession as connected, connectFields as fields, utf8 } from "../support/fake-link.js";

function publish(session, topic, payload, qos, retain = false) {
	return session.publish(utf8(topic), typeof payload === "string" ? utf8(payload) : payload, qos, retain);
}

const sent = (link) => link.packets().filter((p) => p.cmd !== "connect");
const summary = (p) => [p.cmd, p.messageId ?? 0, p.dup ?? false];
const puback = (id) => [0x40, 2, id >> 8, id & 0xFF];

/** Drops the link and connects again; the broker answers with `sessionPresent`. Returns what is sent from then on. */
function reconnect(s, sessionPresent, space) {
	s.session.linkError();
	s.link.written = [];
	s.connect();
	if (space !== undefined)
		s.link.drain(space);
	s.link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent }));
}

describe("the socket is full", () => {
	it("reading pauses while the acknowledgements owed cannot be written, and resumes, in order, when they can", () => {
		const { link, owner } = connected();
		link.drain(0);
		const count = 200;
		const bytes = [];
		for (let id = 1; id <= count; id++)
			bytes.push(...generate({ cmd: "publish", topic: "in", payload: "x", qos: 1, messageId: id }));
		link.receive(bytes);
		const delivered = owner.names().filter((n) => n === "message").length;
		assert.ok(delivered < count, `stopped short: ${delivered} delivered`);
		assert.ok(link.inbound.length > 0, "the rest stays in the socket, where TCP holds the broker back");
		assert.deepEqual(sent(link), [], "nothing could be written");
		link.drain();
		assert.equal(owner.names().filter((n) => n === "message").length, count);
		assert.deepEqual(sent(link).map((p) => [p.cmd, p.messageId]), Array.from({ length: count }, (_, i) => ["puback", i + 1]));
		assert.equal(link.inbound.length, 0);
	});

	it("a ping waiting to be written is not doubled by an unsolicited PINGRESP", () => {
		const { link, owner } = connected({ keepalive: 10 });
		link.drain(0);
		link.receive(generate({ cmd: "publish", topic: "in", payload: "x", qos: 1, messageId: 7 }));
		link.advance(10_000); // keepalive: PINGREQ joins the PUBACK in the control lane
		link.receive([0xD0, 0]); // a PINGRESP before our PINGREQ was even written
		link.advance(9_999); // within the PINGREQ's keepalive: the PINGRESP did not answer it, so the link stands
		link.drain();
		assert.deepEqual(sent(link).map((p) => p.cmd), ["puback", "pingreq"]);
		assert.deepEqual(owner.names(), ["connect", "message"]);
	});

	it("a PUBREL owed after reconnecting waits for its four bytes of space and goes whole", () => {
		const s = connected({ cleanSession: false });
		const id = publish(s.session, "a", "2", 2);
		s.link.receive(generate({ cmd: "pubrec", messageId: id }));
		reconnect(s, true, 3);
		assert.deepEqual(sent(s.link), [], "3 bytes free: no PUBREL yet");
		s.link.drain();
		assert.deepEqual(sent(s.link).map(summary), [["pubrel", id, false]]);
		assert.deepEqual([...s.link.written.at(-1)], [0x62, 2, id >> 8, id & 0xFF], "in one write");
	});

	it("a handler that publishes more QoS 0 messages than the event ring holds gets every puback, after every publish", () => {
		const { link, owner, session } = connected({ queueLength: 16 });
		owner.onDeliver = (name, topic) => {
			if (name === "message" && topic === "go") {
				for (let i = 0; i < 12; i++)
					assert.equal(publish(session, "out", `${i}`, 0), 0);
			}
		};
		link.receive(generate({ cmd: "publish", topic: "go", payload: "", qos: 0 }));
		assert.deepEqual(sent(link).map((p) => p.payload.toString()), Array.from({ length: 12 }, (_, i) => `${i}`));
		assert.deepEqual(owner.names(), ["connect", "message", ...Array(12).fill("puback")]);
	});
});

describe("acknowledgements across a reconnect", () => {
	it("a PUBACK that comes before its resend could be written stops the resend", () => {
		const s = connected({ cleanSession: false, waitConnack: true }); // the resends wait for CONNACK
		const big = publish(s.session, "a", "b".repeat(5_000), 1);
		const small = publish(s.session, "a", "s", 1);
		reconnect(s, true, 100); // the big one goes again first, and only in part
		s.link.receive(puback(small));
		s.link.drain();
		assert.deepEqual(sent(s.link).map(summary), [["publish", big, true]]);
		assert.deepEqual(s.owner.events.filter((e) => e[0] === "puback").map((e) => e[1]), [small]);
		s.link.receive(puback(big));
		assert.deepEqual(s.owner.events.filter((e) => e[0] === "puback").map((e) => e[1]), [small, big]);
	});

	it("a SUBSCRIBE cut off by the link loss is not sent again, and frees its place in the window", () => {
		const s = connected({ cleanSession: false, window: 1 });
		s.session.subscribe(["t/#"], [3], [1]);
		reconnect(s, true);
		const id = publish(s.session, "a", "1", 1);
		assert.deepEqual(sent(s.link).map(summary), [["publish", id, false]]);
	});

	it("with options.offlineQueue, the queue keeps its QoS 1 and 2 publishes over a link loss and drops the rest", () => {
		const s = connected({ offlineQueue: true, window: 1 });
		const a = publish(s.session, "a", "a", 1); // in flight
		const b = publish(s.session, "a", "b", 1); // queued behind the full window from here on
		publish(s.session, "a", "zero", 0);
		s.session.subscribe(["t"], [1], [0]);
		const c = publish(s.session, "a", "c", 2);
		reconnect(s, false);
		s.link.receive(puback(a));
		s.link.receive(puback(b));
		assert.deepEqual(sent(s.link).map((p) => [p.cmd, p.messageId, p.payload?.toString()]), [["publish", a, "a"], ["publish", b, "b"], ["publish", c, "c"]]);
	});
});

describe("deadlines", () => {
	it("the acknowledgement deadline runs from the oldest packet in flight, whichever slot it holds", () => {
		const { link, owner, session } = connected({ keepalive: 60, ackTimeout: 10_000, window: 4 });
		const a = publish(session, "a", "1", 1); // slot 0
		publish(session, "a", "2", 1); // slot 1, never acknowledged
		link.advance(1_000);
		link.receive(puback(a));
		link.advance(3_000);
		publish(session, "a", "3", 1); // slot 0 again, newer than slot 1's
		link.advance(5_999);
		assert.deepEqual(owner.names(), ["connect", "puback"]);
		link.advance(1);
		assert.deepEqual(owner.names(), ["connect", "puback", "offline"], "10 s after the oldest was written");
	});

	it("an acknowledgement due before the next ping is waited for no longer than ackTimeout", () => {
		const { link, owner, session } = connected({ keepalive: 10, ackTimeout: 8_000 });
		link.advance(9_000);
		publish(session, "a", "1", 1);
		link.advance(7_999); // the keepalive timer fired at 10 s in between
		assert.deepEqual(owner.names(), ["connect"]);
		link.advance(1);
		assert.deepEqual(owner.names(), ["connect", "offline"]);
	});

	it("packet ids wrap from 65535 to 1, never 0, and skip one still in flight", () => {
		const { link, session } = connected({ window: 2 });
		const held = publish(session, "a", "held", 1);
		assert.equal(held, 1);
		for (let expected = 2; expected <= 65_535; expected++) {
			const id = publish(session, "a", "x", 1);
			assert.equal(id, expected);
			link.receive(puback(id));
		}
		assert.equal(publish(session, "a", "after", 1), 2, "1 is still in flight");
	});
});

describe("attempts that end early", () => {
	it("-3 when the name does not resolve within 10 s; an answer after that opens nothing", () => {
		const { link, owner, session } = start();
		session.connect(fields(), "slow", 1883, false);
		link.advance(9_999);
		assert.deepEqual(owner.events, []);
		link.advance(1);
		assert.deepEqual(owner.events, [["connfail", -3, undefined, undefined]]);
		session.linkResolved("10.0.0.1");
		assert.deepEqual(link.opened, []);
		assert.deepEqual(owner.names(), ["connfail"]);
	});

	it("-5 when the socket cannot be made", () => {
		const { link, owner, session } = start();
		link.open = () => {
			throw new Error("no socket");
		};
		session.connect(fields(), "broker", 1883, false);
		session.linkResolved("10.0.0.1");
		assert.deepEqual(owner.events, [["connfail", -5, undefined, undefined]]);
	});

	it("-4 when the first packet is a malformed CONNACK", () => {
		for (const bad of [[0x20, 2, 0x02, 0], [0x20, 2, 0, 6], [0x21, 2, 0, 0], [0x20, 3, 0, 0, 0]]) {
			const { link, owner, connect } = start();
			connect();
			link.receive(bad);
			assert.deepEqual(owner.events, [["connfail", -4, undefined, undefined]], `bytes ${bad}`);
			assert.equal(link.closed, true);
		}
	});
});

describe("malformed input the other tests do not try", () => {
	/** Bytes that end the link: one offline, nothing thrown, the socket closed. */
	function endsTheLink(bytes, options) {
		const { link, owner } = connected(options);
		assert.doesNotThrow(() => link.receive(bytes));
		assert.deepEqual(owner.names(), ["connect", "offline"], `bytes ${bytes.slice(0, 12)}`);
		assert.equal(link.closed, true);
	}

	it("a SUBACK with packet id 0", () => {
		endsTheLink([0x90, 3, 0, 0, 0]);
	});
	it("a topic name with an overlong four-byte UTF-8 form (F0 80..8F)", () => {
		endsTheLink([0x30, 7, 0, 4, 0xF0, 0x80, 0x80, 0x80, 0x78]);
		endsTheLink([0x30, 7, 0, 4, 0xF0, 0x8F, 0xBF, 0xBF, 0x78]);
	});
	it("a message larger than the buffer whose topic does not fit the buffer either", () => {
		endsTheLink(generate({ cmd: "publish", topic: "t".repeat(40), payload: "p".repeat(20), qos: 0 }), { maxMessageLength: 32 });
	});
	it("a message larger than the buffer whose topic holds a wildcard, or whose packet id is 0", () => {
		endsTheLink(generate({ cmd: "publish", topic: "a/#", payload: "p".repeat(100), qos: 0 }), { maxMessageLength: 32 });
		const zero = generate({ cmd: "publish", topic: "a", payload: "p".repeat(100), qos: 1, messageId: 1 });
		zero[6] = 0; // the packet id 1 becomes 0: 0x32, one length byte, the topic's three bytes, then the id
		endsTheLink(zero, { maxMessageLength: 32 });
	});
});
