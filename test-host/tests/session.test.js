// The session state machine over a fake link and a manual clock: timing, windows, lanes,
// redelivery and re-entrancy, deterministically and without a network.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { generate, startSession as start, connectedSession as connected, connectFields as fields, utf8 } from "../support/fake-link.js";

function publish(session, topic, payload, qos, retain = false) {
	return session.publish(utf8(topic), typeof payload === "string" ? utf8(payload) : payload, qos, retain);
}

const sent = (link) => link.packets().filter((p) => p.cmd !== "connect");

describe("handshake", () => {
	it("CONNECT goes out when the link is up; CONNACK 0 connects", () => {
		const { link, owner, connect } = start();
		connect();
		assert.deepEqual(link.resolved, ["broker"]);
		assert.equal(link.opened[0].address, "10.0.0.1");
		const [packet] = link.packets();
		assert.deepEqual([packet.cmd, packet.clientId, packet.keepalive, packet.clean], ["connect", "t", 60, true]);
		link.receive([0x20, 2, 1, 0]);
		assert.deepEqual(owner.events, [["connect", true, undefined, undefined]]);
	});
	for (const code of [1, 2, 3, 4, 5]) {
		it(`refusal ${code} is one connfail and nothing else`, () => {
			const { link, owner, connect } = start();
			connect();
			link.receive([0x20, 2, 0, code]);
			link.advance(120_000);
			assert.deepEqual(owner.events, [["connfail", code, undefined, undefined]]);
			assert.equal(link.closed, true);
		});
	}
	it("-3 when the name does not resolve, -5 when the connection fails or never comes up", () => {
		let s = start();
		s.session.connect(fields(), "nowhere", 1883, false);
		s.session.linkResolved(undefined);
		assert.deepEqual(s.owner.names(), ["connfail"]);
		assert.equal(s.owner.events[0][1], -3);
		s = start();
		s.session.connect(fields(), "broker", 1883, false);
		s.session.linkResolved("10.0.0.1");
		s.session.linkError();
		assert.equal(s.owner.events[0][1], -5);
		s = start();
		s.session.connect(fields(), "broker", 1883, false);
		s.session.linkResolved("10.0.0.1");
		s.link.advance(9_999);
		assert.deepEqual(s.owner.events, []);
		s.link.advance(1);
		assert.equal(s.owner.events[0][1], -5);
	});
	it("-1 when CONNECT cannot be handed over within 5 s, -2 when no CONNACK follows within 5 s", () => {
		let s = start();
		s.session.connect(fields(), "broker", 1883, false);
		s.session.linkResolved("10.0.0.1");
		s.link.free = 5;
		s.session.linkWritable(5); // less than the CONNECT
		s.link.advance(5_000);
		assert.deepEqual(s.owner.events, [["connfail", -1, undefined, undefined]]);
		s = start();
		s.connect();
		s.link.advance(4_999);
		assert.deepEqual(s.owner.events, []);
		s.link.advance(1);
		assert.deepEqual(s.owner.events, [["connfail", -2, undefined, undefined]]);
	});
	it("-4 when the first packet is not a CONNACK", () => {
		const { link, owner, connect } = start();
		connect();
		link.receive([0xD0, 0]);
		assert.deepEqual(owner.events, [["connfail", -4, undefined, undefined]]);
	});
	it("close() while resolving, opening or waiting for CONNACK returns false and the attempt goes on to one connect", () => {
		for (const step of [0, 1, 2]) {
			const { link, owner, session } = start();
			session.connect(fields(), "broker", 1883, false);
			if (step > 0)
				session.linkResolved("10.0.0.1");
			if (step > 1)
				session.linkWritable(link.free);
			assert.equal(session.close(), false);
			if (step < 1)
				session.linkResolved("10.0.0.1");
			if (step < 2)
				session.linkWritable(link.free);
			link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
			assert.deepEqual(owner.names(), ["connect"], `close() at step ${step}`);
			assert.equal(session.connected, true);
		}
	});
	it("close() while waiting for CONNACK leaves the CONNACK timeout to end the attempt: one connfail", () => {
		const { link, owner, session, connect } = start();
		connect();
		assert.equal(link.due, 5_000, "waiting for CONNACK");
		assert.equal(session.close(), false);
		link.advance(60_000);
		assert.deepEqual(owner.events, [["connfail", -2, undefined, undefined]]);
		assert.equal(link.closed, true);
	});
});

describe("keepalive", () => {
	it("PINGREQ after keepalive seconds without sending; PINGRESP keeps the link", () => {
		const { link, owner } = connected({ keepalive: 10 });
		link.advance(9_999);
		assert.equal(sent(link).length, 0);
		link.advance(1);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["pingreq"]);
		link.receive([0xD0, 0]);
		link.advance(10_000);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["pingreq", "pingreq"]);
		assert.deepEqual(owner.names(), ["connect"]);
	});
	it("sending postpones the ping; no PINGRESP within keepalive ends the link with one offline", () => {
		const { link, owner, session } = connected({ keepalive: 10 });
		link.advance(8_000);
		publish(session, "a", "x", 0);
		link.advance(9_999);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish"]);
		link.advance(1);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish", "pingreq"]);
		link.advance(10_000);
		assert.deepEqual(owner.names(), ["connect", "puback", "offline"]);
		assert.equal(link.closed, true);
		link.advance(100_000);
		assert.equal(owner.names().filter((n) => n === "offline").length, 1);
	});
	it("a PINGRESP that comes while our PINGREQ still waits to go out answers nothing: no timer loop, the stuck link ends", () => {
		const { link, owner, session } = connected({ keepalive: 10 });
		link.drain(10); // the send buffer has room for 10 bytes, and gets no more
		publish(session, "a", "x".repeat(100), 0); // written in part; the rest waits for room
		const arms = [];
		const schedule = link.schedule;
		link.schedule = (ms) => {
			arms.push(ms);
			schedule.call(link, ms);
		};
		link.advance(10_000); // the PINGREQ is due and queued behind the publish
		link.receive([0xD0, 0]); // a PINGRESP we did not ask for yet
		link.advance(10_100);
		assert.deepEqual(arms.filter((ms) => ms < 1000), [], "the session re-armed its timer in a tight loop");
		assert.deepEqual(owner.names(), ["connect", "offline"]);
		assert.equal(link.closed, true);
	});
	it("a ping is due even while our packets wait for a full window", () => {
		const { link, session } = connected({ keepalive: 5, window: 1, ackTimeout: 60_000 });
		publish(session, "a", "1", 1);
		publish(session, "a", "2", 1);
		link.advance(5_000);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish", "pingreq"]);
	});
	it("an acknowledgement that does not come within ackTimeout ends the link", () => {
		const { link, owner, session } = connected({ keepalive: 60, ackTimeout: 3_000 });
		publish(session, "a", "1", 1);
		link.advance(3_000);
		assert.deepEqual(owner.names(), ["connect", "offline"]);
	});
});

describe("sending", () => {
	it("a QoS 0 publish is reported once written only when the app has a puback handler", () => {
		const { link, owner, session } = connected({ reportWritten: false });
		publish(session, "a", "x", 0);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish"]);
		assert.deepEqual(owner.names(), ["connect"]);
		session.reportWritten = true;
		publish(session, "a", "y", 0);
		assert.deepEqual(owner.names(), ["connect", "puback"]);
	});
	it("QoS 0 is done once written, QoS 1 on PUBACK, QoS 2 on PUBCOMP after PUBREL", () => {
		const { link, owner, session } = connected();
		assert.equal(publish(session, "a", "zero", 0), 0);
		const one = publish(session, "a", "one", 1);
		const two = publish(session, "a", "two", 2);
		assert.deepEqual(owner.events.slice(1), [["puback", 0, undefined, undefined]]);
		link.receive(generate({ cmd: "puback", messageId: one }));
		link.receive(generate({ cmd: "pubrec", messageId: two }));
		assert.deepEqual(sent(link).map((p) => [p.cmd, p.messageId ?? 0]), [["publish", 0], ["publish", one], ["publish", two], ["pubrel", two]]);
		assert.deepEqual(owner.names(), ["connect", "puback", "puback"]);
		link.receive(generate({ cmd: "pubcomp", messageId: two }));
		assert.deepEqual(owner.events.slice(1).map((e) => e[1]), [0, one, two]);
	});
	it("the window bounds packets in flight and the queue bounds the rest", () => {
		const { link, session } = connected({ window: 2, queueLength: 3 });
		const ids = [1, 2, 3, 4, 5].map((i) => publish(session, "a", `${i}`, 1));
		assert.equal(ids.filter((id) => id > 0).length, 5);
		assert.equal(publish(session, "a", "6", 1), -1, "2 in flight + 3 queued: full");
		assert.equal(sent(link).length, 2);
		link.receive(generate({ cmd: "puback", messageId: ids[0] }));
		assert.deepEqual(sent(link).map((p) => p.payload.toString()), ["1", "2", "3"]);
		assert.ok(publish(session, "a", "6", 1) > 0);
	});
	it("packets larger than the free send space go out in pieces, and acks we owe wait only for the packet being written", () => {
		const { link, session } = connected();
		link.drain(1000);
		const big = "b".repeat(10_000);
		publish(session, "big", big, 1);
		publish(session, "next", "n", 0);
		assert.equal(link.bytes().length - link.written[0].length, 1000);
		link.receive(generate({ cmd: "publish", topic: "in", payload: "x", qos: 1, messageId: 9 }));
		while (sent(link).length < 1 || link.free === 0)
			link.drain(1000);
		const order = sent(link).map((p) => [p.cmd, p.messageId ?? 0]);
		assert.deepEqual(order.slice(0, 3), [["publish", 1], ["puback", 9], ["publish", 0]]);
		assert.equal(sent(link)[0].payload.toString(), big);
	});
	it("acks we owe go out before our queued data", () => {
		const { link, session } = connected({ window: 1 });
		publish(session, "a", "1", 1);
		publish(session, "a", "2", 1);
		link.receive(generate({ cmd: "publish", topic: "in", payload: "x", qos: 1, messageId: 9 }));
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish", "puback"]);
	});
	it("packet ids skip 0 and ids still in use", () => {
		const { link, session } = connected({ window: 4 });
		const first = publish(session, "a", "1", 1);
		for (let i = 0; i < 65_534; i++) {
			const id = publish(session, "a", "x", 1);
			assert.ok(id !== 0 && id !== first, `id ${id}`);
			link.receive(generate({ cmd: "puback", messageId: id }));
		}
	});
	it("close() sends DISCONNECT before queued data; offline comes from the timer, once", () => {
		const { link, owner, session } = connected({ window: 1 });
		publish(session, "a", "1", 1);
		publish(session, "a", "2", 1);
		assert.equal(session.close(), true);
		assert.deepEqual(owner.names(), ["connect"], "not inside close()");
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish", "disconnect"]);
		link.advance(0);
		assert.deepEqual(owner.names(), ["connect", "offline"]);
		assert.equal(link.closed, true);
		assert.equal(session.close(), false);
	});
});

describe("receiving", () => {
	it("a QoS 2 message resent with DUP before PUBREL is acknowledged again and delivered once", () => {
		const { link, owner } = connected();
		const message = { cmd: "publish", topic: "q2", payload: "once", qos: 2, messageId: 12 };
		link.receive(generate(message));
		link.receive(generate({ ...message, dup: true }));
		link.receive(generate({ cmd: "pubrel", messageId: 12 }));
		assert.deepEqual(owner.events.filter((e) => e[0] === "message").map((e) => e[2]), ["once"]);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["pubrec", "pubrec", "pubcomp"]);
		link.receive(generate({ ...message, payload: "again" })); // the id is free again after PUBCOMP
		assert.equal(owner.events.filter((e) => e[0] === "message").length, 2);
	});
	it("an oversized message: overflow gets the first bytes, the rest is skipped as it arrives, QoS 1 is acked", () => {
		const { link, owner } = connected({ maxMessageLength: 64 });
		const big = generate({ cmd: "publish", topic: "big", payload: "y".repeat(1000), qos: 1, messageId: 3 });
		for (let i = 0; i < big.length; i += 100)
			link.receive(big.subarray(i, i + 100));
		link.receive(generate({ cmd: "publish", topic: "small", payload: "ok", qos: 0 }));
		const [overflow, message] = owner.events.slice(1);
		assert.equal(overflow[0], "overflow");
		assert.equal(overflow[1], "big");
		assert.equal(overflow[2], "y".repeat(64 - 3 - 2 - 3 - 2)); // the buffer less the fixed header, topic and packet id
		assert.deepEqual(message.slice(0, 3), ["message", "small", "ok"]);
		assert.deepEqual(sent(link).map((p) => [p.cmd, p.messageId]), [["puback", 3]]);
		assert.ok(Math.max(...link.reads) <= 64, "never reads more than the buffer holds");
	});
	it("handlers may publish and close re-entrantly; they run after the parser is done", () => {
		const { link, owner, session } = connected();
		owner.onDeliver = (name, topic) => {
			if (name === "message" && topic === "a")
				publish(session, "reply", "r", 1);
			if (name === "message" && topic === "b")
				session.close();
		};
		link.receive([
			...generate({ cmd: "publish", topic: "a", payload: "1", qos: 0 }),
			...generate({ cmd: "publish", topic: "b", payload: "2", qos: 0 }),
			...generate({ cmd: "publish", topic: "c", payload: "3", qos: 0 }),
		]);
		link.advance(0);
		assert.deepEqual(owner.names(), ["connect", "message", "message", "message", "offline"]);
		assert.deepEqual(sent(link).map((p) => p.cmd), ["publish", "disconnect"]);
	});
	it("what a handler publishes is written after it returns, not under its frames (the device's stack is small)", () => {
		const { link, owner, session } = connected();
		let inHandler = false, writesInHandler = 0;
		const write = link.write.bind(link);
		link.write = (...args) => {
			if (inHandler)
				writesInHandler++;
			return write(...args);
		};
		owner.onDeliver = (name, topic) => {
			if (name !== "message")
				return;
			inHandler = true;
			publish(session, `re/${topic}`, "r", 1);
			publish(session, `re0/${topic}`, "r", 0);
			inHandler = false;
		};
		link.receive([
			...generate({ cmd: "publish", topic: "a", payload: "1", qos: 1, messageId: 5 }),
			...generate({ cmd: "publish", topic: "b", payload: "2", qos: 0 }),
		]);
		assert.equal(writesInHandler, 0);
		assert.deepEqual(sent(link).map((p) => [p.cmd, p.topic ?? p.messageId]), [
			["puback", 5],
			["publish", "re/a"],
			["publish", "re0/a"],
			["publish", "re/b"],
			["publish", "re0/b"],
		]);
	});
	it("binary payloads, invalid UTF-8 as one character per byte, and empty payloads", () => {
		let s = connected({ binary: true });
		s.link.receive(generate({ cmd: "publish", topic: "b", payload: Buffer.from([0, 255]), qos: 0 }));
		assert.ok(s.owner.events[1][2] instanceof ArrayBuffer);
		assert.deepEqual([...new Uint8Array(s.owner.events[1][2])], [0, 255]);
		s = connected();
		s.link.receive(generate({ cmd: "publish", topic: "b", payload: Buffer.from([0x68, 0xFF]), qos: 0 }));
		s.link.receive(generate({ cmd: "publish", topic: "b", payload: Buffer.alloc(0), qos: 0 }));
		assert.deepEqual(s.owner.events.slice(1).map((e) => e[2]), ["h\u00ff", undefined]);
	});
	it("malformed input ends the link with one offline and nothing thrown", () => {
		for (const bad of [[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x00, 0], [0x62, 2, 0, 0], [0x90, 3, 0, 99, 0], [0x20, 2, 0, 0], [0x36, 3, 0, 1, 0x61]]) {
			const { link, owner } = connected();
			assert.doesNotThrow(() => link.receive(bad));
			assert.deepEqual(owner.names(), ["connect", "offline"], `bytes ${bad}`);
			assert.equal(link.closed, true);
		}
	});
});

describe("sessions that outlive the connection (cleansession 0)", () => {
	it("unacknowledged QoS 1 and 2 go again with DUP, and PUBREL again, in order (4.6), before new packets", () => {
		const { link, owner, session, connect } = connected({ cleanSession: false });
		const a = publish(session, "a", "1", 1);
		const b = publish(session, "a", "2", 2);
		const c = publish(session, "a", "3", 2);
		link.receive(generate({ cmd: "pubrec", messageId: c })); // c now waits for PUBCOMP
		session.linkError();
		assert.deepEqual(owner.names(), ["connect", "offline"]);
		link.written = [];
		connect();
		link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: true }));
		const d = publish(session, "a", "4", 1);
		const again = sent(link).map((p) => [p.cmd, p.messageId, p.dup ?? false]);
		assert.deepEqual(again, [["publish", a, true], ["publish", b, true], ["pubrel", c, false], ["publish", d, false]]);
	});
	it("with cleansession 1 the session ends with the connection", () => {
		const { link, session, connect } = connected({ cleanSession: true });
		publish(session, "a", "1", 1);
		session.linkError();
		link.written = [];
		connect();
		link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
		assert.deepEqual(sent(link), []);
	});
});

describe("reconnecting by itself (options.reconnect), on the fake clock", () => {
	/** A session that reconnects by itself, its jitter drawn from `draws` in turn. */
	function reconnecting(draws, reconnect = { min: 1000, max: 8000 }) {
		let i = 0;
		const s = start({ reconnect, random: () => draws[i++ % draws.length] });
		s.session.connect(fields(), "broker", 1883, false);
		return s;
	}
	/** Answers every lookup from now on with "no such name" (-3), a millisecond later. */
	const refuse = ({ link, session }) => {
		const resolve = link.resolve.bind(link);
		let pending = 0;
		link.resolve = (host) => {
			resolve(host);
			pending++;
		};
		const advance = link.advance.bind(link);
		link.advance = (ms) => {
			for (let i = 0; i < ms; i++) {
				advance(1);
				for (; pending; pending--)
					session.linkResolved(undefined);
			}
		};
	};

	it("backs off from min, doubling the ceiling up to max, drawing each delay below it", () => {
		const s = reconnecting([1]); // the longest delay each time: the ceiling itself
		refuse(s);
		s.session.linkResolved(undefined); // the first attempt fails
		const attempts = () => s.link.resolved.length;
		const delays = [];
		for (let n = 0; n < 6; n++) {
			const before = attempts();
			const from = s.link.clock;
			while (attempts() === before)
				s.link.advance(1);
			delays.push(s.link.clock - from);
		}
		assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
		assert.ok(s.owner.names().every((name) => name === "connfail"));
	});

	it("a draw of 0 still waits a tenth of min: never a tight loop", () => {
		const s = reconnecting([0]);
		refuse(s);
		s.session.linkResolved(undefined);
		s.link.advance(99);
		assert.equal(s.link.resolved.length, 1);
		s.link.advance(1);
		assert.equal(s.link.resolved.length, 2);
	});

	it("starts the backoff again only after a session that held for a keepalive interval", () => {
		const s = reconnecting([1]);
		const up = () => {
			s.session.linkResolved("10.0.0.1");
			s.session.linkWritable(s.link.free);
			s.link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
		};
		const nextAttemptAfter = () => {
			const before = s.link.resolved.length, from = s.link.clock;
			while (s.link.resolved.length === before)
				s.link.advance(1);
			return s.link.clock - from;
		};
		up();
		s.session.linkError(); // dropped at once: attempt 0
		assert.equal(nextAttemptAfter(), 1000);
		up();
		s.session.linkError(); // dropped at once again: the backoff grows
		assert.equal(nextAttemptAfter(), 2000);
		up();
		s.link.advance(60_000); // held for a keepalive interval (pinging; the PINGRESP comes)
		s.link.receive(generate({ cmd: "pingresp" }));
		s.session.linkError();
		assert.equal(nextAttemptAfter(), 1000, "from the start again");
	});

	it("stop() cancels the attempt waiting to be made, and connect() makes one at once", () => {
		const s = reconnecting([1]);
		s.session.linkResolved(undefined);
		s.session.stop();
		s.link.advance(60_000);
		assert.equal(s.link.resolved.length, 1);
		s.session.connect(fields(), "broker", 1883, false);
		assert.equal(s.link.resolved.length, 2);
	});

	it("a handler that connects by itself is not raced by an attempt of the session's", () => {
		const s = reconnecting([1]);
		s.owner.onDeliver = (name) => {
			if (name === "connfail" && s.link.resolved.length === 1)
				s.session.connect(fields(), "broker", 1883, false);
		};
		s.session.linkResolved(undefined);
		assert.equal(s.link.resolved.length, 2, "the handler's attempt");
		s.link.advance(4_000); // within OPEN_TIMEOUT: nothing else starts
		assert.equal(s.link.resolved.length, 2);
	});
});
