/*
 * The session's memory: fixed tables in one block, sized when the client is made, and what
 * reads and writes them. The control lane (acknowledgements and pings owed), the queue of data
 * packets, the in-flight window with its resend order and timing, the incoming QoS 2 ids, the
 * event ring and the record of each stored publish are regions of three typed views; every
 * slot is found by a scan of a few entries. Events for the application are posted to the ring
 * and delivered after the parser is done with the bytes at hand, so a handler never runs inside
 * the parser and may call back into the client freely.
 *
 * The session is one object built in layers, one file each: Tables (this), Outbox (sending),
 * Inbox (receiving) and Session (the lifecycle); see targets/esp8266/README.md for why their
 * fields are TypeScript's protected rather than #private.
 */

import type { Link, TLSOptions } from "./link.js";
import type { Store } from "./store.js";

// The names below are const enums: TypeScript writes their values into the code that uses them,
// so that no module exports, imports or looks up a constant at run time (each one would cost the
// device bytecode and a symbol in every module that names it).

// What the event ring holds; each kind is handed to the owner by the method of its name.
export const enum Ev { CONNECT = 1, CONNFAIL, OFFLINE, MESSAGE, OVERFLOW, PUBACK, SUBACK, UNSUBACK }

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
	CLOSE_PENDING = 1,	// close() from a handler: done by drain() once what came before is written
	WANT_WRITTEN = 2,	// post Ev.PUBACK for QoS 0 packets written: only when a handler wants it
	INCOMING_TRACED = 4,	// beyond receiveMaximum: said once per connection
	SECURE = 8,	// connect() asked for TLS
	RETRYING = 16,	// IDLE, the timer armed for the next attempt
	STOPPED = 32,	// close(): no attempt by itself until the next connect()
	CONNECT_AFTER_CLOSE = 64,	// connect() while closing: the attempt starts once DISCONNECT is out
}

/** What publish() returns when there is no session and nothing may wait for one. */
export const enum Publish { NOT_CONNECTED = -2 }

export const enum State { IDLE, RESOLVING, OPENING, HANDSHAKE, CONNECTED, CLOSING }

// What a queued or in-flight slot holds.
export const enum Kind {
	PUBLISH0 = 1,	// a publish's kind is PUBLISH0 + its QoS
	PUBLISH1,
	PUBLISH2,
	SUBSCRIBE,
	UNSUBSCRIBE,
	MASK = 0x0f,
	SENT_BEFORE = 0x10,	// a publish found in the store, written before the reset: DUP
}

// A stored message's steps, as the session tells the store (Store.mark) and the store tells it
// back after a reset (Store.recover). The store keeps them as bits of a status byte (store.ts);
// they are named here so that an image without a store carries no store code.
export const enum Status {
	SENT = 1,	// written to the socket at least once: DUP when it goes again
	DONE = 2,	// acknowledged; the record is dead
	RELEASED = 4,	// QoS 2, PUBREC came: only PUBREL goes again
	AGAIN = 8,	// QoS 2, the broker lost the session after its PUBREC: the whole PUBLISH goes again
}

// In-flight slot states: which acknowledgement it waits for; negative while a write is partial.
export const enum Slot {
	FREE,
	WAIT_PUBACK,
	WAIT_PUBREC,
	WAIT_PUBCOMP,
	WAIT_SUBACK,
	WAIT_UNSUBACK,
	WRITING_CONNECT = -2,
	WRITING_UNACKED = -1,
}

// Milliseconds.
export const enum Timeout {
	OPEN = 10_000,	// TCP/TLS connect; lwIP's own SYN retries take far longer
	SEND = 5_000,	// CONNECT handed over (NodeMCU's figure)
	CONNACK = 5_000,
	CLOSE = 2_000,	// DISCONNECT flush before the socket closes anyway
}

// The control lane holds only what parsing adds (one entry per packet parsed, and parsing
// pauses above CONTROL_ROOM), one PINGREQ and one DISCONNECT, so it cannot overflow whatever
// the options; PUBRELs owed after a reconnect are resent from the in-flight table instead.
export const enum Layout {
	CONTROL_CAPACITY = 64,
	CONTROL_ROOM = CONTROL_CAPACITY - 4,
	EVENT_CAPACITY = 8,	// the parser pauses when it is full, so 8 only shortens a burst
	EVENTS_AT = CONTROL_CAPACITY,	// the event ring's region in the tables (see words)
	QUEUE_AT = EVENTS_AT + EVENT_CAPACITY,	// the queue's
	TOPIC_CACHE = 64,
}

export interface SessionOptions {
	maxMessageLength: number;
	keepalive: number;	// seconds, 1..65535
	cleanSession: boolean;
	binary: boolean;	// payloads as ArrayBuffer instead of string
	window: number;	// acknowledged packets in flight at once
	queueLength: number;	// data packets waiting behind the window
	receiveMaximum: number;	// incoming QoS 2 messages remembered until their PUBREL
	ackTimeout: number;	// ms an acknowledgement may take before the link is declared dead
	/** Reconnect by itself after offline or a failed attempt, backing off from min to max ms. */
	reconnect: { min: number; max: number } | undefined;
	/** The jitter's source, 0 <= r < 1 (Math.random; the tests give their own). */
	random: () => number;
	/** QoS 1/2 publishes outlive the session: queued while offline, sent again after a clean one ends. */
	offlineQueue: boolean;
	/** Certificate settings for a secure connect(). */
	tls?: TLSOptions;
	/** QoS 1/2 publishes also outlive a reset: journaled in flash until acknowledged (needs offlineQueue). */
	store?: Store;
}

export abstract class Tables {
	protected link: Link;
	protected options: SessionOptions;
	protected state = State.IDLE;
	protected bits = 0;	// CLOSE_PENDING, WANT_WRITTEN, ...: the yes-or-no state read seldom (see those constants)
	// read or set for every packet: a field each is cheaper in computrons than a bit
	protected draining = false;
	protected parsing = false;	// the parser is running: drain() waits until it is done
	protected due = 0;	// when the timer fires next
	protected ack: Uint8Array;
	protected controlHead = 0;
	protected controlCount = 0;
	protected nextId = 0;

	// queue of data packets not yet started
	protected queuePacket: (Uint8Array | undefined)[];
	protected queueHead = 0;
	protected queueCount = 0;

	// in-flight table
	protected flightPacket: (Uint8Array | undefined)[];
	protected resendCount = 0;	// slots flagged to be resent: the pump looks for none while it is 0
	protected order = 0;

	// The fixed tables, three views on one block (a view costs the device about 5 slots):
	//   times  per window slot: when it was last written, then its place in sending order
	//   words  [0, CONTROL_CAPACITY) control lane ids, [EVENTS_AT, +EVENT_CAPACITY) each event's
	//          number (see post), [QUEUE_AT, +queue) queue ids, [flightAt, afterFlight) window
	//          slot ids, [afterFlight, +receiveMaximum) ids of incoming QoS 2 messages awaiting
	//          PUBREL, then with a store recordAt()'s
	//   flags  the same first four regions with packet types, event kinds, queue kinds and slot
	//          states, then [afterFlight, +window) resend flags and [topicAt, +TOPIC_CACHE) the
	//          bytes of the last topic received
	protected times: Float64Array;
	protected words: Uint16Array;
	protected flags: Uint8Array;
	protected flightAt: number;
	protected afterFlight: number;
	protected topicAt: number;

	// events for the application
	protected eventArgs: unknown[] = new Array(2 * Layout.EVENT_CAPACITY);	// a and b of each event side by side
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
		const flightAt = Layout.QUEUE_AT + queue, afterFlight = flightAt + window;
		const topicAt = afterFlight + window;
		const storeAt = afterFlight + options.receiveMaximum;
		const words = storeAt + (options.store ? 2 * (queue + window) : 0), flags = topicAt + Layout.TOPIC_CACHE;
		const block = new ArrayBuffer(16 * window + 2 * words + flags + 4);
		this.times = new Float64Array(block, 0, 2 * window);
		this.words = new Uint16Array(block, 16 * window, words);
		const at = 16 * window + 2 * words;
		this.flags = new Uint8Array(block, at, flags);
		this.ack = new Uint8Array(block, at + flags, 4);	// the control lane's packets, written one at a time
		this.flightAt = flightAt;
		this.afterFlight = afterFlight;
		this.topicAt = topicAt;
	}

	/** Where the store keeps the publish of a slot: queue slots first, then the window's. */
	protected setRecord(slot: number, address: number, length: number): void {
		const at = this.recordAt(slot);
		this.words[at] = address / 4;
		this.words[at + 1] = length;
	}

	/** Where the store keeps a slot's publish: its address, 0 when it has no record. */
	protected recordOf(slot: number): number {
		return 4 * this.words[this.recordAt(slot)];
	}

	/** A slot's record address / 4 (0: none) and length in words, past the incoming ids. */
	protected recordAt(slot: number): number {
		return this.afterFlight + this.options.receiveMaximum + 2 * slot;
	}

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
		for (let i = this.flightAt, end = this.afterFlight; i < end; i++) {
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

	protected findFlight(id: number, state: number): number {
		const flags = this.flags, words = this.words, from = this.flightAt;
		for (let i = from, end = this.afterFlight; i < end; i++) {
			if (flags[i] === state && words[i] === id)
				return i - from;
		}
		return -1;
	}

	protected freeFlight(): number {
		const free = this.flags.indexOf(Slot.FREE, this.flightAt);	// past the window it finds a resend flag
		return free >= 0 && free < this.afterFlight ? free - this.flightAt : -1;
	}

	/** Records a window slot's progress in the store, when its publish is kept there. */
	protected markRecord(slot: number, bit: number): void {
		const store = this.options.store, record = store ? this.words[this.recordAt(this.queuePacket.length + slot)] : 0;
		if (record)
			store!.mark(4 * record, bit);
	}

	protected release(slot: number): void {
		if (this.flags[this.afterFlight + slot]) {	// acknowledged before it went again
			this.flags[this.afterFlight + slot] = 0;
			this.resendCount--;
		}
		this.flags[this.flightAt + slot] = Slot.FREE;
		this.flightPacket[slot] = undefined;
	}

	/** The oldest in-flight packet still to be resent after reconnecting (4.4), in original order. */
	protected nextResend(): number {
		if (!this.resendCount)
			return -1;
		let found = -1;
		for (let i = 0; i < this.flightPacket.length; i++) {
			if (this.flags[this.flightAt + i] !== Slot.FREE && this.flags[this.afterFlight + i] && (found < 0 || this.times[2 * i + 1] < this.times[2 * found + 1]))
				found = i;
		}
		return found;
	}

	/** When the oldest packet on the wire that awaits an acknowledgement was written, or -1. */
	protected oldestSent(): number {
		let oldest = -1;
		for (let i = 0; i < this.flightPacket.length; i++) {
			const sent = this.times[2 * i];
			if (this.flags[this.flightAt + i] !== Slot.FREE && !this.flags[this.afterFlight + i] && (oldest < 0 || sent < oldest))
				oldest = sent;
		}
		return oldest;
	}

	/** A packet just went on the wire: its acknowledgement may be due before the timer's next firing. */
	protected armAckDeadline(): void {
		if (this.link.now() + this.options.ackTimeout < this.due)
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
			if (this.eventCount === Layout.EVENT_CAPACITY)
				return this.dispatch(kind, n, a, b);	// drain() is running further up
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
	 * device's XS stack is a few hundred slots). Returns true so it can sit in a loop condition.
	 */
	protected drain(): boolean {
		if (this.draining || this.parsing)
			return true;
		this.draining = true;
		do {
			this.deliverPosted();
			this.pump();
			if ((this.bits & Bit.CLOSE_PENDING)) {
				this.bits &= ~Bit.CLOSE_PENDING;
				this.beginClose();
			}
		} while (this.eventCount);
		this.draining = false;
		return true;
	}

	protected deliverPosted(): void {
		while (this.eventCount) {
			const head = this.eventHead;
			const kind = this.flags[Layout.EVENTS_AT + head];
			const args = this.eventArgs, at = 2 * head;
			const a = args[at], b = args[at + 1];
			const n = this.words[Layout.EVENTS_AT + head];
			args[at] = args[at + 1] = undefined;
			this.eventHead = (head + 1) % Layout.EVENT_CAPACITY;
			this.eventCount--;
			this.dispatch(kind, n, a, b);
		}
	}

	/** Writes what waits, as the socket allows. */
	protected abstract pump(): void;
	/** Sends DISCONNECT: close() called from a handler, carried out by drain(). */
	protected abstract beginClose(): void;
	/** Hands one posted event to the owner. */
	protected abstract dispatch(kind: number, n: number, a: unknown, b: unknown): void;
}
Object.freeze(Tables.prototype);	// preloaded: a frozen prototype stays in flash
