// The session's tables (modules/mqtt/tables.ts) through their named operations: where each
// operation writes (against the layout table in the file's header), each operation's effect,
// and every move of a window slot the protocol does not allow, refused and traced.
import { describe, it, afterEach } from "mocha";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { connectedSession, startSession, generate, utf8 } from "../support/fake-link.js";
import { TABLES, constEnum } from "../support/tables-source.js";

const source = (name) => readFileSync(new URL(`../../modules/mqtt/${name}`, import.meta.url), "utf8");

const Layout = constEnum("Layout"), Slot = constEnum("Slot"), Kind = constEnum("Kind"), Ev = constEnum("Ev");
const STATES = [Slot.FREE, Slot.WAIT_PUBACK, Slot.WAIT_PUBREC, Slot.WAIT_PUBCOMP, Slot.WAIT_SUBACK, Slot.WAIT_UNSUBACK];

/** The layout table of tables.ts's header: one row per region of a view. */
function layoutTable(q, w, r) {
	const names = { ...Layout, q, w, r };
	const evaluate = (expression) => Function(...Object.keys(names), `return ${expression};`)(...Object.values(names));
	const rows = [];
	for (const line of TABLES.split("\n")) {
		const cells = line.match(/^\s*\*\s*\|(.*)\|\s*$/)?.[1].split("|").map((cell) => cell.trim());
		if (!cells || cells[0] === "view")
			continue;
		const [view, region, from, length] = cells;
		const [start, step] = from.split(", step ");
		rows.push({ view, region, from: evaluate(start), step: step ? Number(step) : 1, length: evaluate(length) });
	}
	return rows;
}

const Q = 5, W = 3, R = 4;
let traced = [], saved;
function captureTrace() {
	saved = globalThis.trace;
	traced = [];
	globalThis.trace = (text) => traced.push(text);
}
afterEach(() => {
	if (saved)
		globalThis.trace = saved;
	saved = undefined;
});

/** A connected session whose window slot 0 waits in `state` (FREE: left empty). */
function slotIn(state) {
	const s = connectedSession({ window: W, queueLength: Q, receiveMaximum: R });
	if (state !== Slot.FREE)
		assert.equal(s.session.hold(0, state === Slot.WAIT_PUBCOMP ? Slot.WAIT_PUBREC : state, 7, undefined), true);
	if (state === Slot.WAIT_PUBCOMP)
		assert.equal(s.session.advance(0, Slot.WAIT_PUBCOMP), true);
	assert.equal(s.session.slotState(0), state);
	return s;
}

describe("the layout of the tables", () => {
	const rows = layoutTable(Q, W, R);
	const region = (view, name) => rows.find((row) => row.view === view && row.region === name);
	/** Where `value` sits in a view: the one index, asserted to be in the region the table names. */
	function landed(view, array, name, value, nth = 0) {
		const row = region(view, name);
		assert.ok(row, `the table has a ${view} ${name} row`);
		const at = [];
		array.forEach((v, i) => v === value && at.push(i));
		const inside = at.filter((i) => i >= row.from && i < row.from + row.step * row.length && (i - row.from) % row.step === 0);
		assert.ok(inside.length > nth, `${view}[${at}] holds ${value}; the table puts ${name} at ${row.from}, ${row.length} long`);
		return inside[nth];
	}

	it("has a row for every region, and the regions of each view tile it exactly", () => {
		const { session } = connectedSession({ window: W, queueLength: Q, receiveMaximum: R });
		for (const [view, array] of [["words", session.words], ["flags", session.flags], ["times", session.times]]) {
			const covered = new Array(array.length).fill(0);
			for (const row of rows.filter((r) => r.view === view)) {
				for (let i = 0; i < row.length; i++)
					covered[row.from + i * row.step]++;
			}
			assert.deepEqual(covered, new Array(array.length).fill(1), `${view}: every entry in exactly one region`);
		}
		assert.deepEqual([...new Set(rows.map((r) => r.region))], ["control", "events", "queue", "window", "incoming", "resend", "topic", "sent", "order"]);
	});

	it("puts what each operation writes where the table says", () => {
		const { session, link } = connectedSession({ window: W, queueLength: Q, receiveMaximum: R });
		session.control(4, 0xa1b2); // a PUBACK owed
		const control = landed("words", session.words, "control", 0xa1b2);
		assert.equal(session.flags[control], 4);
		assert.equal(session.takeControl(4), 4);

		session.post(Ev.UNSUBACK, 0xc3d4, undefined, undefined);
		const event = landed("words", session.words, "events", 0xc3d4);
		assert.equal(session.flags[event], Ev.UNSUBACK);

		session.draining = true; // as in a handler: the publish waits in the queue
		session.nextId = 0xe000;
		assert.equal(session.publish(utf8("t"), utf8("m"), 1, false), 0xe001);
		const queued = landed("words", session.words, "queue", 0xe001);
		assert.equal(session.flags[queued], Kind.PUBLISH1);

		session.draining = false;
		link.clock = 777;
		link.free = 0; // into the window, but not onto the wire
		session.linkWritable(0);
		const flight = landed("words", session.words, "window", 0xe001);
		assert.equal(session.flags[flight], Slot.WAIT_PUBACK);
		const slot = flight - region("words", "window").from;
		assert.equal(session.times[landed("times", session.times, "sent", 777)], 777);
		assert.equal(landed("times", session.times, "sent", 777), 2 * slot);
		assert.equal(session.times[2 * slot + 1], session.order);
		assert.equal(landed("times", session.times, "order", session.order), 2 * slot + 1);

		assert.equal(session.rememberIncoming(0xf00d), true);
		landed("words", session.words, "incoming", 0xf00d);

		session.markResend(slot);
		assert.equal(landed("flags", session.flags, "resend", 1, 0) - region("flags", "resend").from, slot);

		const topic = utf8("zq\u00ff");
		session.topicOf(topic, 0, topic.length);
		const at = landed("flags", session.flags, "topic", topic[0]);
		assert.deepEqual([...session.flags.subarray(at, at + topic.length)], [...topic]);
	});

	it("no module but tables.ts indexes words, flags or times", () => {
		const dir = new URL("../../modules/mqtt/", import.meta.url);
		const files = readdirSync(dir, { recursive: true }).filter((name) => name.endsWith(".ts") && name !== "tables.ts");
		assert.ok(files.length > 10);
		for (const name of files) {
			const text = source(name).replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "");
			assert.doesNotMatch(text, /\bthis\.(words|flags|times)\b|\b(words|flags|times)\s*\[/, `${name} reaches into the tables`);
		}
	});
});

describe("window slots: hold, advance, release", () => {
	const legal = (from, to) =>
		from === Slot.FREE ?
			to !== Slot.FREE
			: to === Slot.FREE || (from === Slot.WAIT_PUBREC && to === Slot.WAIT_PUBCOMP) || (from === Slot.WAIT_PUBCOMP && to === Slot.WAIT_PUBREC);

	for (const from of STATES) {
		for (const to of STATES) {
			it(`${legal(from, to) ? "allows" : "refuses, and traces,"} state ${from} to ${to}`, () => {
				const { session } = slotIn(from);
				captureTrace();
				const moved = to === Slot.FREE ? session.release(0) : from === Slot.FREE ? session.hold(0, to, 9, undefined) : session.advance(0, to);
				assert.equal(moved, legal(from, to));
				if (legal(from, to)) {
					assert.equal(session.slotState(0), to);
					assert.deepEqual(traced, []);
				}
				else {
					assert.equal(session.slotState(0), from, "the slot keeps its state");
					assert.deepEqual(traced, [`mqtt: window slot 0 may not go from state ${from} to ${to}\n`]);
				}
			});
		}
	}

	it("hold refuses a state that is no wait, and any slot outside the window", () => {
		const { session } = slotIn(Slot.FREE);
		captureTrace();
		assert.equal(session.hold(0, Slot.WRITING_UNACKED, 1, undefined), false);
		assert.equal(session.hold(W, Slot.WAIT_PUBACK, 1, undefined), false);
		assert.equal(session.release(-1), false);
		assert.equal(session.advance(W, Slot.WAIT_PUBCOMP), false);
		assert.equal(traced.length, 4);
		assert.equal(session.slotState(0), Slot.FREE);
	});

	it("hold keeps the id and packet, last in the order of sending; PUBREC's advance moves it last again", () => {
		const { session } = slotIn(Slot.FREE);
		const a = utf8("a"), b = utf8("b");
		session.hold(0, Slot.WAIT_PUBREC, 11, a);
		session.hold(1, Slot.WAIT_PUBACK, 12, b);
		assert.deepEqual([session.slotId(0), session.slotId(1), session.flightPacket[0], session.flightPacket[1]], [11, 12, a, b]);
		assert.deepEqual(
			[session.findFlight(11, Slot.WAIT_PUBREC), session.findFlight(12, Slot.WAIT_PUBACK), session.findFlight(11, Slot.WAIT_PUBACK)],
			[0, 1, -1],
		);
		session.markResend(0);
		session.markResend(1);
		assert.equal(session.nextResend(), 0, "the older first");
		session.advance(0, Slot.WAIT_PUBCOMP);
		assert.equal(session.nextResend(), 1, "a PUBREC makes its PUBREL go after what was sent before it came");
		assert.equal(session.freeFlight(), 2);
		session.release(1);
		assert.equal(session.resendCount, 1, "releasing a slot still to be resent unmarks it");
		assert.equal(session.flightPacket[1], undefined);
	});

	it("markResend counts a slot once; resent stamps it and unmarks it; oldestSent skips what waits to go again", () => {
		const { session, link } = slotIn(Slot.FREE);
		link.clock = 50;
		session.draining = true;
		session.publish(utf8("t"), utf8("1"), 1, false);
		session.draining = false;
		session.linkWritable(1_000_000);
		assert.equal(session.oldestSent(), 50);
		session.markResend(0);
		session.markResend(0);
		assert.equal(session.resendCount, 1);
		assert.equal(session.oldestSent(), -1);
		session.resent(0, 90);
		assert.deepEqual([session.resendCount, session.oldestSent(), session.nextResend()], [0, 90, -1]);
	});
});

describe("the control lane, the queue and the ids", () => {
	it("takeControl writes the first packet owed only when it fits", () => {
		const { session } = connectedSession();
		assert.equal(session.takeControl(100), 0, "empty");
		session.control(4, 0x0102);
		session.control(12, 0); // PINGREQ
		assert.equal(session.takeControl(3), 0);
		assert.equal(session.takeControl(4), 4);
		assert.deepEqual([...session.ack], [0x40, 2, 1, 2]);
		assert.equal(session.takeControl(1), 0);
		assert.equal(session.takeControl(2), 12);
		assert.deepEqual([...session.ack.subarray(0, 2)], [0xc0, 0]);
		assert.equal(session.controlCount, 0);
		assert.equal(session.queued(12), false);
	});

	it("takeQueued: QoS 0 goes as it is; the rest into a free slot; blocked when the window is full", () => {
		const { session, link } = connectedSession({ window: 1, queueLength: 4 });
		link.drain(0);
		session.draining = true;
		session.publish(utf8("t"), utf8("0"), 0, false);
		session.publish(utf8("t"), utf8("1"), 1, false);
		session.publish(utf8("t"), utf8("2"), 2, false);
		session.draining = false;
		assert.equal(session.takeQueued(), Slot.WRITING_UNACKED);
		assert.equal(session.takeQueued(), 0);
		assert.equal(session.slotState(0), Slot.WAIT_PUBACK);
		assert.equal(session.takeQueued(), Slot.BLOCKED);
		assert.equal(session.queueCount, 1, "a blocked take leaves the queue as it was");
	});

	it("takeQueued holds back a QoS 0 publish whose completion would find the event ring full", () => {
		const { session } = connectedSession({ reportWritten: true });
		session.draining = true;
		session.publish(utf8("t"), utf8("0"), 0, false);
		for (let i = 0; session.eventCount < Layout.EVENT_CAPACITY; i++)
			session.post(Ev.PUBACK, i, undefined, undefined);
		assert.equal(session.takeQueued(), Slot.BLOCKED);
		session.reportWritten = false;
		assert.equal(session.takeQueued(), Slot.WRITING_UNACKED);
	});

	it("keepPublishesOnly keeps the QoS 1/2 publishes in order and drops the rest", () => {
		const { session, link } = connectedSession({ queueLength: 6, window: 1 });
		link.drain(0);
		session.draining = true;
		for (const [qos, text] of [[0, "a"], [1, "b"], [0, "c"], [2, "d"]])
			session.publish(utf8("t"), utf8(text), qos, false);
		session.subscribe(["s"], [1], [1]);
		session.keepPublishesOnly();
		assert.equal(session.queueCount, 2);
		const kinds = Array.from({ length: session.queueCount }, (_, i) => session.flags[Layout.QUEUE_AT + (session.queueHead + i) % 6]);
		assert.deepEqual(kinds, [Kind.PUBLISH1, Kind.PUBLISH2]);
		assert.deepEqual(session.queuePacket.filter(Boolean).map((packet) => packet.at(-1)), [..."bd"].map((c) => c.charCodeAt(0)));
	});

	it("ids: allocateId skips an id waiting in the queue or the window", () => {
		const { session, link } = connectedSession({ window: 1 });
		link.drain(0);
		session.nextId = 9;
		session.draining = true;
		assert.equal(session.publish(utf8("t"), utf8("x"), 1, false), 10);
		session.takeQueued();
		assert.equal(session.publish(utf8("t"), utf8("y"), 1, false), 11);
		assert.deepEqual([session.idInUse(10), session.idInUse(11), session.idInUse(12)], [true, true, false]);
		session.nextId = 9;
		assert.equal(session.allocateId(), 12);
	});

	it("incoming QoS 2 ids: remembered once, forgotten at PUBREL, the oldest dropped beyond receiveMaximum (traced once)", () => {
		const { session } = connectedSession({ receiveMaximum: 2 });
		captureTrace();
		assert.deepEqual([session.rememberIncoming(1), session.rememberIncoming(1), session.rememberIncoming(2)], [true, false, true]);
		session.forgetIncoming(1);
		assert.equal(session.rememberIncoming(1), true, "after its PUBREL an id is new again");
		assert.equal(session.rememberIncoming(3), true);
		assert.equal(session.rememberIncoming(4), true);
		assert.equal(traced.length, 1);
		assert.equal(session.rememberIncoming(2), true, "the oldest was forgotten");
		assert.equal(session.rememberIncoming(4), false);
	});
});

describe("events", () => {
	it("a negative CONN_FAIL_* reason comes back negative from the 16-bit table; packet id 65535 stays 65535", () => {
		const { session, owner } = startSession();
		session.draining = true;
		session.post(Ev.CONNFAIL, -5, undefined, undefined);
		session.post(Ev.PUBACK, 65_535, undefined, undefined);
		session.draining = false;
		session.drain();
		assert.deepEqual(owner.events, [["connfail", -5, undefined, undefined], ["puback", 65_535, undefined, undefined]]);
	});

	it("an event that finds the ring full while a drain runs further up is handed over at once, and what follows it decided", () => {
		const { session, owner, link } = connectedSession({ reconnect: { min: 1_000, max: 8_000 }, random: () => 0.5 });
		owner.events.length = 0;
		session.draining = true;
		for (let i = 1; session.eventCount < Layout.EVENT_CAPACITY; i++)
			session.post(Ev.PUBACK, i, undefined, undefined);
		session.teardown();
		session.post(Ev.OFFLINE, 0, undefined, undefined);
		assert.deepEqual(owner.names(), ["offline"], "not dropped, and not behind the full ring");
		assert.equal(link.due, link.clock + 550, "afterEnd armed the reconnect: a tenth of min plus half the rest");
		session.draining = false;
		session.drain();
		assert.equal(owner.names().length, 1 + Layout.EVENT_CAPACITY);
	});

	it("parse() clears its flag and returns the protocol error it met, without delivering inside it", () => {
		const { session, owner, link } = connectedSession();
		captureTrace();
		owner.events.length = 0;
		link.receive([...generate({ cmd: "publish", topic: "a", payload: Buffer.from("1"), qos: 0 }), 0x20, 2, 0, 0]); // then a second CONNACK
		assert.equal(session.parsing, false);
		assert.deepEqual(owner.names(), ["message", "offline"]);
		assert.ok(traced.some((line) => /protocol error: unexpected CONNACK/.test(line)));
	});
});
