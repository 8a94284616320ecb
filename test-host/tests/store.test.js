// mqtt/store on the host's model of the ESP8266's flash (../flash-medium.js): what it keeps,
// what a full store does, and what power cuts and damage at every byte leave behind.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { Store } from "../../build/host/modules/mqtt/store.js";
import { FlashMedium, PowerCut, SECTOR } from "../flash-medium.js";
import { MediumFlash } from "../node/flash.js";

// The session's status bits in the journal's format (Status in tables.ts), cleared in this order.
const SENT = 1, DONE = 2, RELEASED = 4, AGAIN = 8;
const SMALL = 16 * SECTOR; // a partition of 16 sectors keeps the copies in these tests cheap

/** A packet whose bytes say which one it is: 0x32 (PUBLISH QoS 1), then n repeated. */
function packet(n, length = 40 + (n % 7) * 13) {
	const bytes = new Uint8Array(length).fill(n & 0xff);
	bytes[0] = 0x32;
	return bytes;
}

function contents(store) {
	const found = [];
	store.recover((address, length, state) => found.push({ address, length, state, first: store.read(address, length)[1] }));
	return found;
}

function reopen(medium, options) {
	const store = new Store(new MediumFlash(medium), options);
	return { store, found: contents(store) };
}

describe("mqtt/store on the ESP8266 flash model", () => {
	it("finds what was appended, in order, with the states marked, after a restart", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), { sectors: 4 });
		contents(store);
		const addresses = [];
		for (let n = 1; n <= 5; n++)
			addresses.push(store.append(packet(n)));
		store.mark(addresses[0], SENT);
		store.mark(addresses[1], SENT);
		store.mark(addresses[1], RELEASED);
		store.mark(addresses[2], DONE);
		const { found } = reopen(medium, { sectors: 4 });
		assert.deepEqual(found.map((r) => [r.first, r.state]), [[1, SENT], [2, SENT | RELEASED], [4, 0], [5, 0]]);
		assert.deepEqual(found.map((r) => r.length), [1, 2, 4, 5].map((n) => packet(n).length));
	});

	it("goes round the ring as records are done, erasing each sector once per lap, and continues after a restart", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		let store = new Store(new MediumFlash(medium), { sectors: 3 });
		contents(store);
		for (let n = 0; n < 1000; n++) {
			const address = store.append(packet(n, 198));
			assert.ok(address >= 0, `append ${n}`);
			store.mark(address, SENT);
			store.mark(address, DONE);
			if (n === 500) {
				({ store } = reopen(medium, { sectors: 3 }));
			}
		}
		// 198 + 6 bytes a record, 20 to a sector of 4,096 (16 for the sector header)
		assert.equal(medium.erased, 1000 / 20, "a restart leaves the open sector open");
		const last = store.append(packet(7, 100));
		assert.equal(medium.erased, 1000 / 20 + 1);
		assert.deepEqual(reopen(medium, { sectors: 3 }).found.map((r) => [r.address, r.first]), [[last, 7]]);
	});

	it("is full when the oldest sector still holds a live record: append returns -1 until it is done", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), { sectors: 2 });
		contents(store);
		const big = (n) => packet(n, 3000); // one to a sector
		const first = store.append(big(1));
		assert.ok(store.append(big(2)) >= 0);
		assert.equal(store.append(big(3)), -1);
		assert.equal(store.append(big(3)), -1, "a refusal writes nothing");
		store.mark(first, DONE);
		assert.ok(store.append(big(3)) >= 0);
		assert.deepEqual(reopen(medium, { sectors: 2 }).found.map((r) => r.first), [2, 3]);
		assert.equal(store.append(packet(1, store.maxPacket + 1)), -1, "larger than a sector");
	});

	it("says so when it finds a journal of version 0.1, whose records it does not read", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		medium.bytes.set([1, 0, 0, 0, 0x4d, 0x51, 0x53, 0x31, 20, 0, 0xa1, 0xfc], SECTOR); // sector 1: its header, a record's
		const traced = [], saved = globalThis.trace;
		globalThis.trace = (text) => traced.push(text);
		try {
			assert.deepEqual(reopen(medium, { sectors: 2 }).found, []);
		}
		finally {
			globalThis.trace = saved;
		}
		assert.match(traced.join(""), /sector 1 holds a journal of version 0\.1 \("MQS1"\)/);
	});

	it("names the rule when the area does not fit the partition", () => {
		const flash = new MediumFlash(new FlashMedium({ byteLength: SMALL }));
		assert.throws(() => new Store(flash, { sectors: 1 }), /options\.sectors must be an integer from 2 to 64, got 1/);
		assert.throws(() => new Store(flash, { first: 14, sectors: 4 }), /sectors 14 to 17 do not fit the partition's 16 sectors of 4096 bytes/);
	});

	/**
	 * Runs `operation` on a copy of `medium` with the power cut after each possible number of
	 * bytes, then recovers: recovery must not throw, every record before the operation must be
	 * found with its content and state, and the record being written is found whole or not at all.
	 */
	function cutEverywhere(medium, options, operation, check) {
		let cuts = 0;
		for (let after = 0;; after++) {
			const copy = new FlashMedium({ byteLength: medium.byteLength });
			copy.bytes.set(medium.bytes);
			const store = new Store(new MediumFlash(copy), options);
			contents(store);
			copy.cutAfter(after, seeded(after));
			let finished = false;
			try {
				operation(store);
				finished = true;
			}
			catch (error) {
				if (!(error instanceof PowerCut))
					throw error;
			}
			if (finished)
				return cuts;
			cuts++;
			copy.cutAfter(-1);
			const { store: again, found } = reopen(copy, options);
			check(found, after);
			assert.ok(again.append(packet(99)) >= 0, `appending after a cut after ${after} bytes`);
			const next = reopen(copy, options).found;
			assert.equal(next.at(-1).first, 99);
			assert.deepEqual(next.slice(0, -1).map((r) => r.first), found.map((r) => r.first), "an append after recovery disturbs nothing found");
		}
	}

	function seeded(seed) {
		let x = seed * 2654435761 >>> 0 || 1;
		return () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
	}

	it("loses at most the record being written when the power goes at any byte of an append, of a mark, or of a sector change", () => {
		const options = { sectors: 3 };
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), options);
		contents(store);
		const before = [];
		for (let n = 1; n <= 6; n++) {
			before.push(n);
			const address = store.append(packet(n, 600));
			if (n % 2)
				store.mark(address, SENT);
		}
		const expected = (found) => found.map((r) => r.first);
		const appendCuts = cutEverywhere(medium, options, (s) => s.append(packet(7, 600)), (found, after) => {
			const firsts = expected(found);
			assert.deepEqual(firsts.slice(0, 6), before, `records before the cut (after ${after} bytes)`);
			assert.ok(firsts.length === 6 || (firsts.length === 7 && firsts[6] === 7), `the record being written is whole or absent (after ${after} bytes)`);
			if (firsts.length === 7)
				assert.equal(found[6].length, 600);
		});
		assert.ok(appendCuts >= 600, `${appendCuts} cut points in an append`);
		const { found: now } = reopen(medium, options);
		const markCuts = cutEverywhere(medium, options, (s) => s.mark(now[2].address, DONE), (found, after) => {
			// done only when both copies say so: a cut before the second is written leaves it live
			if (after === 0)
				assert.deepEqual(expected(found), before);
			else
				assert.ok(expected(found).join() === before.join() || expected(found).join() === [1, 2, 4, 5, 6].join());
		});
		assert.equal(markCuts, 2);
		// fill the head sector so the next append changes sector: the erase and the header are cut too
		for (let n = 1; n <= 6; n++)
			store.mark(now[n - 1].address, DONE);
		const live = [];
		for (let n = 10; n < 15; n++)
			live.push(n, store.append(packet(n, 600)));
		const changeCuts = cutEverywhere(medium, options, (s) => s.append(packet(20, 3000)), (found, after) => {
			const firsts = expected(found);
			assert.deepEqual(firsts.slice(0, 5), [10, 11, 12, 13, 14], `after ${after} bytes`);
			assert.ok(firsts.length === 5 || firsts[5] === 20);
		});
		assert.ok(changeCuts > 3000, `${changeCuts} cut points across a sector change`);
	});

	it("never brings back a record that was done when the erase of its sector is cut", () => {
		const options = { sectors: 2 };
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), options);
		contents(store);
		for (let n = 1; n <= 12; n++) { // 6 to a sector: sector 0 all done, sector 1 full and live
			const address = store.append(packet(n, 600));
			store.mark(address, SENT);
			if (n <= 6)
				store.mark(address, DONE);
		}
		for (let seed = 1; seed <= 300; seed++) {
			const copy = new FlashMedium({ byteLength: SMALL });
			copy.bytes.set(medium.bytes);
			const again = new Store(new MediumFlash(copy), options);
			contents(again);
			copy.cutAfter(4, seeded(seed)); // the 4 bytes before the erase go; the erase is cut
			assert.throws(() => again.append(packet(13, 600)), PowerCut);
			copy.cutAfter(-1);
			assert.deepEqual(reopen(copy, options).found.map((r) => r.first), [7, 8, 9, 10, 11, 12], `seed ${seed}`);
		}
	});

	/** Records of 150 bytes in three sectors, a third of them done; returns the medium and what was appended. */
	function filled() {
		const options = { sectors: 3 };
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), options);
		contents(store);
		const records = [];
		for (let n = 1; n <= 30; n++) {
			const address = store.append(packet(n, 150));
			store.mark(address, SENT);
			if (n % 3 === 0)
				store.mark(address, DONE);
			records.push({ n, address, live: n % 3 !== 0 });
		}
		return { options, medium, records };
	}

	it("after damage at any byte, finds every record the damage missed, never the one it hit, and traces the loss", () => {
		const { options, medium, records } = filled();
		const random = seeded(7), traced = [];
		const saved = globalThis.trace;
		globalThis.trace = (text) => traced.push(text);
		try {
			for (let at = 0; at < 3 * SECTOR; at++) {
				const copy = new FlashMedium({ byteLength: SMALL });
				copy.bytes.set(medium.bytes);
				const was = copy.bytes[at];
				do copy.bytes[at] = random() < 0.5 ? was ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
				while (copy.bytes[at] === was);
				traced.length = 0;
				const { store: again, found } = reopen(copy, options);
				const sector = Math.floor(at / SECTOR) * SECTOR;
				// the record whose length, CRC or packet holds the byte (its status bytes are not in the CRC)
				const hit = records.find((r) => at >= r.address && at < r.address + 6 + 150 && (at < r.address + 2 || at >= r.address + 4));
				for (const r of records) {
					const seen = found.find((f) => f.address === r.address);
					if (r === hit)
						assert.equal(seen, undefined, `damage at ${at}: the record it hit is never read`);
					else if (r.live)
						assert.ok(seen && seen.first === r.n && seen.length === 150, `damage at ${at}: record ${r.n} is still found`);
				}
				for (const f of found)
					assert.ok(records.some((r) => r.address === f.address && r.n === f.first), `damage at ${at}: only records that were written are found`);
				if (hit?.live)
					assert.ok(
						traced.some((t) => /hold no whole record/.test(t) && t.includes(`sector ${sector / SECTOR}`)),
						`damage at ${at}: the loss is traced (${traced.join("")})`,
					);
				if (at % SECTOR < 16 && at < SECTOR * (1 + Math.floor(records.at(-1).address / SECTOR)))
					assert.ok(traced.some((t) => /header is damaged/.test(t)), `damage at ${at}: a damaged header copy is traced`);
				assert.ok(again.append(packet(1)) >= 0 || found.length === 20, `damage at ${at}: appending goes on`);
			}
		}
		finally {
			globalThis.trace = saved;
		}
	});

	it("reads a status that differs between its copies as what loses nothing", () => {
		const options = { sectors: 2 };
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), options);
		contents(store);
		const a = store.append(packet(1)), b = store.append(packet(2)), c = store.append(packet(3));
		store.mark(a, SENT);
		store.mark(b, SENT);
		store.mark(b, RELEASED);
		store.mark(c, SENT);
		store.mark(c, RELEASED);
		medium.bytes[a + 2] &= ~DONE; // damage clears DONE in one copy only: still live
		medium.bytes[b + 3] &= ~(RELEASED << 1); // one copy says "lost, again": the message goes whole
		medium.bytes[c + 3] |= RELEASED; // one copy lost its PUBREC: the message goes whole
		const { found } = reopen(medium, options);
		assert.deepEqual(found.map((r) => [r.first, r.state]), [[1, SENT], [2, SENT], [3, SENT]]);
	});

	it("records a PUBREC and a broker's lost session as phases of one status byte, each one write, until none is left", () => {
		const options = { sectors: 2 };
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), options);
		contents(store);
		const address = store.append(packet(1));
		store.mark(address, SENT);
		const state = () => reopen(medium, options).found[0].state;
		const steps = [];
		for (const step of [RELEASED, RELEASED, AGAIN, AGAIN, RELEASED, AGAIN, RELEASED, AGAIN, RELEASED])
			steps.push([store.mark(address, step), state()]);
		assert.deepEqual(steps, [
			[true, SENT | RELEASED],
			[true, SENT | RELEASED],
			[true, SENT],
			[true, SENT],
			[true, SENT | RELEASED],
			[true, SENT],
			[true, SENT | RELEASED],
			[true, SENT],
			[false, SENT],
		]);
		assert.equal(store.mark(address, AGAIN), true, "already so: nothing to write");
	});

	it("when the power goes at any byte of recording a lost session, the message still goes whole, unless the write had not begun", () => {
		const options = { sectors: 3 };
		const medium = new FlashMedium({ byteLength: SMALL });
		const store = new Store(new MediumFlash(medium), options);
		contents(store);
		const address = store.append(packet(1, 600));
		store.mark(address, SENT);
		store.mark(address, RELEASED);
		const cuts = cutEverywhere(medium, options, (s) => s.mark(address, AGAIN), (found, after) => {
			assert.equal(found.length, 1);
			if (after > 0)
				assert.equal(found[0].state, SENT, `a cut after ${after} bytes: the whole PUBLISH goes`);
		});
		assert.equal(cuts, 2);
	});

	it("finds every record when one copy of a sector header is damaged at any byte, and never a sector whose format was cut", () => {
		const { options, medium, records } = filled();
		const live = records.filter((r) => r.live).map((r) => r.n);
		for (let sector = 0; sector < 3; sector++) {
			for (let at = 0; at < 16; at++) {
				for (const value of [0x00, 0xff, medium.bytes[sector * SECTOR + at] ^ 0x10]) {
					const copy = new FlashMedium({ byteLength: SMALL });
					copy.bytes.set(medium.bytes);
					copy.bytes[sector * SECTOR + at] = value;
					assert.deepEqual(reopen(copy, options).found.map((r) => r.first), live, `sector ${sector}, byte ${at} = ${value}`);
				}
			}
		}
		const cuts = cutEverywhere(new FlashMedium({ byteLength: SMALL }), options, (s) => s.append(packet(5)), (found) => {
			assert.deepEqual(found, [], "a sector whose format or first record was cut holds nothing");
		});
		assert.ok(cuts > 16, `${cuts} cut points`);
	});
});

describe("mqtt/store keeps the incoming QoS 2 ids awaiting PUBREL (cleansession 0)", () => {
	/** A session's side of restore(): what it was handed back. */
	function resumer() {
		return {
			published: [],
			incoming: [],
			resume(packet, id) {
				this.published.push(id);
				return this.published.length - 1;
			},
			resumeIncoming(id) {
				this.incoming.push(id);
				return true;
			},
		};
	}
	function open(medium) {
		const store = new Store(new MediumFlash(medium), { sectors: 3 });
		store.open(4, 2, 8);
		const session = resumer();
		store.restore(session);
		return { store, session };
	}
	/** A QoS 1 PUBLISH of topic "t" with packet id `id`. */
	const publish = (id) => Uint8Array.from([0x32, 6, 0, 1, 0x74, id >> 8, id & 0xff, 0x41]);

	it("hands back after a restart the ids delivered and not released, and only those", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		let { store } = open(medium);
		store.received(7);
		store.delivered(7);
		store.received(8); // the reset comes before its handler ran: the broker's resend is delivered
		let session;
		({ store, session } = open(medium));
		assert.deepEqual(session.incoming, [7]);
		store.releasedIncoming(7);
		({ session } = open(medium));
		assert.deepEqual(session.incoming, []);
	});

	it("forgets every id when the broker kept no session", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		const { store } = open(medium);
		for (const id of [1, 2, 3]) {
			store.received(id);
			store.delivered(id);
		}
		store.forgetIncoming();
		assert.deepEqual(open(medium).session.incoming, []);
	});

	it("when the power goes at any byte of keeping, delivering or releasing an id, loses nothing else and never throws", () => {
		const medium = new FlashMedium({ byteLength: SMALL });
		const { store } = open(medium);
		assert.ok(store.accepted(0, publish(5)));
		store.received(4);
		store.delivered(4);
		let cuts = 0;
		for (let after = 0;; after++) {
			const copy = new FlashMedium({ byteLength: medium.byteLength });
			copy.bytes.set(medium.bytes);
			const { store: cut } = open(copy);
			copy.cutAfter(after, () => 0.5);
			let finished = false;
			try {
				cut.received(9);
				cut.delivered(9);
				cut.releasedIncoming(4);
				finished = true;
			}
			catch (error) {
				if (!(error instanceof PowerCut))
					throw error;
			}
			if (finished)
				break;
			cuts++;
			copy.cutAfter(-1);
			const { session } = open(copy);
			assert.deepEqual(session.published, [5], `the publish is intact (cut after ${after} bytes)`);
			const kept = session.incoming.join();
			assert.ok(["4", "4,9", "9"].includes(kept), `cut after ${after} bytes: ${kept}`);
			if (kept.includes("9"))
				assert.ok(after >= 8, `9 is kept only once its 8-byte record is whole and its delivered bit begun (cut after ${after})`);
		}
		assert.equal(cuts, 12, "8 bytes of record, 2 of its delivered bit, 2 of the done bit of the id released");
	});
});
