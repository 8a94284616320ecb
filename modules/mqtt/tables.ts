/*
 * The session's memory: fixed tables in one block, sized when the client is made, and the only
 * code that reads or writes them. The control lane (acknowledgements and pings owed), the queue
 * of data packets, the in-flight window with its resend order and timing, the incoming QoS 2
 * ids, the event ring and the bytes of the last topic received are regions of three typed views
 * on one ArrayBuffer; every slot is found by a scan of a few entries. The layers above use the
 * named operations below, never the views: a window slot moves only by hold, advance and
 * release, each of which checks that the move is one the protocol allows.
 *
 * Events for the application are posted to the ring and delivered after the parser is done with
 * the bytes at hand, so a handler never runs inside the parser and may call back into the client.
 *
 * The layout, with q the queue's length, w the window's and r receiveMaximum (tables.test.js
 * writes through each operation and fails when the code and this table disagree):
 *
 *   | view  | region   | from                 | length           | one entry holds                     |
 *   | words | control  | 0                    | CONTROL_CAPACITY | a packet id owed (PUBACK, ...)      |
 *   | flags | control  | 0                    | CONTROL_CAPACITY | that packet's type                  |
 *   | words | events   | EVENTS_AT            | EVENT_CAPACITY   | an event's number (id, reason, ...) |
 *   | flags | events   | EVENTS_AT            | EVENT_CAPACITY   | its Ev kind                         |
 *   | words | queue    | QUEUE_AT             | q                | a queued packet's id                |
 *   | flags | queue    | QUEUE_AT             | q                | its Kind                            |
 *   | words | window   | QUEUE_AT + q         | w                | a window slot's packet id           |
 *   | flags | window   | QUEUE_AT + q         | w                | its Slot state                      |
 *   | words | incoming | QUEUE_AT + q + w     | r                | an incoming QoS 2 id before PUBREL  |
 *   | flags | resend   | QUEUE_AT + q + w     | w                | 1: the window slot goes again       |
 *   | flags | topic    | QUEUE_AT + q + 2 * w | TOPIC_CACHE      | a byte of the last topic received   |
 *   | times | sent     | 0, step 2            | w                | when the window slot was written    |
 *   | times | order    | 1, step 2            | w                | its place in the order of sending   |
 *
 * The session is one object built in layers, one file each: Tables (this), Outbox (sending),
 * Inbox (receiving) and Session (the lifecycle), and the views are TypeScript-private to this
 * class, so the compiler keeps the layers above to the operations. Composition (each layer an
 * object holding the one below, and the one above for pump, dispatch and afterEnd) was measured
 * against it on 2026-12-06 with bench/composition.mjs, on objects with these layers' fields:
 * the tables apart cost 3 slots (48 B) more of the heap, all four layers apart 9 (144 B), and
 * either adds 1 computron to every call or field read that crosses a layer (publish and receive
 * cross for most fields they read: state, link, options, the counts). Inheritance gives the
 * same door for nothing at run time: kept.
 */

import { Type } from "./codec.js";
import { writeAck, writeEmpty } from "./encode.js";
import type { Link, TLSOptions } from "./link.js";

// The names below are const enums: TypeScript writes their values into the code that uses them,
// so that no module exports, imports or looks up a constant at run time (each one would cost the
// device bytecode and a symbol in every module that names it).

// What the event ring holds; each kind is handed to the owner by the method of its name.
export const enum Ev {
	CONNECT = 1,
	CONNFAIL,
	OFFLINE,
	MESSAGE,
	OVERFLOW,
	PUBACK,
	SUBACK,
	UNSUBACK,
	DRAINED,
}

// Failure reasons, the NodeMCU values (mqtt.CONN_FAIL_*).
export const enum Fail {
	SERVER_NOT_FOUND = -5,
	NOT_A_CONNACK_MSG = -4,
	DNS = -3,
	TIMEOUT_RECEIVING = -2,
	TIMEOUT_SENDING = -1,
}

// The session's yes-or-no state that is not read for every packet, as bits of one number: a
// field of its own costs the device a 16-byte slot each.
export const enum Bit {
	CLOSE_PENDING = 1, // close() from a handler: done by drain() once what came before is written
	WANT_WRITTEN = 2, // post Ev.PUBACK for QoS 0 packets written: only when a handler wants it
	INCOMING_TRACED = 4, // beyond receiveMaximum: said once per connection
	SECURE = 8, // connect() asked for TLS
	RETRYING = 16, // IDLE, the timer armed for the next attempt
	STOPPED = 32, // close(): no attempt by itself until the next connect()
	CONNECT_AFTER_CLOSE = 64, // connect() while closing: the attempt starts once DISCONNECT is out
	WANT_DRAINED = 128, // the app has a drained handler: a publish done sets DRAINED_DUE
	DRAINED_DUE = 256, // a publish is done: drain() counts what is held, and tells the owner when nothing is
	V5 = 512, // MQTT 5 (session5.ts): the hot paths call the seam methods, which 3.1.1 skips with this test
}

/** What publish() returns when there is no session and nothing may wait for one. */
export const enum Publish {
	NOT_CONNECTED = -2,
}

export const enum State {
	IDLE,
	RESOLVING,
	OPENING,
	HANDSHAKE,
	CONNECTED,
	CLOSING,
}

// What a queued or in-flight slot holds.
export const enum Kind {
	PUBLISH0 = 1, // a publish's kind is PUBLISH0 + its QoS
	PUBLISH1,
	PUBLISH2,
	SUBSCRIBE,
	UNSUBSCRIBE,
	MASK = 0x0f,
	SENT_BEFORE = 0x10, // a publish found in the store, written before the reset: DUP
}

// A stored message's steps, as the journal writes them (Store.mark) and reads them back after a
// reset (Store.recover). The store keeps them as bits of a status byte (store.ts); they are
// named here beside the Journal interface.
export const enum Status {
	SENT = 1, // written to the socket at least once: DUP when it goes again
	DONE = 2, // acknowledged; the record is dead
	RELEASED = 4, // QoS 2, PUBREC came: only PUBREL goes again
	AGAIN = 8, // QoS 2, the broker lost the session after its PUBREC: the whole PUBLISH goes again
}

// In-flight slot states: which acknowledgement it waits for (see hold, advance and release for
// the transitions allowed); the negative values name what outbox.ts is writing that waits for none.
export const enum Slot {
	FREE,
	WAIT_PUBACK,
	WAIT_PUBREC,
	WAIT_PUBCOMP,
	WAIT_SUBACK,
	WAIT_UNSUBACK,
	BLOCKED = -3, // takeQueued: nothing can go now
	WRITING_CONNECT = -2,
	WRITING_UNACKED = -1,
}

// Milliseconds.
export const enum Timeout {
	OPEN = 10_000, // TCP/TLS connect; lwIP's own SYN retries take far longer
	SEND = 5_000, // CONNECT handed over (NodeMCU's figure)
	CONNACK = 5_000,
	CLOSE = 2_000, // DISCONNECT flush before the socket closes anyway
}

// The control lane holds only what parsing adds (one entry per packet parsed, and parsing
// pauses above CONTROL_ROOM), one PINGREQ and one DISCONNECT, so it cannot overflow whatever
// the options; PUBRELs owed after a reconnect are resent from the in-flight table instead.
export const enum Layout {
	CONTROL_CAPACITY = 64,
	CONTROL_ROOM = CONTROL_CAPACITY - 4,
	EVENT_CAPACITY = 8, // the parser pauses when it is full, so 8 only shortens a burst
	EVENTS_AT = CONTROL_CAPACITY, // the event ring's region in the tables (see words)
	QUEUE_AT = EVENTS_AT + EVENT_CAPACITY, // the queue's
	TOPIC_CACHE = 64,
}

export interface SessionOptions {
	maxMessageLength: number;
	keepalive: number; // seconds, 1..65535
	cleanSession: boolean;
	binary: boolean; // payloads as ArrayBuffer instead of string
	window: number; // acknowledged packets in flight at once
	queueLength: number; // data packets waiting behind the window
	receiveMaximum: number; // incoming QoS 2 messages remembered until their PUBREL
	ackTimeout: number; // ms an acknowledgement may take before the link is declared dead
	/** Reconnect by itself after offline or a failed attempt, backing off from min to max ms. */
	reconnect: { min: number; max: number } | undefined;
	/** The jitter's source, 0 <= r < 1 (Math.random; the tests give their own). */
	random: () => number;
	/** Held QoS 1/2 publishes wait for CONNACK rather than going right behind CONNECT (3.1.4); present only when true. */
	waitConnack?: boolean;
	/** QoS 1/2 publishes outlive the session: queued while offline, sent again after a clean one ends. */
	offlineQueue: boolean;
	/** Certificate settings for a secure connect(). */
	tls?: TLSOptions;
	/** QoS 1/2 publishes also outlive a reset: journaled in flash until acknowledged (needs offlineQueue). */
	store?: Journal;
}

/**
 * What the session tells a journal (mqtt/store's Store) at each point where a QoS 1/2 publish
 * changes state, so that an image without a store carries none of the store's logic: the
 * session calls these only when options.store is set. A slot is a queue slot (0 to q - 1) or,
 * for the window, q + the window slot; the journal keeps each slot's record itself.
 */
export interface Journal {
	/** The largest PUBLISH packet a record holds. */
	readonly maxPacket: number;
	/**
	 * Reads what was kept over a reset and makes room for the records of `queue` queue slots,
	 * `window` window slots and `incoming` QoS 2 ids received (0: the session ends with the
	 * connection, none is kept); returns the queue length the session needs to take back what it found.
	 */
	open(queue: number, window: number, incoming: number): number;
	/** Hands what open() found to the session, in the order accepted. */
	restore(session: Resumer): void;
	/** Throws a RangeError naming the limit when a QoS 1/2 packet of `length` bytes cannot be kept. */
	check(length: number, qos: number): void;
	/** Keeps the publish about to wait in queue slot `slot`: in the flash before this returns; false when full. */
	accepted(slot: number, packet: Uint8Array): boolean;
	/**
	 * Queue slot `from` goes into window slot `to`, about to be written: returns the packet to
	 * write (read back from the flash when `packet` is undefined, DUP set when `kind` says
	 * Kind.SENT_BEFORE), or undefined when its record no longer matches its CRC.
	 */
	taken(from: number, to: number, kind: number, packet: Uint8Array | undefined): Uint8Array | undefined;
	/** The queue was compacted: queue slot `from`'s record now belongs to slot `to`. */
	moved(from: number, to: number): void;
	/** Window slot `slot`'s PUBREC came: after a reset only its PUBREL goes again. */
	released(slot: number): void;
	/** Window slot `slot` was acknowledged: its record is dead. */
	done(slot: number): void;
	/** The broker lost the session after window slot `slot`'s PUBREC: its whole PUBLISH goes again. */
	again(slot: number, packet: Uint8Array, id: number): void;
	/**
	 * A QoS 2 message `id` came and is new: kept before it is delivered or its PUBREC goes, so that
	 * after a reset the broker's resend is known (4.3.3). Only when open() was given `incoming`.
	 */
	received(id: number): void;
	/** The app's handler had message `id` (a QoS 2 one kept by received(), or none). */
	delivered(id: number): void;
	/** Incoming `id`'s PUBREL came (or it was forgotten beyond receiveMaximum): no longer kept. */
	releasedIncoming(id: number): void;
	/** The broker kept no session: no incoming id awaits its PUBREL any more. */
	forgetIncoming(): void;
}

/** What a journal's restore() may ask of the session. */
export interface Resumer {
	/**
	 * Takes back a publish kept over a reset (`state` as Store.recover gives it); returns the
	 * journal's slot it now occupies, or -1 when its id is in use (the record is then dropped).
	 */
	resume(packet: Uint8Array, id: number, qos: number, state: number): number;
	/** Takes back an incoming QoS 2 id delivered before a reset and awaiting its PUBREL; false when there is no room. */
	resumeIncoming(id: number): boolean;
}

export abstract class Tables {
	protected link: Link;
	protected options: SessionOptions;
	protected state = State.IDLE;
	protected bits = 0; // CLOSE_PENDING, WANT_WRITTEN, ...: the yes-or-no state read seldom (see those constants)
	// read or set for every packet: a field each is cheaper in computrons than a bit
	protected draining = false;
	protected parsing = false; // the parser is running: drain() waits until it is done
	protected due = 0; // when the timer fires next
	protected ack: Uint8Array; // the control lane's packet being written (takeControl)
	protected controlHead = 0;
	protected controlCount = 0;
	protected nextId = 0;

	// queue of data packets not yet started
	protected queuePacket: (Uint8Array | undefined)[];
	protected queueHead = 0;
	protected queueCount = 0;

	// in-flight table
	protected flightPacket: (Uint8Array | undefined)[];
	protected resendCount = 0; // slots flagged to be resent: the pump looks for none while it is 0
	protected order = 0;
	protected incomingCount = 0;
	protected topicLength = -1; // of the topic whose bytes are cached (topicOf), -1: none
	protected topic = "";

	// The three views on one block (a view costs the device about 5 slots): see the layout above.
	private times: Float64Array;
	private words: Uint16Array;
	private flags: Uint8Array;
	private flightAt: number; // the window's region in words and flags
	private incomingAt: number; // the incoming ids' region in words, where the window's ends
	private resendAt: number; // the resend flags' region in flags, where the window's ends

	// events for the application
	protected eventArgs: unknown[] = new Array(2 * Layout.EVENT_CAPACITY); // a and b of each event side by side
	protected eventHead = 0;
	protected eventCount = 0;

	constructor(link: Link, options: SessionOptions, queue: number) {
		this.link = link;
		this.options = options;
		const window = options.window;
		this.queuePacket = new Array(queue);
		this.flightPacket = new Array(window);
		// one block for every fixed table: in XS an ArrayBuffer of its own would cost three more
		// slots and a chunk header each
		const flightAt = Layout.QUEUE_AT + queue, after = flightAt + window, topicAt = after + window;
		const words = after + options.receiveMaximum, flags = topicAt + Layout.TOPIC_CACHE;
		const block = new ArrayBuffer(16 * window + 2 * words + flags + 4);
		this.times = new Float64Array(block, 0, 2 * window);
		this.words = new Uint16Array(block, 16 * window, words);
		const at = 16 * window + 2 * words;
		this.flags = new Uint8Array(block, at, flags);
		this.ack = new Uint8Array(block, at + flags, 4);
		this.flightAt = flightAt;
		this.incomingAt = this.resendAt = after;
	}

	// the control lane

	protected control(type: number, id: number): void {
		const tail = (this.controlHead + this.controlCount) % Layout.CONTROL_CAPACITY;
		this.flags[tail] = type;
		this.words[tail] = id;
		this.controlCount++;
	}

	/** Whether the control lane holds a packet of this type (an unsolicited PINGRESP must not add a second PINGREQ). */
	protected queued(type: number): boolean {
		for (let i = 0; i < this.controlCount; i++) {
			if (this.flags[(this.controlHead + i) % Layout.CONTROL_CAPACITY] === type)
				return true;
		}
		return false;
	}

	/**
	 * Takes the lane's first packet into `ack` when its bytes fit `room` (PINGREQ and DISCONNECT
	 * are 2 bytes, the acknowledgements 4); returns its type, 0 when the lane is empty or it does not fit.
	 */
	protected takeControl(room: number): number {
		if (!this.controlCount)
			return 0;
		const head = this.controlHead, type = this.flags[head]!;
		if (type >= Type.PINGREQ) {
			if (room < 2)
				return 0;
			writeEmpty(this.ack, 0, type);
		}
		else {
			if (room < 4)
				return 0;
			writeAck(this.ack, 0, type, this.words[head]!);
		}
		this.controlHead = (head + 1) % Layout.CONTROL_CAPACITY;
		this.controlCount--;
		return type;
	}

	protected clearControl(): void {
		this.controlCount = 0;
	}

	// the queue

	/** The queue slot the next packet queued will take. */
	protected queueTail(): number {
		return (this.queueHead + this.queueCount) % this.queuePacket.length;
	}

	/** Queues a data packet, and writes it when nothing waits before it (from a handler, drain() does). */
	protected enqueue(packet: Uint8Array | undefined, kind: number, id: number): void {
		const tail = (this.queueHead + this.queueCount) % this.queuePacket.length;
		this.queuePacket[tail] = packet;
		this.flags[Layout.QUEUE_AT + tail] = kind;
		this.words[Layout.QUEUE_AT + tail] = id;
		this.queueCount++;
		if (this.draining)
			return; // called from a handler: drain() writes it once the handler returns
		this.pump();
		if (this.eventCount || (this.bits & Bit.DRAINED_DUE)) // writing it finished a QoS 0 publish: puback, drained
			this.drain();
	}

	/**
	 * Takes the packet at the head of the queue (queuePacket[queueHead] until then) on its way
	 * to the wire: a QoS 0 publish at once (Slot.WRITING_UNACKED), anything else into a free
	 * window slot, where it waits for the acknowledgement its kind calls for, stamped as written
	 * now and last in the order of sending; the slot's packet is then the one to write
	 * (with a journal, perhaps read back from the flash; none when its record was damaged).
	 * Returns the slot, or Slot.BLOCKED when the window is full, or when a QoS 0 publish's
	 * completion would find the event ring full (drain() delivers, then pumps again).
	 */
	protected takeQueued(): number {
		const head = this.queueHead, flags = this.flags, kind = flags[Layout.QUEUE_AT + head]!;
		let slot = Slot.WRITING_UNACKED;
		if (kind === Kind.PUBLISH0) {
			if ((this.bits & Bit.WANT_WRITTEN) && this.eventCount === Layout.EVENT_CAPACITY)
				return Slot.BLOCKED;
		}
		else {
			const at = flags.indexOf(Slot.FREE, this.flightAt); // past the window it finds a resend flag
			if (at < 0 || at >= this.resendAt)
				return Slot.BLOCKED;
			slot = at - this.flightAt;
			const type = kind & Kind.MASK;
			flags[at] = type === Kind.PUBLISH1
				? Slot.WAIT_PUBACK
				: type === Kind.PUBLISH2
				? Slot.WAIT_PUBREC
				: type === Kind.SUBSCRIBE
				? Slot.WAIT_SUBACK
				: Slot.WAIT_UNSUBACK; // from FREE: allowed
			this.words[at] = this.words[Layout.QUEUE_AT + head]!;
			this.times[2 * slot] = this.link.now();
			this.times[2 * slot + 1] = ++this.order;
			const journal = this.options.store;
			this.flightPacket[slot] = journal ? journal.taken(head, this.queuePacket.length + slot, kind, this.queuePacket[head]) : this.queuePacket[head];
		}
		this.queuePacket[head] = undefined;
		this.queueHead = (head + 1) % this.queuePacket.length;
		this.queueCount--;
		if (slot >= 0 && !this.flightPacket[slot]) // its record no longer matches its CRC: dropped, never sent
			this.release(slot);
		return slot;
	}

	/** Whether the head of the queue is a QoS 1/2 publish, which may go before CONNACK. */
	protected heldPublishFirst(): boolean {
		const kind = this.flags[Layout.QUEUE_AT + this.queueHead]! & Kind.MASK;
		return kind === Kind.PUBLISH1 || kind === Kind.PUBLISH2;
	}

	/**
	 * The queue keeps its QoS 1/2 publishes, in order, and drops the rest (QoS 0, subscription
	 * requests: they belong to the session that ended); a kept publish's record moves with it.
	 */
	protected keepPublishesOnly(): void {
		const capacity = this.queuePacket.length, flags = this.flags, words = this.words, head = this.queueHead, journal = this.options.store;
		let kept = 0;
		for (let i = 0; i < this.queueCount; i++) {
			const from = (head + i) % capacity, packet = this.queuePacket[from];
			this.queuePacket[from] = undefined;
			const kind = flags[Layout.QUEUE_AT + from]! & Kind.MASK;
			if (kind !== Kind.PUBLISH1 && kind !== Kind.PUBLISH2)
				continue;
			const to = (head + kept++) % capacity;
			this.queuePacket[to] = packet;
			flags[Layout.QUEUE_AT + to] = flags[Layout.QUEUE_AT + from]!;
			words[Layout.QUEUE_AT + to] = words[Layout.QUEUE_AT + from]!;
			if (journal && to !== from)
				journal.moved(from, to);
		}
		this.queueCount = kept;
	}

	protected clearQueue(): void {
		this.queuePacket.fill(undefined);
		this.queueCount = 0;
	}

	// packet ids

	protected allocateId(): number {
		for (let tries = 0; tries < 65_535; tries++) {
			const id = this.nextId = this.nextId === 65_535 ? 1 : this.nextId + 1;
			if (!this.idInUse(id))
				return id;
		}
		return -1;
	}

	protected idInUse(id: number): boolean {
		const flags = this.flags, words = this.words;
		for (let i = this.flightAt, end = this.incomingAt; i < end; i++) {
			if (flags[i] !== Slot.FREE && words[i] === id)
				return true;
		}
		for (let i = 0, capacity = this.queuePacket.length; i < this.queueCount; i++) {
			const at = Layout.QUEUE_AT + (this.queueHead + i) % capacity;
			if (flags[at] !== Kind.PUBLISH0 && words[at] === id)
				return true;
		}
		return false;
	}

	/** Publishes accepted and not done: queued ones (QoS 0 included) and those the window holds for their acknowledgement. */
	protected publishesHeld(): number {
		const flags = this.flags, capacity = this.queuePacket.length;
		let count = 0;
		for (let i = 0; i < this.queueCount; i++) {
			if ((flags[Layout.QUEUE_AT + (this.queueHead + i) % capacity]! & Kind.MASK) <= Kind.PUBLISH2)
				count++;
		}
		for (let i = this.flightAt, end = this.incomingAt; i < end; i++) {
			const state = flags[i]!;
			if (state >= Slot.WAIT_PUBACK && state <= Slot.WAIT_PUBCOMP)
				count++;
		}
		return count;
	}

	// the window

	/** The window slot in `state` for packet `id`, or -1. */
	protected findFlight(id: number, state: number): number {
		const flags = this.flags, words = this.words, from = this.flightAt;
		for (let i = from, end = this.incomingAt; i < end; i++) {
			if (flags[i] === state && words[i] === id)
				return i - from;
		}
		return -1;
	}

	/** Whether a window slot waits for PUBCOMP: a PUBREL is owed, or its PUBLISH goes again (established()). */
	protected releaseOwed(): boolean {
		const at = this.flags.indexOf(Slot.WAIT_PUBCOMP, this.flightAt);
		return at >= 0 && at < this.resendAt;
	}

	/** A free window slot, or -1 when the window is full. */
	protected freeFlight(): number {
		const free = this.flags.indexOf(Slot.FREE, this.flightAt); // past the window it finds a resend flag
		return free >= 0 && free < this.resendAt ? free - this.flightAt : -1;
	}

	protected slotState(slot: number): number {
		return this.flags[this.flightAt + slot]!;
	}

	protected slotId(slot: number): number {
		return this.words[this.flightAt + slot]!;
	}

	/** A free slot starts waiting: `state` is the acknowledgement it waits for. Last in the order of sending. */
	protected hold(slot: number, state: number, id: number, packet: Uint8Array | undefined): boolean {
		const at = this.flightAt + slot;
		if (slot < 0 || at >= this.resendAt || this.flags[at] !== Slot.FREE || state < Slot.WAIT_PUBACK || state > Slot.WAIT_UNSUBACK)
			return this.refuse(slot, state);
		this.flags[at] = state;
		this.words[at] = id;
		this.times[2 * slot + 1] = ++this.order;
		this.flightPacket[slot] = packet;
		return true;
	}

	/**
	 * A QoS 2 publish moves on: WAIT_PUBREC to WAIT_PUBCOMP when its PUBREC comes (its PUBREL
	 * then goes again in the order of the PUBRECs, 4.6), or back when the broker lost the session.
	 */
	protected advance(slot: number, state: number): boolean {
		const at = this.flightAt + slot, from = slot >= 0 && at < this.resendAt ? this.flags[at] : Slot.FREE;
		if (state === Slot.WAIT_PUBCOMP ? from !== Slot.WAIT_PUBREC : state !== Slot.WAIT_PUBREC || from !== Slot.WAIT_PUBCOMP)
			return this.refuse(slot, state);
		this.flags[at] = state;
		if (state === Slot.WAIT_PUBCOMP)
			this.times[2 * slot + 1] = ++this.order;
		return true;
	}

	/** The slot's wait is over (acknowledged, or dropped with its session): it is free again. */
	protected release(slot: number): boolean {
		const at = this.flightAt + slot;
		if (slot < 0 || at >= this.resendAt || this.flags[at] === Slot.FREE)
			return this.refuse(slot, Slot.FREE);
		if (this.flags[this.resendAt + slot]) { // acknowledged before it went again
			this.flags[this.resendAt + slot] = 0;
			this.resendCount--;
		}
		this.flags[at] = Slot.FREE;
		this.flightPacket[slot] = undefined;
		return true;
	}

	/**
	 * A move the protocol does not allow (allowed: a free slot to any wait; WAIT_PUBREC and
	 * WAIT_PUBCOMP to each other; a waiting slot to free) is a fault of the session's: it is
	 * traced and refused, the slot keeps its state, and the device goes on.
	 */
	private refuse(slot: number, state: number): false {
		const at = this.flightAt + slot;
		trace(`mqtt: window slot ${slot} may not go from state ${slot >= 0 && at < this.resendAt ? this.flags[at] : "none"} to ${state}\n`);
		return false;
	}

	/** The slot goes again after the next CONNACK (4.4): its PUBLISH with DUP, or its PUBREL. */
	protected markResend(slot: number): void {
		if (!this.flags[this.resendAt + slot]) {
			this.flags[this.resendAt + slot] = 1;
			this.resendCount++;
		}
	}

	/** The slot went again at `now`. */
	protected resent(slot: number, now: number): void {
		this.times[2 * slot] = now;
		this.flags[this.resendAt + slot] = 0;
		this.resendCount--;
	}

	/** The oldest in-flight packet still to be resent after reconnecting (4.4), in original order. */
	protected nextResend(): number {
		let found = -1;
		for (let i = 0; i < this.flightPacket.length; i++) {
			if (
				this.flags[this.flightAt + i] !== Slot.FREE && this.flags[this.resendAt + i] &&
				(found < 0 || this.times[2 * i + 1]! < this.times[2 * found + 1]!)
			)
				found = i;
		}
		return found;
	}

	/** When the oldest packet on the wire that awaits an acknowledgement was written, or -1. */
	protected oldestSent(): number {
		let oldest = -1;
		for (let i = 0; i < this.flightPacket.length; i++) {
			const sent = this.times[2 * i]!;
			if (this.flags[this.flightAt + i] !== Slot.FREE && !this.flags[this.resendAt + i] && (oldest < 0 || sent < oldest))
				oldest = sent;
		}
		return oldest;
	}

	// incoming QoS 2 ids

	/** Whether `id` is new; remembered until its PUBREL (4.3.3), the oldest forgotten beyond receiveMaximum. */
	protected rememberIncoming(id: number): boolean {
		const ids = this.words, from = this.incomingAt, end = from + this.incomingCount;
		for (let i = from; i < end; i++) {
			if (ids[i] === id)
				return false;
		}
		const capacity = this.options.receiveMaximum;
		if (this.incomingCount === capacity) {
			// beyond the bound the oldest is forgotten: should the broker resend that one before
			// its PUBREL, it is delivered again (README, "receiveMaximum")
			if (!(this.bits & Bit.INCOMING_TRACED)) {
				this.bits |= Bit.INCOMING_TRACED;
				trace(`mqtt: more than receiveMaximum (${capacity}) QoS 2 messages await PUBREL; the oldest loses duplicate detection\n`);
			}
			this.options.store?.releasedIncoming(ids[from]!);
			ids.copyWithin(from, from + 1, end);
			this.incomingCount--;
		}
		ids[from + this.incomingCount++] = id;
		return true;
	}

	protected forgetIncoming(id: number): void {
		this.options.store?.releasedIncoming(id);
		const ids = this.words, from = this.incomingAt, end = from + this.incomingCount;
		for (let i = from; i < end; i++) {
			if (ids[i] === id) {
				ids.copyWithin(i, i + 1, end);
				this.incomingCount--;
				return;
			}
		}
	}

	// the last topic received

	/** Topics repeat: the last one is kept as bytes and its string reused, sparing an allocation. */
	protected topicOf(bytes: Uint8Array, offset: number, length: number): string {
		const cache = this.flags, at = this.resendAt + this.flightPacket.length; // the topic's region
		if (length === this.topicLength) {
			let i = 0;
			while (i < length && cache[at + i] === bytes[offset + i])
				i++;
			if (i === length)
				return this.topic;
		}
		const topic = String.fromArrayBuffer(bytes.buffer, bytes.byteOffset + offset, length); // decodeBody checked it
		if (length <= Layout.TOPIC_CACHE) {
			cache.set(bytes.subarray(offset, offset + length), at);
			this.topicLength = length;
			this.topic = topic;
		}
		return topic;
	}

	// timing

	/**
	 * A packet just went on the wire: its acknowledgement may be due before the timer's next
	 * firing. Before CONNACK the timer waits for the CONNACK; established() arms the rest.
	 */
	protected armAckDeadline(): void {
		if (this.state === State.CONNECTED && this.link.now() + this.options.ackTimeout < this.due)
			this.arm(this.options.ackTimeout);
	}

	protected arm(ms: number): void {
		this.due = this.link.now() + ms;
		this.link.schedule(ms);
	}

	// events

	/**
	 * An event for the owner: its kind, a number (a packet id, a reason, or 1 for a session
	 * present), and up to two values (a topic and a payload, or a SUBACK's codes). The number
	 * waits in the words table, so that the ring holds slots only for what needs them.
	 */
	protected post(kind: number, n: number, a: unknown, b: unknown): void {
		if (this.eventCount === Layout.EVENT_CAPACITY) {
			// the parser and the pump stop before the ring fills; what still finds it full (a
			// QoS 0 packet finished writing) goes after what waits, and is never dropped
			this.drain();
			if (this.eventCount === Layout.EVENT_CAPACITY) { // drain() is running further up
				this.dispatch(kind, n, a, b);
				if (kind === Ev.CONNFAIL || kind === Ev.OFFLINE)
					this.afterEnd(kind);
				return;
			}
		}
		const tail = (this.eventHead + this.eventCount) % Layout.EVENT_CAPACITY;
		this.flags[Layout.EVENTS_AT + tail] = kind;
		this.words[Layout.EVENTS_AT + tail] = n;
		const args = this.eventArgs;
		args[2 * tail] = a;
		args[2 * tail + 1] = b;
		this.eventCount++;
	}

	/**
	 * Delivers posted events, then writes what the handlers queued: a handler's publish only
	 * queues, so that the writing does not stack up under the application's own frames (the
	 * device's XS stack is a few hundred slots). Inside the parser or a drain already under way,
	 * it leaves the events to that one.
	 */
	protected drain(): void {
		if (this.draining || this.parsing)
			return;
		this.draining = true;
		do {
			this.deliverPosted();
			if ((this.bits & Bit.DRAINED_DUE)) { // after the pubacks of the same batch
				this.bits &= ~Bit.DRAINED_DUE;
				if (!this.unacked) // unless a handler published again
					this.dispatch(Ev.DRAINED, 0, undefined, undefined);
			}
			this.pump();
			if ((this.bits & Bit.CLOSE_PENDING)) {
				this.bits &= ~Bit.CLOSE_PENDING;
				this.beginClose();
			}
		} while (this.eventCount || (this.bits & Bit.DRAINED_DUE));
		this.draining = false;
	}

	protected deliverPosted(): void {
		while (this.eventCount) {
			const head = this.eventHead;
			const kind = this.flags[Layout.EVENTS_AT + head]!;
			const args = this.eventArgs, at = 2 * head;
			const a = args[at], b = args[at + 1];
			let n = this.words[Layout.EVENTS_AT + head]!;
			args[at] = args[at + 1] = undefined;
			this.eventHead = (head + 1) % Layout.EVENT_CAPACITY;
			this.eventCount--;
			if (kind < Ev.MESSAGE) { // a session's start or end: one compare on the messages' path
				n = (n << 16) >> 16; // a CONN_FAIL_* reason is negative, kept as 16 bits
				this.dispatch(kind, n, a, b);
				if (kind !== Ev.CONNECT)
					this.afterEnd(kind);
			}
			else
				this.dispatch(kind, n, a, b);
		}
	}

	/** Publishes accepted and not yet done (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP). */
	abstract get unacked(): number;
	/** Writes what waits, as the socket allows. */
	protected abstract pump(): void;
	/** Sends DISCONNECT: close() called from a handler, carried out by drain(). */
	protected abstract beginClose(): void;
	/** Hands one posted event to the owner, and nothing more. */
	protected abstract dispatch(kind: number, n: number, a: unknown, b: unknown): void;
	/** What follows the handler of an attempt that failed or a session that ended: reconnecting, backing off. */
	protected abstract afterEnd(kind: number): void;
}
Object.freeze(Tables.prototype); // preloaded: a frozen prototype stays in flash
