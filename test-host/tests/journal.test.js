// The Journal (modules/mqtt/tables.ts): what the session tells options.store at each point where
// a QoS 1/2 publish changes state, shown with a journal that records the calls, over the fake
// link; and that a session without a store runs and imports none of the store's code.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startSession, generate, utf8 } from "../support/fake-link.js";
import { constEnum } from "../support/tables-source.js";

const Kind = constEnum("Kind"), Status = constEnum("Status");
const QUEUE = 16, WINDOW = 8; // fake-link's defaults: a window slot is QUEUE + its index to the journal

/** A journal that keeps packets in a Map by slot and records every call. */
class RecordingJournal {
	calls = [];
	kept = new Map();
	maxPacket = 200;
	full = false;
	damaged = false;
	constructor(found = [], link) {
		this.found = found; // [packet, id, qos, state] of each record "found after a reset"
		this.link = link;
	}
	open(queue, window) {
		this.calls.push(["open", queue, window]);
		return Math.max(queue, this.found.length);
	}
	restore(session) {
		this.calls.push(["restore"]);
		for (const [packet, id, qos, state] of this.found) {
			const slot = session.resume(packet, id, qos, state);
			this.calls.push(["resumed", id, slot]);
			if (slot >= 0)
				this.kept.set(slot, packet);
		}
	}
	check(length, qos) {
		this.calls.push(["check", length, qos]);
		if (length > this.maxPacket)
			throw new RangeError(`too long: ${length}`);
	}
	accepted(slot, packet) {
		this.calls.push(["accepted", slot, this.link?.written.length]);
		if (this.full)
			return false;
		this.kept.set(slot, packet.slice());
		return true;
	}
	taken(from, to, kind, packet) {
		this.calls.push(["taken", from, to, kind, packet !== undefined]);
		const kept = this.kept.get(from);
		this.kept.delete(from);
		if (kept)
			this.kept.set(to, kept);
		return this.damaged ? undefined : packet ?? kept;
	}
	moved(from, to) {
		this.calls.push(["moved", from, to]);
		this.kept.set(to, this.kept.get(from));
		this.kept.delete(from);
	}
	released(slot) {
		this.calls.push(["released", slot]);
	}
	done(slot) {
		this.calls.push(["done", slot]);
	}
	again(slot, packet, id) {
		this.calls.push(["again", slot, id]);
	}
	// the incoming QoS 2 ids, recorded apart: the tests of the outgoing path list every call
	incoming = [];
	received(id) {
		this.incoming.push(["received", id, this.link?.written.length]);
	}
	delivered(id) {
		this.incoming.push(["delivered", id]);
	}
	releasedIncoming(id) {
		this.incoming.push(["releasedIncoming", id]);
	}
	forgetIncoming() {
		this.incoming.push(["forgetIncoming"]);
	}
	names() {
		return this.calls.map((call) => call[0]);
	}
}

function withJournal(options = {}, found = []) {
	const journal = new RecordingJournal(found);
	const s = startSession({ store: journal, offlineQueue: true, cleanSession: false, ...options });
	journal.link = s.link;
	return { journal, ...s };
}
const connack = (sessionPresent = false) => generate({ cmd: "connack", returnCode: 0, sessionPresent });
const publishOf = (id, qos, text) => generate({ cmd: "publish", topic: "t", payload: Buffer.from(text), qos, messageId: id });

describe("the journal a store supplies", () => {
	it("opens with the queue and window before anything else, then takes back what it found", () => {
		const { journal } = withJournal();
		assert.deepEqual(journal.calls, [["open", QUEUE, WINDOW], ["restore"]]);
	});

	it("QoS 1: checked and kept before publish returns, taken into the window, done at PUBACK", () => {
		const { journal, session, link, connect } = withJournal();
		connect();
		link.receive(connack());
		journal.calls.length = 0;
		const written = link.written.length;
		const id = session.publish(utf8("t"), utf8("one"), 1, false);
		const length = 2 + 3 + 2 + 3;
		assert.deepEqual(journal.calls, [["check", length, 1], ["accepted", 0, written], ["taken", 0, QUEUE + 0, Kind.PUBLISH1, true]]);
		assert.equal(link.written.length, written + 1, "written after it was kept");
		link.receive(generate({ cmd: "puback", messageId: id }));
		assert.deepEqual(journal.calls.at(-1), ["done", QUEUE + 0]);
	});

	it("QoS 2: released at PUBREC, done at PUBCOMP; a PUBACK for it is nothing", () => {
		const { journal, session, link, connect } = withJournal();
		connect();
		link.receive(connack());
		const id = session.publish(utf8("t"), utf8("two"), 2, false);
		journal.calls.length = 0;
		link.receive(generate({ cmd: "puback", messageId: id }));
		link.receive(generate({ cmd: "pubrec", messageId: id }));
		link.receive(generate({ cmd: "pubcomp", messageId: id }));
		assert.deepEqual(journal.calls, [["released", QUEUE + 0], ["done", QUEUE + 0]]);
	});

	it("the broker lost the session after PUBREC: again(), then the whole PUBLISH with DUP", () => {
		const { journal, session, link, connect } = withJournal();
		connect();
		link.receive(connack());
		const id = session.publish(utf8("t"), utf8("lost"), 2, false);
		link.receive(generate({ cmd: "pubrec", messageId: id }));
		session.linkError();
		connect();
		journal.calls.length = 0;
		const before = link.packets().length;
		link.receive(connack(false));
		assert.deepEqual(journal.calls, [["again", QUEUE + 0, id]]);
		const [again] = link.packets().slice(before);
		assert.deepEqual([again.cmd, again.messageId, again.dup, again.payload.toString()], ["publish", id, true, "lost"]);
	});

	it("offline, a publish waits in the journal only, and is read back when it goes", () => {
		const { journal, session, link, connect } = withJournal();
		const id = session.publish(utf8("t"), utf8("later"), 1, false);
		assert.deepEqual(journal.calls.slice(2).map((call) => call[0]), ["check", "accepted"]);
		assert.equal(session.queuePacket[0], undefined, "the heap does not hold it");
		connect();
		link.receive(connack());
		assert.deepEqual(journal.calls.at(-1), ["taken", 0, QUEUE + 0, Kind.PUBLISH1, false]);
		const sent = link.packets().filter((p) => p.cmd === "publish");
		assert.deepEqual(sent.map((p) => [p.messageId, p.payload.toString()]), [[id, "later"]]);
	});

	it("a record the journal cannot read back is dropped: nothing written, the window slot free", () => {
		const { journal, session, link, connect } = withJournal({ window: 1 });
		session.publish(utf8("t"), utf8("bad"), 1, false);
		journal.damaged = true;
		connect();
		link.receive(connack());
		assert.deepEqual(link.packets().filter((p) => p.cmd === "publish"), []);
		assert.equal(session.freeFlight(), 0);
		journal.damaged = false;
		session.publish(utf8("t"), utf8("next"), 1, false);
		assert.deepEqual(link.packets().filter((p) => p.cmd === "publish").map((p) => p.payload.toString()), ["next"]);
	});

	it("a full journal makes publish return -1; one that cannot hold the packet throws, even with the queue full", () => {
		const { journal, session } = withJournal({ queueLength: 1 });
		journal.full = true;
		assert.equal(session.publish(utf8("t"), utf8("x"), 1, false), -1);
		journal.full = false;
		assert.ok(session.publish(utf8("t"), utf8("x"), 1, false) > 0);
		assert.throws(() => session.publish(utf8("t"), new Uint8Array(300), 1, false), /too long/);
		assert.equal(session.publish(utf8("t"), utf8("y"), 0, false), -2, "QoS 0 without a session is refused as before");
	});

	it("restores: a released QoS 2 waits for PUBCOMP and its PUBREL goes; the rest queue, told SENT_BEFORE when sent before; an id in use is refused", () => {
		const found = [
			[publishOf(5, 2, "r"), 5, 2, Status.SENT | Status.RELEASED],
			[publishOf(6, 1, "s"), 6, 1, Status.SENT],
			[publishOf(7, 1, "n"), 7, 1, 0],
			[publishOf(6, 1, "twin"), 6, 1, 0],
		];
		const { journal, link, connect } = withJournal({}, found);
		assert.deepEqual(journal.calls.filter((call) => call[0] === "resumed"), [
			["resumed", 5, QUEUE + 0],
			["resumed", 6, 0],
			["resumed", 7, 1],
			["resumed", 6, -1],
		]);
		connect();
		link.receive(connack(true));
		const sent = link.packets().filter((p) => p.cmd !== "connect").map((p) => [p.cmd, p.messageId, p.dup ?? false]);
		assert.deepEqual(sent, [["pubrel", 5, false], ["publish", 6, false], ["publish", 7, false]], "(DUP on a read-back packet is the journal's to set)");
		assert.deepEqual(journal.calls.filter((call) => call[0] === "taken").map((call) => call[3]), [Kind.PUBLISH1 | Kind.SENT_BEFORE, Kind.PUBLISH1]);
	});

	it("restores a message journaled again: the later record wins, the earlier is done", () => {
		const found = [[publishOf(5, 2, "first"), 5, 2, Status.SENT | Status.RELEASED], [publishOf(5, 2, "again"), 5, 2, Status.SENT]];
		const { journal } = withJournal({}, found);
		assert.deepEqual(journal.calls.slice(2), [["resumed", 5, QUEUE + 0], ["done", QUEUE + 0], ["resumed", 5, 0]]);
	});

	it("when a clean session ends, the queue keeps its QoS 1/2 publishes and their records move with them", () => {
		const { journal, session, link, connect } = withJournal({ cleanSession: true, window: 1 });
		connect();
		link.receive(connack());
		link.drain(0);
		session.publish(utf8("t"), utf8("a"), 1, false); // into the window
		session.publish(utf8("t"), utf8("b"), 0, false);
		session.publish(utf8("t"), utf8("c"), 2, false);
		journal.calls.length = 0;
		session.linkError();
		assert.deepEqual(journal.calls, [["moved", 2, 1]]);
		assert.equal(session.queueCount, 1);
	});
});

describe("the journal and the incoming QoS 2 ids (cleansession 0)", () => {
	it("an id is received before its PUBREC is written, delivered after its handler, released at PUBREL; a resend is neither", () => {
		const { journal, link, owner, connect } = withJournal();
		connect();
		link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: true }));
		const written = link.written.length;
		let during;
		owner.onDeliver = (name) => {
			if (name === "message")
				during = journal.incoming.map((call) => call[0]);
		};
		link.receive(generate({ cmd: "publish", topic: "in", payload: "x", qos: 2, messageId: 9 }));
		assert.deepEqual(during, ["received"], "kept before the handler ran");
		assert.deepEqual(journal.incoming[0], ["received", 9, written], "kept before the PUBREC was written");
		link.receive(generate({ cmd: "publish", topic: "in", payload: "x", qos: 2, messageId: 9, dup: true }));
		link.receive(generate({ cmd: "pubrel", messageId: 9 }));
		assert.deepEqual(journal.incoming, [["received", 9, written], ["delivered", 9], ["releasedIncoming", 9]]);
	});

	it("session present 0 forgets every kept id; with cleansession 1 nothing is kept", () => {
		const kept = withJournal();
		kept.connect();
		kept.link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
		assert.deepEqual(kept.journal.incoming, [["forgetIncoming"]]);
		const clean = withJournal({ cleanSession: true });
		clean.connect();
		clean.link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
		clean.link.receive(generate({ cmd: "publish", topic: "in", payload: "x", qos: 2, messageId: 9 }));
		assert.deepEqual(clean.journal.incoming, [["delivered", 9]], "delivered() finds nothing kept: the store ignores it");
	});
});

describe("an image without a store", () => {
	const session = ["tables", "outbox", "inbox", "session"];
	it("the session's modules import nothing of mqtt/store and call no Store method but the Journal's", () => {
		for (const name of session) {
			const built = readFileSync(new URL(`../../build/host/modules/mqtt/${name}.js`, import.meta.url), "utf8");
			assert.doesNotMatch(built, /store\.js|mqtt\/store/, `${name}.js imports the store`);
			const text = readFileSync(new URL(`../../modules/mqtt/${name}.ts`, import.meta.url), "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "");
			assert.doesNotMatch(text, /\bstore!?\??\.(append|mark|read|recover)\(/, `${name}.ts calls the Store directly`);
		}
	});
});
