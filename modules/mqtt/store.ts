/*
 * A journal in NOR flash of the QoS 1/2 publishes the client accepted, kept until the broker
 * acknowledges them, so that a reset loses none.
 *
 * NOR flash is erased a sector at a time, to 0xFF, and a write can only clear bits. So records
 * are only ever appended, to a ring of sectors, and a record changes state by clearing one bit
 * of its status byte in place: nothing written is rewritten, and a sector is erased only when
 * every record in it is done.
 *
 *   sector  [sequence u32 LE][magic "MQS1"] then records; the sequence orders the ring
 *   record  [length u16 LE][check][status] then the PUBLISH packet as first sent, padded to 4
 *
 * What a power cut can leave, and why it costs at most the record being written:
 * - A record is written whole with its status at 0xFF, and only then is COMMITTED cleared: a cut
 *   before that leaves it uncommitted, and recovery ignores it and everything after it in that
 *   sector (new records go to the next one). Its publish() had not returned, so it was not
 *   accepted. Earlier records are not touched by the write.
 * - A cut while a status bit is cleared leaves the bit cleared or not: a message is sent once
 *   more at worst (with DUP), which QoS 1 allows and which the broker's session absorbs at QoS 2.
 * - A sector's sequence is written before its magic, so a valid magic means a whole sequence;
 *   the magic is cleared before an erase, so a sector whose erase was cut is never read as one.
 * The payload is not checksummed: a checksum in JavaScript would cost more than the rest of a
 * publish, and what a cut tears is caught by the commit bit. Recovery checks the rest (the
 * header's check byte, lengths, and the session checks the packet) and never throws.
 */

import { Status } from "./tables.js";

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

const MAGIC = [0x4d, 0x51, 0x53, 0x31];
const enum Journal {
	SECTOR_HEADER = 8,
	RECORD_HEADER = 4,
	STATUS = 3,	// the status byte's offset in a record header
	MAX_SECTORS = 64,	// the session keeps an address in 16 bits, in units of 4 bytes
}

function check(length: number): number {
	return (length ^ (length >> 8) ^ 0xa5) & 0xff;
}

export class Store {
	private flash: FlashArea;
	private base: number;	// the area's first byte in the partition
	private size: number;	// bytes per sector
	private live: Uint16Array;	// records not done, per sector
	private head = -1;	// the sector appended to; -1 until the first append formats one
	private at = 0;	// the next record's offset in the head sector; size when the head is closed
	private sequence = 0;	// the head's
	private bytes = new Uint8Array(4);	// a record header or a status byte on its way to the flash

	constructor(flash: FlashArea, options: StoreOptions = {}) {
		const size = flash.blockSize;
		const first = options.first ?? 0, sectors = options.sectors ?? 4;
		if (!Number.isInteger(sectors) || sectors < 2 || sectors > Journal.MAX_SECTORS)
			throw new RangeError(`store: options.sectors must be an integer from 2 to ${Journal.MAX_SECTORS}, got ${sectors}`);
		if (!Number.isInteger(first) || first < 0 || (first + sectors) * size > flash.byteLength)
			throw new RangeError(`store: sectors ${first} to ${first + sectors - 1} do not fit the partition's ${flash.byteLength / size} sectors of ${size} bytes`);
		this.flash = flash;
		this.base = first * size;
		this.size = size;
		this.live = new Uint16Array(sectors);
	}

	/** The largest packet a record holds: one sector less the headers. */
	get maxPacket(): number {
		return this.size - Journal.SECTOR_HEADER - Journal.RECORD_HEADER;
	}

	/**
	 * Reads the area once, after a start: `visit` gets each record not yet done, in the order
	 * it was accepted, with its packet's length and its status bits (SENT, RELEASED) as set.
	 */
	recover(visit: (address: number, length: number, state: number) => void): void {
		const sectors = this.live.length, size = this.size;
		const order: number[] = [];
		const sequences: number[] = [];
		for (let s = 0; s < sectors; s++) {
			this.live[s] = 0;
			const header = new Uint8Array(this.flash.read(this.base + s * size, Journal.SECTOR_HEADER) as ArrayBuffer);
			if (header[4] !== MAGIC[0] || header[5] !== MAGIC[1] || header[6] !== MAGIC[2] || header[7] !== MAGIC[3])
				continue;
			const sequence = (header[0] | header[1] << 8 | header[2] << 16 | header[3] << 24) >>> 0;
			let i = order.length;
			while (i > 0 && sequences[i - 1] > sequence) {
				order[i] = order[i - 1];
				sequences[i] = sequences[i - 1];
				i--;
			}
			order[i] = s;
			sequences[i] = sequence;
		}
		this.head = -1;
		for (let i = 0; i < order.length; i++) {
			const s = order[i], last = i === order.length - 1;
			const end = this.scan(s, visit);
			if (last) {
				this.head = s;
				this.sequence = sequences[i];
				this.at = end < size && this.erasedFrom(s, end) ? end : size;
			}
		}
	}

	/** Visits the sector's live records; returns where its records end. */
	private scan(sector: number, visit: (address: number, length: number, state: number) => void): number {
		const size = this.size, start = sector * size;
		let at = Journal.SECTOR_HEADER;
		while (at + Journal.RECORD_HEADER <= size) {
			const header = new Uint8Array(this.flash.read(this.base + start + at, Journal.RECORD_HEADER) as ArrayBuffer);
			const length = header[0] | header[1] << 8, status = header[Journal.STATUS];
			if (length === 0xffff && header[2] === 0xff && status === 0xff)
				return at;	// erased: the sector's records end here
			if (header[2] !== check(length) || status & Status.COMMITTED || length < 2 || at + Journal.RECORD_HEADER + length > size)
				return size;	// torn or damaged: nothing after it in this sector is trusted
			if (status & Status.DONE) {
				this.live[sector]++;
				visit(start + at, length, ~status & (Status.SENT | Status.RELEASED));
			}
			at += (Journal.RECORD_HEADER + length + 3) & ~3;
		}
		return size;
	}

	/** Whether the head sector is still erased from `at` on, so that appending there is safe. */
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
		const length = packet.length, need = (Journal.RECORD_HEADER + length + 3) & ~3;
		if (length > this.maxPacket)
			return -1;
		if (this.head < 0 || this.at + need > this.size) {
			const next = (this.head + 1) % this.live.length;
			if (this.live[next])
				return -1;	// the oldest sector still holds messages the broker has not acknowledged
			this.format(next);
		}
		const address = this.head * this.size + this.at;
		const bytes = this.bytes;
		bytes[0] = length;
		bytes[1] = length >> 8;
		bytes[2] = check(length);
		bytes[3] = 0xff;
		this.write(address, 4, bytes);
		this.write(address + Journal.RECORD_HEADER, length, packet);
		this.at += need;
		this.mark(address, Status.COMMITTED);
		this.live[this.head]++;
		return address;
	}

	/** The packet of the record at `address`, `length` bytes. */
	read(address: number, length: number): Uint8Array {
		return new Uint8Array(this.flash.read(this.base + address + Journal.RECORD_HEADER, length) as ArrayBuffer);
	}

	/** Clears a status bit of the record at `address`; DONE frees its place. */
	mark(address: number, bit: number): void {
		const bytes = this.bytes;
		bytes[0] = ~bit & 0xff;
		this.write(address + Journal.STATUS, 1, bytes);
		if (bit === Status.DONE)
			this.live[(address / this.size) | 0]--;
	}

	private format(sector: number): void {
		const at = sector * this.size, bytes = this.bytes;
		bytes.fill(0);
		this.write(at + 4, 4, bytes);	// no longer a sector, should the erase be cut
		this.flash.erase(this.base / this.size + sector);
		const sequence = ++this.sequence;
		bytes[0] = sequence;
		bytes[1] = sequence >> 8;
		bytes[2] = sequence >> 16;
		bytes[3] = sequence >>> 24;
		this.write(at, 4, bytes);
		for (let i = 0; i < 4; i++)
			bytes[i] = MAGIC[i];
		this.write(at + 4, 4, bytes);
		this.head = sector;
		this.at = Journal.SECTOR_HEADER;
	}

	private write(address: number, length: number, bytes: Uint8Array): void {
		this.flash.write(this.base + address, length, bytes);
	}
}
Object.freeze(Store.prototype);
