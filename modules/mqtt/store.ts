/*
 * A journal in NOR flash of the QoS 1/2 publishes the client accepted, kept until the broker
 * acknowledges them, so that a reset loses none.
 *
 * NOR flash is erased a sector at a time, to 0xFF, and a write can only clear bits. So records
 * are only ever appended, to a ring of sectors, and a record changes state by clearing bits of
 * its status in place: nothing written is rewritten, and a sector is erased only when every
 * record in it is done.
 *
 *   sector  two copies of [sequence u32 LE]["MQ"][CRC-16 of the six bytes before, LE]; the
 *           sequence orders the ring, and either copy whole is enough
 *   record  [length u16 LE][status][status again][CRC-16 of the packet, LE] then the PUBLISH
 *           packet as first sent, padded so that the next record starts at a multiple of 4
 *
 * The status byte's bits are cleared in the order of a message's life: SENT, then one bit of
 * the phase run for each PUBREC (the run's last clear bit at an odd place: only PUBREL goes
 * again) and for each broker that lost the session after one (an even place: the whole PUBLISH
 * goes again), and DONE. Each mark is one write of both copies, the first copy first. Where the
 * copies differ (a cut between them, or damage to one), the reading that loses nothing wins:
 * DONE only when clear in both, released only when both say so; otherwise the message goes
 * again, whole, which at QoS 2 the broker's session absorbs.
 *
 * What a power cut can leave, and why it costs at most the record being written:
 * - A record's CRC is written last: a cut before it leaves a record whose CRC does not match,
 *   which recovery skips. Its publish() had not returned, so it was not accepted. Earlier
 *   records are not touched by the write.
 * - A cut during a mark leaves the state before it or after it: a message is sent once more at
 *   worst (with DUP), which QoS 1 allows and which the broker's session absorbs at QoS 2.
 * - A sector's header copies are zeroed before an erase, so a sector whose erase was cut is
 *   never read as one, and no record that was done comes back.
 * And what damage (a bit or byte the flash lost) costs: the record it hits, and nothing more.
 * A record is sent only if its packet matches its CRC; after bytes that hold no record,
 * recovery looks for the next one at every multiple of 4 (a record is found only where its
 * length and CRC agree), so one damaged header does not hide the records after it. Each loss
 * is traced; recovery never throws.
 */

import { CRC16 } from "crc";
import { Packet, Type, checkHeader, decodeBody, decodeHeader } from "./codec.js";
import { markDuplicate } from "./encode.js";
import { Kind, Status } from "./tables.js";
import type { Journal, Resumer } from "./tables.js";

/** Moddable's `flash` module as the store uses it (modules/files/flash). */
export interface FlashArea {
	/** An ArrayBuffer, as called here (a HostBuffer only when asked for one). */
	read(offset: number, byteLength: number): ArrayBuffer | HostBuffer;
	write(offset: number, byteLength: number, buffer: Uint8Array): void;
	erase(sector: number): void;
	readonly blockSize: number;
	readonly byteLength: number;
}

export interface StoreOptions {
	/** The area's first sector in the partition. Default 0. */
	first?: number;
	/** Sectors in the area, 2 to 64. Default 4. */
	sectors?: number;
}

const enum Format {
	HEADER_COPY = 8,
	SECTOR_HEADER = 16, // two copies
	RECORD_HEADER = 6,
	STATUS = 2, // the status bytes' offset in a record header
	CRC = 4, // the packet's CRC's offset in a record header
	FIRST_PHASE = 4, // the phase run: bits 4 to 128 of the status, cleared from the lowest up
	PHASE_RUN = 0xfc,
	MAX_SECTORS = 64, // the session keeps an address in 16 bits, in units of 4 bytes
	POLYNOMIAL = 0x1021, // CRC-16/CCITT-FALSE: initial 0xffff, not reflected
}

/**
 * How far a status byte's phase run got: the place (1 to 6) of its highest clear bit, 0 when
 * none is clear. Odd: the last PUBREC was recorded; even: the whole PUBLISH goes (again).
 */
function phase(status: number): number {
	const clear = ~status & Format.PHASE_RUN;
	return clear ? 30 - Math.clz32(clear) : 0; // bit 4 is place 1
}

export class Store implements Journal {
	private flash: FlashArea;
	private base: number; // the area's first byte in the partition
	private size: number; // bytes per sector
	private sectors: number;
	// [0, sectors): records not done, per sector; then, once a session opened the journal, each
	// session slot's record (Journal: queue slots, then window slots): its address / 4 (0: none)
	// and its packet's length
	private table: Uint16Array;
	// address, length, state of each record open() found, until restore() hands them over and
	// deletes the property: an idle store carries no slot for it
	declare private found?: number[];
	private head = -1; // the sector appended to; -1 until the first append formats one
	private at = 0; // the next record's offset in the head sector; size when the head is closed
	private sequence = 0; // the head's
	private bytes = new Uint8Array(Format.SECTOR_HEADER); // a header or status bytes on their way to the flash
	// with cleansession 0 only: where table's last region begins, which holds each incoming QoS 2
	// id awaiting PUBREL and its record's address / 4 (0: a free pair); no slot without it
	declare private incoming?: number;
	private crc: CRC16 | undefined; // only while recover() runs: see sum()

	constructor(flash: FlashArea, options: StoreOptions = {}) {
		const size = flash.blockSize;
		const first = options.first ?? 0, sectors = options.sectors ?? 4;
		if (!Number.isInteger(sectors) || sectors < 2 || sectors > Format.MAX_SECTORS)
			throw new RangeError(`store: options.sectors must be an integer from 2 to ${Format.MAX_SECTORS}, got ${sectors}`);
		if (!Number.isInteger(first) || first < 0 || (first + sectors) * size > flash.byteLength)
			throw new RangeError(
				`store: sectors ${first} to ${first + sectors - 1} do not fit the partition's ${flash.byteLength / size} sectors of ${size} bytes`,
			);
		this.flash = flash;
		this.base = first * size;
		this.size = size;
		this.sectors = sectors;
		this.table = new Uint16Array(sectors);
	}

	/** The largest packet a record holds: one sector less the headers. */
	get maxPacket(): number {
		return this.size - Format.SECTOR_HEADER - Format.RECORD_HEADER;
	}

	/**
	 * Reads the area once, after a start: `visit` gets each record not yet done, in the order
	 * it was accepted, with its packet's length and its state: Status.SENT when it was written
	 * to a socket (or must go whole again), with Status.RELEASED when only its PUBREL goes again.
	 */
	recover(visit: (address: number, length: number, state: number) => void): void {
		this.crc = new CRC16(Format.POLYNOMIAL, 0xffff);
		try {
			this.recoverAll(visit);
		}
		finally {
			this.crc.close();
			this.crc = undefined;
		}
	}

	private recoverAll(visit: (address: number, length: number, state: number) => void): void {
		const sectors = this.sectors, size = this.size;
		const order: number[] = [];
		const sequences: number[] = [];
		for (let s = 0; s < sectors; s++) {
			this.table[s] = 0;
			const header = new Uint8Array(this.flash.read(this.base + s * size, Format.SECTOR_HEADER) as ArrayBuffer);
			const first = this.sequenceOf(header, 0), second = this.sequenceOf(header, Format.HEADER_COPY);
			if (first < 0 && second < 0) { // erased, retired, or its format cut: it holds nothing
				if (header[4] === 0x4d && header[5] === 0x51 && header[6] === 0x53 && header[7] === 0x31)
					trace(`mqtt: store: sector ${s} holds a journal of version 0.1 ("MQS1"), which this version does not read: its messages are not sent\n`);
				continue;
			}
			if (first < 0 || (second < 0 && header.some((b, i) => i >= Format.HEADER_COPY && b !== 0xff)))
				trace(`mqtt: store: a copy of sector ${s}'s header is damaged; the other is used\n`);
			const sequence = first < 0 ? second : first;
			let i = order.length;
			while (i > 0 && sequences[i - 1]! > sequence) {
				order[i] = order[i - 1]!;
				sequences[i] = sequences[i - 1]!;
				i--;
			}
			order[i] = s;
			sequences[i] = sequence;
		}
		this.head = -1;
		for (let i = 0; i < order.length; i++) {
			const s = order[i]!, end = this.scan(s, visit);
			if (i === order.length - 1) {
				this.head = s;
				this.sequence = sequences[i]!;
				this.at = end;
			}
		}
	}

	/** A header copy's sequence, or -1 when the copy is not whole. */
	private sequenceOf(header: Uint8Array, at: number): number {
		if (header[at + 4] !== 0x4d || header[at + 5] !== 0x51)
			return -1;
		if (this.sum(header.subarray(at, at + 6)) !== (header[at + 6]! | header[at + 7]! << 8))
			return -1;
		return (header[at]! | header[at + 1]! << 8 | header[at + 2]! << 16 | header[at + 3]! << 24) >>> 0;
	}

	/**
	 * Visits the sector's live records; returns where appending may go on: where its records
	 * end when all it holds is whole, the sector's size (closed) when anything was torn or damaged.
	 */
	private scan(sector: number, visit: (address: number, length: number, state: number) => void): number {
		const size = this.size, start = sector * size;
		let at = Format.SECTOR_HEADER as number, lost = -1; // lost: where bytes that hold no record began
		while (at + Format.RECORD_HEADER <= size) {
			const header = new Uint8Array(this.flash.read(this.base + start + at, Format.RECORD_HEADER) as ArrayBuffer);
			const length = header[0]! | header[1]! << 8, a = header[Format.STATUS]!, b = header[Format.STATUS + 1]!;
			if (length === 0xffff && (a & b & header[4]! & header[5]!) === 0xff && this.erasedFrom(sector, at)) {
				this.lose(sector, lost, at);
				return lost < 0 ? at : size;
			}
			if (length >= 2 && at + Format.RECORD_HEADER + length <= size && this.read(start + at, length)) {
				this.lose(sector, lost, at);
				lost = -1;
				if (a & ~b || (~a & b & (~a & b) - 1)) // not what a cut between the copies leaves: at most one bit more clear in the first
					trace(`mqtt: store: the status of the record at ${start + at} is damaged in one copy; the reading that loses nothing is used\n`);
				if ((a | b) & Status.DONE) {
					this.table[sector]!++;
					visit(
						start + at,
						length,
						phase(a) & phase(b) & 1 ? Status.SENT | Status.RELEASED : phase(a) || phase(b) ? Status.SENT : ~(a & b) & Status.SENT,
					);
				}
				at += (Format.RECORD_HEADER + length + 3) & ~3;
				continue;
			}
			if (lost < 0)
				lost = at;
			at += 4; // look for the next record at the next place one can start
		}
		this.lose(sector, lost, size);
		return size;
	}

	/** Says what bytes that held no whole record cost: whatever was being written there, or was damaged. */
	private lose(sector: number, from: number, to: number): void {
		if (from >= 0)
			trace(
				`mqtt: store: bytes ${from} to ${
					to - 1
				} of sector ${sector} hold no whole record (a write cut by a reset, or damage); whatever was there is dropped\n`,
			);
	}

	/** Whether the sector is still erased from `at` on, so that appending there is safe. */
	private erasedFrom(sector: number, at: number): boolean {
		const size = this.size;
		for (let from = at; from < size; from += 256) {
			const bytes = new Uint8Array(this.flash.read(this.base + sector * size + from, Math.min(256, size - from)) as ArrayBuffer);
			for (let i = 0; i < bytes.length; i++) {
				if (bytes[i] !== 0xff)
					return false;
			}
		}
		return true;
	}

	/** Appends a packet; returns its address, or -1 when no sector is free for it. */
	append(packet: Uint8Array): number {
		const length = packet.length, need = (Format.RECORD_HEADER + length + 3) & ~3;
		if (length > this.maxPacket)
			return -1;
		if (this.head < 0 || this.at + need > this.size) {
			const next = (this.head + 1) % this.sectors;
			if (this.table[next])
				return -1; // the oldest sector still holds messages the broker has not acknowledged
			this.format(next);
		}
		const address = this.head * this.size + this.at;
		const bytes = this.bytes, sum = this.sum(packet);
		bytes[0] = length;
		bytes[1] = length >> 8;
		this.write(address, 2, bytes); // the status and CRC stay erased
		this.write(address + Format.RECORD_HEADER, length, packet);
		bytes[0] = sum;
		bytes[1] = sum >> 8;
		this.write(address + Format.CRC, 2, bytes); // last: the record is whole once this is
		this.at += need;
		this.table[this.head]!++;
		return address;
	}

	/** The packet of the record at `address`, `length` bytes; undefined when it does not match its CRC. */
	read(address: number, length: number): Uint8Array | undefined {
		const record = new Uint8Array(this.flash.read(this.base + address, Format.RECORD_HEADER + length) as ArrayBuffer);
		const packet = record.subarray(Format.RECORD_HEADER);
		return this.sum(packet) === (record[Format.CRC]! | record[Format.CRC + 1]! << 8) ? packet : undefined;
	}

	/**
	 * Records a step of the message at `address`: Status.SENT, Status.DONE (which frees its
	 * place), Status.RELEASED (its PUBREC came) or Status.AGAIN (the broker lost it: it goes
	 * whole again). Returns false when the record has no status bit left for that step.
	 */
	mark(address: number, step: number): boolean {
		let bit = step;
		if (step & (Status.RELEASED | Status.AGAIN)) {
			const status = new Uint8Array(this.flash.read(this.base + address + Format.STATUS, 2) as ArrayBuffer);
			const a = phase(status[0]!), b = phase(status[1]!), odd = step === Status.RELEASED ? 1 : 0;
			if ((a & b & 1) === odd)
				return true; // already so
			let place = (a > b ? a : b) + 1;
			if ((place & 1) !== odd)
				place++;
			if (place > 6)
				return false;
			bit = Format.FIRST_PHASE << (place - 1); // both copies then end the run at this place
		}
		const bytes = this.bytes;
		bytes[0] = bytes[1] = ~bit & 0xff;
		this.write(address + Format.STATUS, 2, bytes);
		if (bit === Status.DONE)
			this.table[(address / this.size) | 0]!--;
		return true;
	}

	// The Journal (tables.ts): what the session tells the store as its publishes move on. A
	// session slot's record is where its publish is kept, so that each step is one mark.

	open(queue: number, window: number, incoming: number): number {
		const found: number[] = [];
		this.recover((address, length, state) => {
			found.push(address, length, state);
		});
		queue = Math.max(queue, found.length / 3);
		const sectors = this.sectors, slots = sectors + 2 * (queue + window), table = new Uint16Array(slots + 2 * incoming);
		for (let s = 0; s < sectors; s++)
			table[s] = this.table[s]!;
		this.table = table;
		if (incoming)
			this.incoming = slots;
		this.found = found;
		return queue;
	}

	/**
	 * Hands back each publish open() found, in the order accepted. A record whose packet is not
	 * a whole QoS 1/2 PUBLISH, or whose id the session already holds, is dropped, with a trace.
	 */
	restore(session: Resumer): void {
		const found = this.found!, parsed = new Packet(); // open() came first
		delete this.found;
		for (let i = 0; i < found.length; i += 3) {
			const address = found[i]!, length = found[i + 1]!, packet = this.read(address, length);
			let result = packet ? decodeHeader(packet, 0, length, parsed) : 0;
			if (result > 0)
				result = checkHeader(parsed);
			if (result > 0 && parsed.length === length)
				result = decodeBody(packet!, 0, length, parsed);
			if (result > 0 && parsed.type === Type.PUBREC && length === 4) { // an incoming QoS 2 id (received())
				const delivered = !(found[i + 2]! & Status.SENT) ? 0 : 1;
				if (delivered && this.incoming !== undefined && session.resumeIncoming(parsed.id))
					this.hold(parsed.id, address);
				// not delivered before the reset: the broker's resend is, once
				else
					this.mark(address, Status.DONE);
				continue;
			}
			const slot = result > 0 && parsed.type === Type.PUBLISH && parsed.qos && parsed.length === length
				? session.resume(packet!, parsed.id, parsed.qos, found[i + 2]!)
				: -1;
			if (slot < 0) {
				trace(`mqtt: store: a damaged record at ${address} is dropped\n`);
				this.mark(address, Status.DONE);
			}
			else
				this.keep(slot, address, length);
		}
	}

	check(length: number, qos: number): void {
		if (length > this.maxPacket)
			throw new RangeError(
				`publish: with options.store a QoS ${qos} message must fit one flash sector: ${this.maxPacket} bytes of packet at most, this one is ${length}`,
			);
	}

	accepted(slot: number, packet: Uint8Array): boolean {
		const address = this.append(packet);
		if (address < 0)
			return false;
		this.keep(slot, address, packet.length);
		return true;
	}

	/**
	 * The record moves with its publish into the window; a publish kept only in the flash is
	 * read back, and marked as sent before it goes, so that after a reset it goes with DUP. A
	 * record that no longer matches its CRC is never sent: it is dropped, with a trace.
	 */
	taken(from: number, to: number, kind: number, packet: Uint8Array | undefined): Uint8Array | undefined {
		const table = this.table, at = this.sectors + 2 * from;
		const address = 4 * table[at]!, length = table[at + 1]!;
		this.keep(to, address, length);
		if (!address)
			return packet;
		table[at] = 0; // a queue slot holds a record only while a stored publish waits in it
		if (!(kind & Kind.SENT_BEFORE)) {
			this.mark(address, Status.SENT);
			if (packet)
				return packet;
		}
		const again = this.read(address, length); // found after a reset, or waited offline: only in the flash
		if (!again) {
			trace(`mqtt: store: the record at ${address} no longer matches its CRC; its message is dropped, not sent\n`);
			this.mark(address, Status.DONE);
			table[this.sectors + 2 * to] = 0;
		}
		else if (kind & Kind.SENT_BEFORE)
			markDuplicate(again);
		return again;
	}

	moved(from: number, to: number): void {
		const table = this.table, at = this.sectors + 2 * from;
		this.keep(to, 4 * table[at]!, table[at + 1]!);
		table[at] = 0;
	}

	released(slot: number): void {
		const record = this.table[this.sectors + 2 * slot]!;
		if (record)
			this.mark(4 * record, Status.RELEASED);
	}

	done(slot: number): void {
		const record = this.table[this.sectors + 2 * slot]!;
		if (record)
			this.mark(4 * record, Status.DONE);
	}

	/**
	 * A publish that goes again whole after its PUBREC, because the broker lost the session: its
	 * record says RELEASED, which a reset would read as "send PUBREL", so it is told AGAIN, in
	 * one write before anything else happens on this connection (the record keeps its place, so
	 * the order accepted holds too). A record whose status has no bit left for it (the third
	 * such loss) is written again in full; restore() takes the later of two records of one id.
	 */
	again(slot: number, packet: Uint8Array, id: number): void {
		const old = 4 * this.table[this.sectors + 2 * slot]!;
		if (!old || this.mark(old, Status.AGAIN))
			return;
		const address = this.append(packet);
		if (address < 0)
			return trace(`mqtt: store: no room to journal message ${id} again; a reset before its PUBREC would send only its PUBREL\n`);
		this.mark(old, Status.DONE);
		this.keep(slot, address, packet.length);
	}

	/*
	 * An incoming QoS 2 id is a record of its own whose packet is the PUBREC owed ([0x50, 2, id]):
	 * SENT marks it delivered to the app, DONE its PUBREL. A journal of an earlier version reads
	 * such a record as damaged and drops it, with a trace; this version reads theirs unchanged.
	 */

	received(id: number): void {
		if (this.incoming === undefined)
			return;
		const pubrec = new Uint8Array(4); // not this.bytes: append() may format a sector with them
		pubrec[0] = Type.PUBREC << 4;
		pubrec[1] = 2;
		pubrec[2] = id >> 8;
		pubrec[3] = id;
		const address = this.append(pubrec);
		if (address < 0)
			return trace(`mqtt: store: no room to keep incoming message ${id}; a reset before its PUBREL may deliver it again\n`);
		this.hold(id, address);
	}

	delivered(id: number): void {
		const at = this.find(id);
		if (at >= 0)
			this.mark(4 * this.table[at + 1]!, Status.SENT);
	}

	releasedIncoming(id: number): void {
		const at = this.find(id);
		if (at >= 0) {
			this.mark(4 * this.table[at + 1]!, Status.DONE);
			this.table[at + 1] = 0;
		}
	}

	forgetIncoming(): void {
		const table = this.table;
		for (let at = (this.incoming ?? table.length) + 1; at < table.length; at += 2) {
			if (table[at]) {
				this.mark(4 * table[at]!, Status.DONE);
				table[at] = 0;
			}
		}
	}

	/** The pair of incoming `id` in table, or -1. */
	private find(id: number): number {
		const table = this.table;
		for (let at = this.incoming ?? table.length; at < table.length; at += 2) {
			if (table[at + 1] && table[at] === id)
				return at;
		}
		return -1;
	}

	private hold(id: number, address: number): void {
		const table = this.table;
		for (let at = this.incoming!; at < table.length; at += 2) {
			if (!table[at + 1]) {
				table[at] = id;
				table[at + 1] = address / 4;
				return;
			}
		}
		this.mark(address, Status.DONE); // the session remembers no more than receiveMaximum: it forgot one first
	}

	/** Session slot `slot`'s publish is the record at `address`, of a `length`-byte packet. */
	private keep(slot: number, address: number, length: number): void {
		const at = this.sectors + 2 * slot;
		this.table[at] = address / 4;
		this.table[at + 1] = length;
	}

	private format(sector: number): void {
		const at = sector * this.size, bytes = this.bytes;
		bytes.fill(0);
		this.write(at, Format.SECTOR_HEADER, bytes); // no longer a sector, should the erase be cut
		this.flash.erase(this.base / this.size + sector);
		const sequence = ++this.sequence;
		bytes[0] = sequence;
		bytes[1] = sequence >> 8;
		bytes[2] = sequence >> 16;
		bytes[3] = sequence >>> 24;
		bytes[4] = 0x4d;
		bytes[5] = 0x51;
		const sum = this.sum(bytes.subarray(0, 6));
		bytes[6] = sum;
		bytes[7] = sum >> 8;
		bytes.copyWithin(Format.HEADER_COPY, 0, Format.HEADER_COPY);
		this.write(at, Format.SECTOR_HEADER, bytes);
		this.head = sector;
		this.at = Format.SECTOR_HEADER;
	}

	/**
	 * The CRC-16 of `bytes`, native on the device. Moddable's CRC16 keeps a 512-byte table in a
	 * chunk of the XS heap, so it lives only for the sum (its table takes microseconds to make in
	 * C), or through one recover(): a client with a store does not carry it while idle.
	 */
	private sum(bytes: Uint8Array): number {
		const crc = this.crc ?? new CRC16(Format.POLYNOMIAL, 0xffff);
		crc.reset();
		const sum = crc.checksum(bytes);
		if (crc !== this.crc)
			crc.close();
		return sum;
	}

	private write(address: number, length: number, bytes: Uint8Array): void {
		this.flash.write(this.base + address, length, bytes);
	}
}
Object.freeze(Store.prototype);
