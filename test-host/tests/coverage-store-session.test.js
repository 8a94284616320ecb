// The session with a store (options.store) over the fake link and the ESP8266 flash model: what
// a reset finds that it must not send, ids after a reset, subscriptions beside stored publishes,
// records that move with the queue, and a store too full to journal a message again.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { Store } from "../../build/host/modules/mqtt/store.js";
import { FlashMedium, SECTOR } from "../flash-medium.js";
import { MediumFlash } from "../node/flash.js";
import { setTraceSink } from "../node/globals.js";
import { generate, startSession, utf8 } from "../support/fake-link.js";

const SMALL = 16 * SECTOR;

/** A device's flash: each device() is the same chip after a reset, its session not yet connected. */
function chip(sectors = 2) {
	const medium = new FlashMedium({ byteLength: SMALL });
	const device = (options = {}) => {
		const store = new Store(new MediumFlash(medium), { sectors });
		return { store, ...startSession({ store, offlineQueue: true, cleanSession: false, window: 8, ...options }) };
	};
	/** Records still live on the chip, as a reset would find them: [first byte, length, state]. */
	const live = () => {
		const store = new Store(new MediumFlash(medium), { sectors }), found = [];
		store.recover((address, length, state) => found.push([store.read(address, length)[0], length, state]));
		return found;
	};
	return { medium, device, live };
}

function up(s, sessionPresent = true) {
	s.connect();
	s.link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent }));
}

const publish = (s, topic, payload, qos) => s.session.publish(utf8(topic), utf8(payload), qos, false);
const sent = (link) => link.packets().filter((p) => p.cmd !== "connect");
const summary = (p) => [p.cmd, p.messageId ?? 0, p.payload?.toString(), p.dup ?? false];
const puback = (id) => [0x40, 2, id >> 8, id & 0xFF];

describe("a session with a store", () => {
	it("drops what a reset finds that is no QoS 1/2 PUBLISH, or whose id another record holds, and sends the rest", () => {
		const { medium, device, live } = chip();
		const raw = new Store(new MediumFlash(medium), { sectors: 2 });
		raw.recover(() => {});
		const good = raw.append(generate({ cmd: "publish", topic: "t", payload: "good", qos: 1, messageId: 5 }));
		const subscribe = raw.append(generate({ cmd: "subscribe", messageId: 6, subscriptions: [{ topic: "t", qos: 0 }] }));
		const zero = raw.append(generate({ cmd: "publish", topic: "t", payload: "qos0", qos: 0 }));
		const twin = raw.append(generate({ cmd: "publish", topic: "t", payload: "twin", qos: 1, messageId: 5 }));
		const traced = [];
		const previous = setTraceSink((text) => traced.push(text));
		let s;
		try {
			s = device();
		}
		finally {
			setTraceSink(previous);
		}
		assert.deepEqual(traced, [subscribe, zero, twin].map((address) => `mqtt: store: a damaged record at ${address} is dropped\n`));
		assert.equal(live().length, 1, "the dropped records are marked done");
		up(s);
		assert.deepEqual(sent(s.link).map(summary), [["publish", 5, "good", false]]);
		s.link.receive(puback(5));
		assert.deepEqual(live(), []);
		assert.ok(good >= 0);
	});

	it("after a reset, a new publish never takes the id of a restored one still queued (2.3.1-2)", () => {
		const { device } = chip();
		let s = device();
		const first = publish(s, "t", "before", 1);
		assert.equal(first, 1);
		s = device(); // reset: the restored message keeps id 1, and the new session counts from 0
		const next = publish(s, "t", "after", 1);
		assert.notEqual(next, first);
		up(s, false);
		assert.deepEqual(sent(s.link).map(summary), [["publish", first, "before", false], ["publish", next, "after", false]]);
	});

	it("subscribes as without a store: the SUBSCRIBE holds no record and its SUBACK comes to the owner", () => {
		const { device, live } = chip();
		const s = device();
		up(s);
		const id = s.session.subscribe(["a/#"], [3], [1]);
		assert.deepEqual(sent(s.link).map((p) => [p.cmd, p.messageId, p.subscriptions?.map((x) => [x.topic, x.qos])]), [["subscribe", id, [["a/#", 1]]]]);
		assert.deepEqual(live(), []);
		s.link.receive(generate({ cmd: "suback", messageId: id, granted: [1] }));
		assert.deepEqual(s.owner.events.at(-1), ["suback", id, [1], undefined]);
	});

	it("a publish that waited in the queue when the link dropped takes its record with it: once acknowledged, a reset finds nothing", () => {
		const { device, live } = chip();
		const s = device({ window: 1, cleanSession: true });
		up(s);
		const a = publish(s, "t", "a", 1); // in flight
		s.session.subscribe(["x"], [1], [0]); // queued
		const b = publish(s, "t", "b", 1); // queued behind the SUBSCRIBE
		assert.equal(live().length, 2);
		s.session.linkError(); // the queue closes up: b moves to the SUBSCRIBE's place
		s.link.written = [];
		up(s, false);
		s.link.receive(puback(a));
		s.link.receive(puback(b));
		assert.deepEqual(sent(s.link).map(summary), [["publish", a, "a", true], ["publish", b, "b", false]]);
		assert.deepEqual(live(), [], "both records are done");
	});

	it("with the store full, a QoS 2 message the broker lost is told to go whole again in its own record, which a reset reads so", () => {
		const { device, live } = chip(2);
		const s = device();
		up(s);
		const m = publish(s, "m", "m", 2);
		// a packet of exactly the largest size fills the second sector to its last byte (16 + 6 + 4074)
		const y = publish(s, "y", "y".repeat(4_066), 1);
		assert.equal(s.store.maxPacket, 4_074);
		assert.ok(m > 0 && y > 0);
		assert.equal(publish(s, "z", "z", 1), -1, "full");
		s.link.receive(generate({ cmd: "pubrec", messageId: m }));
		assert.deepEqual(sent(s.link).map((p) => [p.cmd, p.messageId]), [["publish", m], ["publish", y], ["pubrel", m]]);
		assert.deepEqual(live().map(([, length, state]) => [length, state]), [[8, 1 | 4], [4_074, 1]], "m: sent and released");
		s.session.linkError();
		s.link.written = [];
		up(s, false); // the broker lost the session: m goes again whole
		// both go again with DUP; not their order: m's PUBREC gave it a later place in the resend
		// order than y's (CONFORMANCE.md, MQTT-4.6.0-1)
		assert.deepEqual(sent(s.link).map((p) => [p.cmd, p.messageId, p.dup]).sort((a, b) => a[1] - b[1]), [["publish", m, true], ["publish", y, true]]);
		// no room was needed: m's own record now says "whole again", which is what a reset finds
		assert.deepEqual(live().map(([, length, state]) => [length, state]), [[8, 1], [4_074, 1]]);
		const after = device();
		up(after);
		assert.deepEqual(sent(after.link).map((p) => [p.cmd, p.messageId, p.dup ?? false]), [["publish", m, true], ["publish", y, true]]);
	});

	it("drops, with a trace, a publish that waited offline in the flash and was damaged there before its turn; the next goes", () => {
		const { medium, device, live } = chip();
		const s = device();
		const lost = publish(s, "t", "gone", 1), kept = publish(s, "t", "kept", 1);
		assert.ok(lost > 0 && kept > 0);
		medium.write(16 + 6 + 8, 1, new Uint8Array(1)); // a payload byte of the first record (after the sector and record headers) loses its bits
		const traced = [];
		const previous = setTraceSink((text) => traced.push(text));
		try {
			up(s);
		}
		finally {
			setTraceSink(previous);
		}
		assert.deepEqual(sent(s.link).map(summary), [["publish", kept, "kept", false]]);
		assert.deepEqual(traced, ["mqtt: store: the record at 16 no longer matches its CRC; its message is dropped, not sent\n"]);
		assert.deepEqual(live().map(([, length]) => length), [11], "the damaged record is done; the one sent waits for its PUBACK");
		assert.equal(s.session.freeFlight(), 1, "the dropped message holds no window slot");
	});

	it("spans four sectors when options.sectors is not given", () => {
		const flash = new MediumFlash(new FlashMedium({ byteLength: SMALL }));
		const store = new Store(flash);
		store.recover(() => {});
		const big = new Uint8Array(store.maxPacket).fill(0x32);
		for (let i = 0; i < 4; i++)
			assert.ok(store.append(big) >= 0, `sector ${i}`);
		assert.equal(store.append(big), -1, "a fifth would need the first sector back");
		assert.throws(() => new Store(new MediumFlash(new FlashMedium({ byteLength: 2 * SECTOR }))), /sectors 0 to 3 do not fit the partition's 2 sectors/);
	});
});
