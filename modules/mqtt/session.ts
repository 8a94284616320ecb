/*
 * The MQTT 3.1.1 client state machine: handshake, keepalive, packet ids, in-flight QoS 1/2
 * state, the send queue, and receive assembly in one buffer allocated at construction.
 *
 * Sending has two lanes. Acknowledgements and pings we owe the broker sit in a small control
 * lane that is written before any data packet starts; data packets (PUBLISH, SUBSCRIBE,
 * UNSUBSCRIBE) wait in a bounded queue and go out while the in-flight window has room, in
 * pieces when they exceed the socket's free space. A packet already started is always
 * finished first: bytes of two packets never interleave on the stream.
 *
 * Events for the application are posted to a small ring and delivered after the parser has
 * finished with the bytes at hand, so a handler never runs inside the parser and may call
 * back into the client freely.
 */

import {
	CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT,
	NEED_MORE, Packet, checkHeader, decodeBody, decodeHeader, errorName,
} from "./codec.js";
import {
	markDuplicate, connectLength, writeConnect, encodePublish, subscribeLength, writeSubscribe,
	writeAck, writeEmpty, subscribeTopicCount,
} from "./encode.js";
import type { ConnectFields } from "./encode.js";
import type { Link, LinkOwner, TLSOptions } from "./link.js";
import type { Store } from "./store.js";

// What the event ring holds; each kind is handed to the owner by the method of its name.
const EV_CONNECT = 1;
const EV_CONNFAIL = 2;
const EV_OFFLINE = 3;
const EV_MESSAGE = 4;
const EV_OVERFLOW = 5;
const EV_PUBACK = 6;
const EV_SUBACK = 7;
const EV_UNSUBACK = 8;

// Failure reasons, the NodeMCU values.
export const CONN_FAIL_SERVER_NOT_FOUND = -5;
export const CONN_FAIL_NOT_A_CONNACK_MSG = -4;
export const CONN_FAIL_DNS = -3;
export const CONN_FAIL_TIMEOUT_RECEIVING = -2;
export const CONN_FAIL_TIMEOUT_SENDING = -1;

const IDLE = 0;
const RESOLVING = 1;
const OPENING = 2;
const HANDSHAKE = 3;
const CONNECTED = 4;
const CLOSING = 5;

// What a queued or in-flight slot holds.
const KIND_PUBLISH0 = 1;
const KIND_PUBLISH1 = 2;
const KIND_PUBLISH2 = 3;
const KIND_SUBSCRIBE = 4;
const KIND_UNSUBSCRIBE = 5;
const KIND = 0x0f;
const SENT_BEFORE = 0x10;	// a publish found in the store, written before the reset: DUP
// The store's status bits (store.ts), here so that an image without a store carries no store code.
const SENT = 2;
const RELEASED = 4;
const DONE = 8;

// In-flight slot states: which acknowledgement it waits for.
const FREE = 0;
const WAIT_PUBACK = 1;
const WAIT_PUBREC = 2;
const WAIT_PUBCOMP = 3;
const WAIT_SUBACK = 4;
const WAIT_UNSUBACK = 5;

const WRITING_CONNECT = -2;
const WRITING_UNACKED = -1;

const OPEN_TIMEOUT = 10_000;	// TCP/TLS connect; lwIP's own SYN retries take far longer
const SEND_TIMEOUT = 5_000;	// CONNECT handed over (NodeMCU's figure)
const CONNACK_TIMEOUT = 5_000;
const CLOSE_TIMEOUT = 2_000;	// DISCONNECT flush before the socket closes anyway
// The control lane holds only what parsing adds (one entry per packet parsed, and parsing
// pauses above CONTROL_ROOM), one PINGREQ and one DISCONNECT, so it cannot overflow whatever
// the options; PUBRELs owed after a reconnect are resent from the in-flight table instead.
const CONTROL_CAPACITY = 64;
const CONTROL_ROOM = CONTROL_CAPACITY - 4;
const QUEUE_AT = CONTROL_CAPACITY;	// the queue's region in the tables (see #words)
const EVENT_CAPACITY = 8;	// the parser pauses when it is full, so 8 only shortens a burst
const TOPIC_CACHE = 64;

/** What the session tells its owner (the client), always outside the parser. */
export interface SessionOwner {
	/** A CONNACK accepted the session. */
	connected(sessionPresent: boolean): void;
	/** The attempt failed: a CONN_FAIL_* value, or the CONNACK's refusal (1..5). */
	connectFailed(reason: number): void;
	/** An established session ended. */
	offline(): void;
	/** `data` is undefined for an empty payload; `id` is the packet id (0 at QoS 0). */
	message(topic: string, data: string | ArrayBuffer | undefined, id: number): void;
	/** The first bytes of a message larger than the receive buffer. */
	overflow(topic: string, data: string | ArrayBuffer | undefined, id: number): void;
	/** A publish is done: QoS 0 written (when reported), QoS 1 PUBACK, QoS 2 PUBCOMP. */
	published(id: number): void;
	subscribed(id: number, granted: number[]): void;
	unsubscribed(id: number): void;
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
	/** QoS 1/2 publishes also outlive a reset: journaled in flash until acknowledged (implies offlineQueue). */
	store?: Store;
}

export class Session implements LinkOwner {
	private link: Link;
	private owner: SessionOwner;
	private options: SessionOptions;
	private state = IDLE;
	private connectSent = false;
	private fields: ConnectFields | undefined;	// read at every attempt, so that a new will applies (3.1.2.5)
	private host = "";
	private port = 0;
	private secure = false;
	private tls: TLSOptions | undefined;
	private connectPacket: Uint8Array | undefined;
	// reconnecting by itself
	private attempts = 0;
	private retrying = false;	// IDLE, the timer armed for the next attempt
	private stopped = false;	// close(): no attempt by itself until the next connect()
	private connectAfterClose = false;	// connect() while closing: the attempt starts once DISCONNECT is out
	private upSince = -1;	// when the session came up (link clock)

	// receive assembly
	private rx: Uint8Array;
	private fill = 0;
	private skip = 0;
	private unread = 0;	// bytes the socket reported and we have not read yet
	private packet = new Packet();
	private parsing = false;
	private topicLength = -1;
	private topic = "";
	private incomingCount = 0;
	private incomingTraced = false;	// beyond receiveMaximum: said once per connection

	// sending
	private writable = 0;
	private pumping = false;
	private pumpAgain = false;
	private lastSend = 0;
	private pingSentAt = -1;	// -1: no PINGREQ outstanding
	private due = 0;	// when the timer fires next
	private ack: Uint8Array;
	private empty: Uint8Array;
	private controlHead = 0;
	private controlCount = 0;
	private writing: Uint8Array | undefined;
	private writingOffset = 0;
	private writingSlot = 0;	// in-flight slot, WRITING_UNACKED for QoS 0, WRITING_CONNECT
	private nextId = 0;

	// queue of data packets not yet started
	private queuePacket: (Uint8Array | undefined)[];
	private queueHead = 0;
	private queueCount = 0;

	// in-flight table
	private flightPacket: (Uint8Array | undefined)[];
	private resendCount = 0;	// slots flagged to be resent: the pump looks for none while it is 0
	private order = 0;

	// The fixed tables, three views on one block (a view costs the device about 5 slots):
	//   #times  per window slot: when it was last written, then its place in sending order
	//   #words  [0, CONTROL_CAPACITY) control lane ids, [QUEUE_AT, +queue) queue ids,
	//           [#flightAt, #afterFlight) window slot ids, [#afterFlight, +receiveMaximum)
	//           ids of incoming QoS 2 messages awaiting PUBREL, then with a store recordAt()'s
	//   #flags  the same first three regions with packet types, kinds and slot states, then
	//           [#afterFlight, +window) resend flags, [#eventAt, +EVENT_CAPACITY) event kinds,
	//           [#topicAt, +TOPIC_CACHE) the bytes of the last topic received
	private times: Float64Array;
	private words: Uint16Array;
	private flags: Uint8Array;
	private flightAt: number;
	private afterFlight: number;
	private eventAt: number;
	private topicAt: number;

	// events for the application
	private eventArgs: unknown[] = new Array(3 * EVENT_CAPACITY);	// a, b, c of each event side by side
	private eventHead = 0;
	private eventCount = 0;
	private draining = false;
	private closePending = false;	// close() from a handler: done by drain() once what came before is written
	private wantWritten = false;	// post EV_PUBACK for QoS 0 packets written: only when a handler wants it

	constructor(link: Link, owner: SessionOwner, options: SessionOptions) {
		this.link = link;
		this.owner = owner;
		this.options = options;
		this.rx = new Uint8Array(options.maxMessageLength);
		const journal = options.store;
		const found: number[] = [];
		journal?.recover((address, length, state) => {
			found.push(address, length, state);
		});
		const queue = Math.max(options.queueLength, found.length / 3), window = options.window;
		this.queuePacket = new Array(queue);
		this.flightPacket = new Array(window);
		// one block for every fixed table: in XS an ArrayBuffer of its own would cost three more
		// slots and a chunk header each
		const flightAt = QUEUE_AT + queue, afterFlight = flightAt + window;
		const eventAt = afterFlight + window, topicAt = eventAt + EVENT_CAPACITY;
		const storeAt = afterFlight + options.receiveMaximum;
		const words = storeAt + (journal ? 2 * (queue + window) : 0), flags = topicAt + TOPIC_CACHE;
		const store = new ArrayBuffer(16 * window + 2 * words + flags + 6);
		this.times = new Float64Array(store, 0, 2 * window);
		this.words = new Uint16Array(store, 16 * window, words);
		const at = 16 * window + 2 * words;
		this.flags = new Uint8Array(store, at, flags);
		this.ack = new Uint8Array(store, at + flags, 4);
		this.empty = new Uint8Array(store, at + flags + 4, 2);
		this.flightAt = flightAt;
		this.afterFlight = afterFlight;
		this.eventAt = eventAt;
		this.topicAt = topicAt;
		for (let i = 0; i < found.length; i += 3)
			this.restore(found[i], found[i + 1], found[i + 2]);
		link.attach(this);
	}

	/**
	 * Takes back a publish the store kept over a reset. A QoS 2 one whose PUBREC had come waits
	 * in the window for its PUBCOMP, and established() sends its PUBREL; the others queue in
	 * the order accepted, ahead of anything new, and are read from the flash when their turn
	 * comes, so that a full store does not fill the heap.
	 */
	private restore(address: number, length: number, state: number): void {
		const store = this.options.store!, packet = store.read(address, length), parsed = this.packet;
		let result = decodeHeader(packet, 0, length, parsed);
		if (result > 0)
			result = checkHeader(parsed);
		if (result > 0 && parsed.length === length)
			result = decodeBody(packet, 0, length, parsed);
		if (result <= 0 || parsed.type !== PUBLISH || !parsed.qos || parsed.length !== length || this.idInUse(parsed.id)) {
			trace(`mqtt: store: a damaged record at ${address} is dropped\n`);
			return store.mark(address, DONE);
		}
		const words = this.words;
		const slot = state & RELEASED ? this.freeFlight() : -1;
		if (slot >= 0) {
			markDuplicate(packet);
			this.flags[this.flightAt + slot] = WAIT_PUBCOMP;
			words[this.flightAt + slot] = parsed.id;
			this.flightPacket[slot] = packet;
			this.times[2 * slot + 1] = ++this.order;
			this.setRecord(this.queuePacket.length + slot, address, length);
			return;
		}
		const tail = (this.queueHead + this.queueCount++) % this.queuePacket.length;
		this.flags[QUEUE_AT + tail] = (parsed.qos === 1 ? KIND_PUBLISH1 : KIND_PUBLISH2) | (state ? SENT_BEFORE : 0);
		words[QUEUE_AT + tail] = parsed.id;
		this.setRecord(tail, address, length);
	}

	/** Where the store keeps the publish of a slot: queue slots first, then the window's. */
	private setRecord(slot: number, address: number, length: number): void {
		const at = this.recordAt(slot);
		this.words[at] = address / 4;
		this.words[at + 1] = length;
	}

	/** A slot's record address / 4 (0: none) and length in #words, past the incoming ids. */
	private recordAt(slot: number): number {
		return this.afterFlight + this.options.receiveMaximum + 2 * slot;
	}

	get connected(): boolean {
		return this.state === CONNECTED && !this.closePending;
	}
	get idle(): boolean {
		return this.state === IDLE;
	}
	get closing(): boolean {
		return this.state === CLOSING || this.closePending;
	}
	/** Whether a QoS 0 publish is reported (EV_PUBACK) once written: the app has a puback handler. */
	set reportWritten(on: boolean) {
		this.wantWritten = on;
	}
	/** Whether QoS 1/2 publishes are accepted without a session (options.offlineQueue). */
	get queuesOffline(): boolean {
		return this.options.offlineQueue || !!this.options.store;
	}
	/** The receive buffer's size: no packet but a PUBLISH may be larger. */
	get maxMessageLength(): number {
		return this.rx.length;
	}

	/** Starts an attempt; while closing, it starts once DISCONNECT is out, after offline. */
	connect(fields: ConnectFields, host: string, port: number, secure: boolean, tls: TLSOptions | undefined): void {
		this.fields = fields;
		this.host = host;
		this.port = port;
		this.secure = secure;
		this.tls = tls;
		this.attempts = 0;
		this.stopped = false;
		if (this.closing)
			this.connectAfterClose = true;
		else
			this.attempt();
	}

	/** No more attempts by itself (a pending one is cancelled) until the next connect(). */
	stop(): void {
		this.stopped = true;
		this.connectAfterClose = false;
		if (this.retrying) {
			this.retrying = false;
			this.link.cancel();
		}
	}

	private attempt(): void {
		const fields = this.fields!;
		const packet = new Uint8Array(connectLength(fields));
		writeConnect(packet, 0, fields);
		this.connectPacket = packet;
		this.retrying = false;
		this.connectSent = false;
		this.state = RESOLVING;
		this.arm(OPEN_TIMEOUT);
		this.link.resolve(this.host);
	}

	/**
	 * Ends an established session: DISCONNECT, then offline. Returns false otherwise; as in
	 * NodeMCU, an attempt under way goes on to its one connect or connfail.
	 */
	close(): boolean {
		if (this.state !== CONNECTED || this.closePending)
			return false;
		if (this.draining)
			this.closePending = true;
		else
			this.beginClose();
		return true;
	}

	private beginClose(): void {
		this.state = CLOSING;
		this.control(DISCONNECT, 0);
		this.arm(CLOSE_TIMEOUT);
		this.pump();
	}

	/** Queues a PUBLISH of UTF-8 topic and payload bytes. Returns its packet id (0 for QoS 0), or -1 when the queue is full. */
	publish(topic: Uint8Array, payload: Uint8Array, qos: number, retain: boolean): number {
		if (this.queueCount === this.queuePacket.length)
			return -1;
		const id = qos ? this.allocateId() : 0;
		if (id < 0)
			return -1;
		const packet = encodePublish(topic, payload, qos, retain, id), store = this.options.store;
		if (store && qos) {
			if (packet.length > store.maxPacket)
				throw new RangeError(`publish: with options.store a QoS ${qos} message must fit one flash sector: ${store.maxPacket} bytes of packet at most, this one is ${packet.length}`);
			const address = store.append(packet);
			if (address < 0)
				return -1;
			this.setRecord((this.queueHead + this.queueCount) % this.queuePacket.length, address, packet.length);
			this.enqueue(undefined, qos === 1 ? KIND_PUBLISH1 : KIND_PUBLISH2, id);	// read back from the flash when its turn comes
		}
		else
			this.enqueue(packet, qos === 0 ? KIND_PUBLISH0 : qos === 1 ? KIND_PUBLISH1 : KIND_PUBLISH2, id);
		return id;
	}

	/** Queues a SUBSCRIBE (qos given) or UNSUBSCRIBE for several topics at once. Returns the id or -1. */
	subscribe(topics: readonly string[], topicBytes: readonly number[], qos: readonly number[] | undefined): number {
		if (this.queueCount === this.queuePacket.length)
			return -1;
		const id = this.allocateId();
		if (id < 0)
			return -1;
		const packet = new Uint8Array(subscribeLength(topicBytes, qos !== undefined));
		writeSubscribe(packet, 0, id, topics, topicBytes, qos);
		this.enqueue(packet, qos ? KIND_SUBSCRIBE : KIND_UNSUBSCRIBE, id);
		return id;
	}

	// LinkOwner

	linkResolved(address: string | undefined): void {
		this.resolved(address);
		this.drain();
	}

	linkError(cause?: string): void {
		if (cause !== undefined && this.state !== IDLE)
			trace(`mqtt: connection failed: ${cause}\n`);
		this.error();
		this.drain();
	}

	linkTimer(): void {
		this.timer();
		this.drain();
	}

	private resolved(address: string | undefined): void {
		if (this.state !== RESOLVING)
			return;
		if (address === undefined)
			return this.fail(CONN_FAIL_DNS);
		this.state = OPENING;
		try {
			this.link.open(address, this.port, this.host, this.secure, this.tls);
		}
		catch {
			this.fail(CONN_FAIL_SERVER_NOT_FOUND);
		}
	}

	linkWritable(count: number): void {
		this.writable = count;
		if (this.state === OPENING) {
			this.state = HANDSHAKE;
			this.writing = this.connectPacket;	// CONNECT goes at once, ahead of everything
			this.writingOffset = 0;
			this.writingSlot = WRITING_CONNECT;
			this.arm(SEND_TIMEOUT);
		}
		this.pump();
		if ((this.unread || this.fill) && this.receiving()) {
			this.receive();
			this.pump();
		}
		this.drain();
	}

	/** Parsing and answering stop with close(): DISCONNECT is the last packet we send (3.14.4-1). */
	private receiving(): boolean {
		return this.state === HANDSHAKE || this.state === CONNECTED;
	}

	linkReadable(count: number): void {
		this.unread = count;
		this.receive();
		this.pump();
		this.drain();
	}

	/**
	 * Parses what the buffer holds and reads more, until the socket is empty or the acks we owe
	 * cannot be written: then the bytes stay in the socket, TCP's flow control holds the broker
	 * back, and linkWritable resumes here once the acks have gone out.
	 */
	private receive(): void {
		const rx = this.rx;
		for (;;) {
			do
				this.parse();
			while (this.eventCount === EVENT_CAPACITY && this.drain() && this.receiving());
			if (!this.receiving())
				return;
			if (this.controlCount > CONTROL_ROOM) {
				this.pump();
				if (this.controlCount > CONTROL_ROOM)
					return;
				continue;	// complete packets may wait in the buffer: answer them before reading more
			}
			if (!this.unread)
				return;
			if (this.skip) {	// the unread tail of an oversized message
				const n = Math.min(this.unread, this.skip, rx.length);
				this.link.read(rx, 0, n);
				this.skip -= n;
				this.unread -= n;
				continue;
			}
			const n = Math.min(this.unread, rx.length - this.fill);
			this.link.read(rx, this.fill, n);
			this.fill += n;
			this.unread -= n;
		}
	}

	private error(): void {
		const state = this.state;
		if (state === CONNECTED)
			this.lost("connection lost");
		else if (state === CLOSING)
			this.finishClose();
		else if (state !== IDLE)
			this.fail(this.failure());
	}

	/** The NodeMCU reason for an attempt that ends, by how far it got. */
	private failure(): number {
		switch (this.state) {
			case RESOLVING:
				return CONN_FAIL_DNS;
			case OPENING:
				return CONN_FAIL_SERVER_NOT_FOUND;
			default:	// HANDSHAKE
				return this.connectSent ? CONN_FAIL_TIMEOUT_RECEIVING : CONN_FAIL_TIMEOUT_SENDING;
		}
	}

	private timer(): void {
		const now = this.link.now();
		const state = this.state;
		if (state === IDLE) {
			if (this.retrying)
				this.attempt();
			return;
		}
		if (state === CLOSING)
			return this.finishClose();
		if (state !== CONNECTED)
			return this.fail(this.failure());
		const keepalive = this.options.keepalive * 1000;
		if (this.pingSentAt >= 0 && now - this.pingSentAt >= keepalive)
			return this.lost("no PINGRESP");
		const oldest = this.oldestSent();
		if (oldest >= 0 && now - oldest >= this.options.ackTimeout)
			return this.lost("no acknowledgement");
		if (this.pingSentAt < 0 && now - this.lastSend >= keepalive && !this.queued(PINGREQ)) {
			this.pingSentAt = now;
			this.control(PINGREQ, 0);
			this.pump();
		}
		let next = this.pingSentAt >= 0 ? this.pingSentAt + keepalive : this.lastSend + keepalive;
		if (oldest >= 0 && oldest + this.options.ackTimeout < next)
			next = oldest + this.options.ackTimeout;
		this.arm(Math.max(next - now, 1));
	}

	// receiving

	private parse(): void {
		const rx = this.rx;
		const packet = this.packet;
		let offset = 0;
		this.parsing = true;
		while (this.eventCount < EVENT_CAPACITY && this.controlCount <= CONTROL_ROOM && this.receiving()) {
			let result = decodeHeader(rx, offset, this.fill, packet);
			if (result === NEED_MORE)
				break;
			if (result > 0)
				result = checkHeader(packet);
			if (result < 0)
				return this.protocolError(result);
			if (packet.length > rx.length) {
				if (packet.type !== PUBLISH)
					return this.protocolError(0, "packet larger than max_message_length");
				if (offset) {
					rx.copyWithin(0, offset, this.fill);
					this.fill -= offset;
					offset = 0;
				}
				if (this.fill < rx.length)
					break;
				result = decodeBody(rx, 0, this.fill, packet);
				if (result === NEED_MORE)
					return this.protocolError(0, "topic longer than max_message_length");
				if (result < 0)
					return this.protocolError(result);
				this.deliverIncoming(packet, EV_OVERFLOW, this.fill - packet.payloadOffset);
				this.skip = packet.length - this.fill;
				this.fill = 0;
				break;
			}
			if (this.fill - offset < packet.length)
				break;
			result = decodeBody(rx, offset, packet.length, packet);
			if (result < 0)
				return this.protocolError(result);
			this.handle(packet);
			offset += packet.length;
		}
		this.parsing = false;
		if (offset && this.state >= HANDSHAKE) {
			rx.copyWithin(0, offset, this.fill);
			this.fill -= offset;
		}
	}

	private handle(packet: Packet): void {
		if (this.state === HANDSHAKE) {
			if (packet.type !== CONNACK)
				return this.fail(CONN_FAIL_NOT_A_CONNACK_MSG);
			if (packet.returnCode)
				return this.fail(packet.returnCode);
			return this.established(packet.sessionPresent);
		}
		switch (packet.type) {
			case PUBLISH:
				return this.deliverIncoming(packet, EV_MESSAGE, packet.payloadLength);
			case PUBREL:
				this.forgetIncoming(packet.id);
				return this.control(PUBCOMP, packet.id);
			case PUBACK:
				return this.acknowledged(packet.id, WAIT_PUBACK, EV_PUBACK);
			case PUBREC: {
				const slot = this.findFlight(packet.id, WAIT_PUBREC);
				if (slot >= 0) {	// 4.3.3: only PUBREL is resent from here on; the PUBLISH is kept in case the broker loses the session
					this.flags[this.flightAt + slot] = WAIT_PUBCOMP;
					this.times[2 * slot + 1] = ++this.order;	// 4.6: PUBRELs go again in the order their PUBRECs came
					this.markRecord(slot, RELEASED);
				}
				return this.control(PUBREL, packet.id);	// an unknown id is released too, so the broker can forget it
			}
			case PUBCOMP:
				return this.acknowledged(packet.id, WAIT_PUBCOMP, EV_PUBACK);
			case SUBACK:
				return this.subscribed(packet);
			case UNSUBACK:
				if (this.findFlight(packet.id, WAIT_UNSUBACK) < 0)
					return this.protocolError(0, `UNSUBACK for unknown id ${packet.id}`);
				return this.acknowledged(packet.id, WAIT_UNSUBACK, EV_UNSUBACK);
			case PINGRESP:
				this.pingSentAt = -1;
				return;
			default:	// a second CONNACK
				return this.protocolError(0, "unexpected CONNACK");
		}
	}

	/**
	 * Acknowledges an incoming PUBLISH and hands it to the application as `event`, with the
	 * first `length` bytes of its payload (all of it, or what fit of an oversized one).
	 */
	private deliverIncoming(packet: Packet, event: number, length: number): void {
		if (packet.qos === 1)
			this.control(PUBACK, packet.id);
		else if (packet.qos === 2) {
			this.control(PUBREC, packet.id);
			if (!this.rememberIncoming(packet.id))
				return;	// a resend before PUBREL: acknowledged again, delivered once (4.3.3)
		}
		const topic = this.decodeTopic(packet.topicOffset, packet.topicLength);
		this.post(event, topic, length ? this.decodePayload(packet.payloadOffset, length) : undefined, packet.id);
	}

	private subscribed(packet: Packet): void {
		const slot = this.findFlight(packet.id, WAIT_SUBACK);
		if (slot < 0)
			return this.protocolError(0, `SUBACK for unknown id ${packet.id}`);
		const topics = subscribeTopicCount(this.flightPacket[slot]!);
		if (packet.payloadLength !== topics)	// 3.9.3-1: one return code per topic filter
			return this.protocolError(0, `SUBACK with ${packet.payloadLength} return codes for ${topics} topics`);
		const granted: number[] = [];
		for (let i = 0; i < packet.payloadLength; i++)
			granted.push(this.rx[packet.payloadOffset + i]);
		this.release(slot);
		this.post(EV_SUBACK, packet.id, granted, undefined);
	}

	private acknowledged(id: number, state: number, event: number): void {
		const slot = this.findFlight(id, state);
		if (slot < 0)
			return;	// a late duplicate after a resend; nothing waits for it
		this.markRecord(slot, DONE);
		this.release(slot);
		this.post(event, id, undefined, undefined);
	}

	/** Topics repeat: the last one is kept as bytes and its string reused, sparing an allocation. */
	private decodeTopic(offset: number, length: number): string {
		const rx = this.rx;
		const cache = this.flags, at = this.topicAt;
		if (length === this.topicLength) {
			let i = 0;
			while (i < length && cache[at + i] === rx[offset + i])
				i++;
			if (i === length)
				return this.topic;
		}
		const topic = String.fromArrayBuffer(rx.buffer, rx.byteOffset + offset, length);	// decodeBody checked it
		if (length <= TOPIC_CACHE) {
			cache.set(rx.subarray(offset, offset + length), at);
			this.topicLength = length;
			this.topic = topic;
		}
		return topic;
	}

	private decodePayload(offset: number, length: number): string | ArrayBuffer {
		const rx = this.rx;
		const start = rx.byteOffset + offset;
		if (this.options.binary)
			return (rx.buffer as ArrayBuffer).slice(start, start + length);
		try {
			return String.fromArrayBuffer(rx.buffer, start, length);
		}
		catch {
			return byteString(rx, offset, length);	// not UTF-8: one character per byte, nothing lost
		}
	}

	private rememberIncoming(id: number): boolean {
		const ids = this.words, from = this.afterFlight, end = from + this.incomingCount;
		for (let i = from; i < end; i++) {
			if (ids[i] === id)
				return false;
		}
		const capacity = this.options.receiveMaximum;
		if (this.incomingCount === capacity) {
			// beyond the bound the oldest is forgotten: should the broker resend that one before
			// its PUBREL, it is delivered again (README, "receiveMaximum")
			if (!this.incomingTraced) {
				this.incomingTraced = true;
				trace(`mqtt: more than receiveMaximum (${capacity}) QoS 2 messages await PUBREL; the oldest loses duplicate detection\n`);
			}
			ids.copyWithin(from, from + 1, end);
			this.incomingCount--;
		}
		ids[from + this.incomingCount++] = id;
		return true;
	}

	private forgetIncoming(id: number): void {
		const ids = this.words, end = this.afterFlight + this.incomingCount;
		for (let i = this.afterFlight; i < end; i++) {
			if (ids[i] === id) {
				ids.copyWithin(i, i + 1, end);
				this.incomingCount--;
				return;
			}
		}
	}

	// sending

	private enqueue(packet: Uint8Array | undefined, kind: number, id: number): void {
		const capacity = this.queuePacket.length;
		const tail = (this.queueHead + this.queueCount) % capacity;
		if (packet && this.options.store)
			this.setRecord(tail, 0, 0);
		this.queuePacket[tail] = packet;
		this.flags[QUEUE_AT + tail] = kind;
		this.words[QUEUE_AT + tail] = id;
		this.queueCount++;
		if (this.draining)
			return;	// called from a handler: drain() writes it once the handler returns
		this.pump();
		if (this.eventCount)	// writing it posted an event (puback for QoS 0)
			this.drain();
	}

	private control(type: number, id: number): void {
		const tail = (this.controlHead + this.controlCount) % CONTROL_CAPACITY;
		this.flags[tail] = type;
		this.words[tail] = id;
		this.controlCount++;
	}

	/** Whether the control lane holds a packet of this type (an unsolicited PINGRESP must not add a second PINGREQ). */
	private queued(type: number): boolean {
		for (let i = 0; i < this.controlCount; i++) {
			if (this.flags[(this.controlHead + i) % CONTROL_CAPACITY] === type)
				return true;
		}
		return false;
	}

	private pump(): void {
		if (this.pumping) {
			this.pumpAgain = true;
			return;
		}
		this.pumping = true;
		do {
			this.pumpAgain = false;
			this.pumpOnce();
		} while (this.pumpAgain);
		this.pumping = false;
	}

	private pumpOnce(): void {
		const state = this.state;
		if (state < HANDSHAKE)
			return;
		if (this.writing && !this.continueWriting())
			return;
		if (state === HANDSHAKE)
			return;
		while (this.controlCount) {
			const type = this.flags[this.controlHead];
			const bytes = type === PINGREQ || type === DISCONNECT ? this.empty : this.ack;
			if (this.writable < bytes.length)
				return;
			if (bytes === this.ack)
				writeAck(bytes, 0, type, this.words[this.controlHead]);
			else
				writeEmpty(bytes, 0, type);
			this.controlHead = (this.controlHead + 1) % CONTROL_CAPACITY;
			this.controlCount--;
			this.send(bytes, 0, bytes.length);
			if (type === DISCONNECT) {
				this.controlCount = 0;	// nothing follows DISCONNECT (3.14.4-1)
				return this.arm(0);	// offline is delivered from the timer, never inside close()
			}
			if (this.state !== CONNECTED && this.state !== CLOSING)
				return;
		}
		if (state !== CONNECTED)
			return;
		for (;;) {
			const resend = this.nextResend();
			if (resend >= 0) {
				const release = this.flags[this.flightAt + resend] === WAIT_PUBCOMP;
				if (release && this.writable < 4)
					return;
				this.times[2 * resend] = this.link.now();
				this.flags[this.afterFlight + resend] = 0;
				this.resendCount--;
				this.armAckDeadline();
				if (release) {	// a PUBREL we owe: from this table, so any number of them goes out as space allows
					writeAck(this.ack, 0, PUBREL, this.words[this.flightAt + resend]);
					this.send(this.ack, 0, 4);
				}
				else {
					const packet = this.flightPacket[resend]!;
					markDuplicate(packet);
					this.start(packet, resend);
				}
			}
			else if (this.queueCount) {
				const head = this.queueHead;
				const entry = this.flags[QUEUE_AT + head], kind = entry & KIND;
				if (kind === KIND_PUBLISH0 && this.wantWritten && this.eventCount === EVENT_CAPACITY)
					return;	// its completion would find no room: drain() delivers and pumps again
				let slot = WRITING_UNACKED;
				if (kind !== KIND_PUBLISH0) {
					slot = this.freeFlight();
					if (slot < 0)
						return;	// window full: wait for an acknowledgement
					this.flags[this.flightAt + slot] = kind === KIND_PUBLISH1 ? WAIT_PUBACK : kind === KIND_PUBLISH2 ? WAIT_PUBREC : kind === KIND_SUBSCRIBE ? WAIT_SUBACK : WAIT_UNSUBACK;
					this.words[this.flightAt + slot] = this.words[QUEUE_AT + head];
					this.times[2 * slot] = this.link.now();
					this.times[2 * slot + 1] = ++this.order;
					this.armAckDeadline();
				}
				let packet = this.queuePacket[head];
				if (this.options.store)
					packet = this.takeRecord(head, slot, entry, packet);
				this.queuePacket[head] = undefined;
				this.queueHead = (head + 1) % this.queuePacket.length;
				this.queueCount--;
				if (slot >= 0)
					this.flightPacket[slot] = packet;	// PUBLISH to resend, SUBSCRIBE to check its SUBACK against
				this.start(packet!, slot);
			}
			else
				return;
			if (this.writing || this.state !== CONNECTED)
				return;	// a packet is only part written: wait for space
		}
	}

	/**
	 * A queued packet's record moves with it into the window; a publish kept only in the flash
	 * is read back, and marked as sent before it goes, so that after a reset it goes with DUP.
	 */
	private takeRecord(head: number, slot: number, entry: number, packet: Uint8Array | undefined): Uint8Array {
		const words = this.words, from = this.recordAt(head), address = words[from];
		if (slot >= 0)
			this.setRecord(this.queuePacket.length + slot, 4 * address, words[from + 1]);
		if (!address)
			return packet!;
		const store = this.options.store!;
		packet = store.read(4 * address, words[from + 1]);
		if (entry & SENT_BEFORE)
			markDuplicate(packet);
		else
			store.mark(4 * address, SENT);
		return packet;
	}

	private start(packet: Uint8Array, slot: number): void {
		this.writing = packet;
		this.writingOffset = 0;
		this.writingSlot = slot;
		this.continueWriting();
	}

	/** Writes what fits of the packet being sent; true when it is complete. */
	private continueWriting(): boolean {
		const packet = this.writing!;
		const n = Math.min(this.writable, packet.length - this.writingOffset);
		if (n <= 0)
			return false;
		this.send(packet, this.writingOffset, n);
		this.writingOffset += n;
		if (this.writingOffset < packet.length)
			return false;
		this.writing = undefined;
		if (this.writingSlot === WRITING_CONNECT) {
			this.connectSent = true;
			this.arm(CONNACK_TIMEOUT);
		}
		else if (this.writingSlot === WRITING_UNACKED && this.wantWritten)
			this.post(EV_PUBACK, 0, undefined, undefined);	// QoS 0 is done once handed to the network
		return true;
	}

	private send(bytes: Uint8Array, offset: number, length: number): void {
		this.writable = this.link.write(bytes, offset, length);
		this.lastSend = this.link.now();
	}

	private allocateId(): number {
		for (let tries = 0; tries < 65_535; tries++) {
			const id = this.nextId = this.nextId === 65_535 ? 1 : this.nextId + 1;
			if (!this.idInUse(id))
				return id;
		}
		return -1;
	}

	private idInUse(id: number): boolean {
		const flags = this.flags, words = this.words;
		for (let i = this.flightAt, end = this.afterFlight; i < end; i++) {
			if (flags[i] !== FREE && words[i] === id)
				return true;
		}
		for (let i = 0, capacity = this.queuePacket.length; i < this.queueCount; i++) {
			const at = QUEUE_AT + (this.queueHead + i) % capacity;
			if (flags[at] !== KIND_PUBLISH0 && words[at] === id)
				return true;
		}
		return false;
	}

	private findFlight(id: number, state: number): number {
		const flags = this.flags, words = this.words, from = this.flightAt;
		for (let i = from, end = this.afterFlight; i < end; i++) {
			if (flags[i] === state && words[i] === id)
				return i - from;
		}
		return -1;
	}

	private freeFlight(): number {
		const free = this.flags.indexOf(FREE, this.flightAt);	// past the window it finds a resend flag
		return free >= 0 && free < this.afterFlight ? free - this.flightAt : -1;
	}

	/** Records a window slot's progress in the store, when its publish is kept there. */
	private markRecord(slot: number, bit: number): void {
		const at = this.recordAt(this.queuePacket.length + slot);
		if (this.options.store && this.words[at])
			this.options.store.mark(4 * this.words[at], bit);
	}

	private release(slot: number): void {
		if (this.flags[this.afterFlight + slot]) {	// acknowledged before it went again
			this.flags[this.afterFlight + slot] = 0;
			this.resendCount--;
		}
		this.flags[this.flightAt + slot] = FREE;
		this.flightPacket[slot] = undefined;
	}

	/** The oldest in-flight packet still to be resent after reconnecting (4.4), in original order. */
	private nextResend(): number {
		if (!this.resendCount)
			return -1;
		let found = -1;
		for (let i = 0; i < this.flightPacket.length; i++) {
			if (this.flags[this.flightAt + i] !== FREE && this.flags[this.afterFlight + i] && (found < 0 || this.times[2 * i + 1] < this.times[2 * found + 1]))
				found = i;
		}
		return found;
	}

	/** When the oldest packet on the wire that awaits an acknowledgement was written, or -1. */
	private oldestSent(): number {
		let oldest = -1;
		for (let i = 0; i < this.flightPacket.length; i++) {
			const sent = this.times[2 * i];
			if (this.flags[this.flightAt + i] !== FREE && !this.flags[this.afterFlight + i] && (oldest < 0 || sent < oldest))
				oldest = sent;
		}
		return oldest;
	}

	// lifecycle

	/**
	 * 4.4: unacknowledged PUBLISH and PUBREL go again, in their original order, before anything
	 * new. Session present 0 (3.2.2.2) means the broker holds nothing of ours: no PUBREL will come
	 * for the QoS 2 messages it sent us, and it no longer has the messages we still owe a PUBREL
	 * for, so those are published again (at least once, rather than lost).
	 */
	private established(sessionPresent: boolean): void {
		this.state = CONNECTED;
		this.upSince = this.link.now();
		this.pingSentAt = -1;
		this.incomingTraced = false;
		this.lastSend = this.link.now();
		if (!sessionPresent)
			this.incomingCount = 0;
		let republished = 0;
		for (let i = 0; i < this.flightPacket.length; i++) {
			const state = this.flags[this.flightAt + i];
			if (state === WAIT_SUBACK || state === WAIT_UNSUBACK)
				this.release(i);	// a subscription request cut off by the link loss is not replayed
			else if (state !== FREE) {
				if (state === WAIT_PUBCOMP && !sessionPresent) {
					this.flags[this.flightAt + i] = WAIT_PUBREC;
					this.journalAgain(i);
					republished++;
				}
				if (!this.flags[this.afterFlight + i]) {
					this.flags[this.afterFlight + i] = 1;
					this.resendCount++;
				}
			}
		}
		if (republished)
			trace(`mqtt: the broker kept no session; ${republished} QoS 2 messages awaiting PUBCOMP are published again\n`);
		this.arm(this.options.keepalive * 1000);
		this.post(EV_CONNECT, sessionPresent, undefined, undefined);
	}


	/**
	 * A publish that goes again whole after its PUBREC: the store's record says RELEASED, which
	 * a reset would read as "send PUBREL", so a fresh record takes its place. With no room for
	 * one the old record stays, and only a reset before its PUBCOMP would turn it into a PUBREL.
	 */
	private journalAgain(slot: number): void {
		const at = this.recordAt(this.queuePacket.length + slot), store = this.options.store;
		if (!store || !this.words[at])
			return;
		const packet = this.flightPacket[slot]!, address = store.append(packet);
		if (address < 0)
			return;
		store.mark(address, SENT);
		store.mark(4 * this.words[at], DONE);
		this.words[at] = address / 4;
	}

	private fail(reason: number): void {
		this.teardown();
		this.post(EV_CONNFAIL, reason, undefined, undefined);
	}

	/**
	 * After offline or a failed attempt, once the app's handler has run (it may have connected):
	 * the next attempt by itself, after a delay drawn at random up to a ceiling that doubles with
	 * each attempt ("full jitter": a fleet that lost its broker at once does not come back at
	 * once). The backoff starts again only after a session that held for a keepalive interval,
	 * so a broker that accepts and drops at once is retried ever more slowly, not in a loop.
	 */
	private retryLater(): void {
		const reconnect = this.options.reconnect;
		if (!reconnect || this.stopped || this.state !== IDLE)
			return;
		const { min, max } = reconnect;
		const ceiling = Math.min(max, min * 2 ** Math.min(this.attempts++, 30));
		this.retrying = true;
		this.arm(Math.round(min / 10 + this.options.random() * (ceiling - min / 10)));	// a tenth of min as a floor: never a tight loop
	}

	private lost(why: string): void {
		trace(`mqtt: ${why}\n`);
		this.teardown();
		this.post(EV_OFFLINE, undefined, undefined, undefined);
	}

	private finishClose(): void {
		this.teardown();
		this.post(EV_OFFLINE, undefined, undefined, undefined);
	}

	/** An established session ended: the backoff starts again if it held for a keepalive interval. */
	private sessionEnded(): void {
		if (this.upSince >= 0 && this.link.now() - this.upSince >= this.options.keepalive * 1000)
			this.attempts = 0;
		this.upSince = -1;
	}

	private protocolError(code: number, why?: string): void {
		this.parsing = false;
		const message = `protocol error: ${why ?? errorName(code)}`;
		if (this.state === HANDSHAKE)
			return this.fail(CONN_FAIL_NOT_A_CONNACK_MSG);
		this.lost(message);
	}

	private teardown(): void {
		this.state = IDLE;
		this.closePending = false;
		this.link.cancel();
		this.link.close();
		this.fill = 0;
		this.skip = 0;
		this.unread = 0;
		this.writable = 0;
		this.pingSentAt = -1;
		this.writing = undefined;
		this.controlCount = 0;
		if (this.options.cleanSession) {	// 3.1.2.4: the session ends with the connection
			this.incomingCount = 0;
			if (this.queuesOffline)	// but not what the app handed over: it goes again after the next CONNACK
				return this.keepPublishesOnly();
			for (let i = 0; i < this.queuePacket.length; i++)
				this.queuePacket[i] = undefined;
			this.queueCount = 0;
			for (let i = 0; i < this.flightPacket.length; i++) {
				if (this.flags[this.flightAt + i] !== FREE)
					this.release(i);
			}
		}
	}

	/**
	 * The queue keeps its QoS 1/2 publishes, in order, and drops the rest (QoS 0, subscription
	 * requests: they belong to the session that ended). Publishes in flight stay in the window,
	 * and established() sends them again, as it does for a broker that lost the session.
	 */
	private keepPublishesOnly(): void {
		const capacity = this.queuePacket.length, flags = this.flags, words = this.words, head = this.queueHead;
		let kept = 0;
		for (let i = 0; i < this.queueCount; i++) {
			const from = QUEUE_AT + (head + i) % capacity, packet = this.queuePacket[from - QUEUE_AT];
			this.queuePacket[from - QUEUE_AT] = undefined;
			const kind = flags[from] & KIND;
			if (kind === KIND_PUBLISH1 || kind === KIND_PUBLISH2) {
				const to = QUEUE_AT + (head + kept++) % capacity;
				this.queuePacket[to - QUEUE_AT] = packet;
				flags[to] = flags[from];
				words[to] = words[from];
				if (this.options.store) {
					const record = this.recordAt(from - QUEUE_AT);
					this.setRecord(to - QUEUE_AT, 4 * words[record], words[record + 1]);
				}
			}
		}
		this.queueCount = kept;
	}

	/** A packet just went on the wire: its acknowledgement may be due before the timer's next firing. */
	private armAckDeadline(): void {
		if (this.link.now() + this.options.ackTimeout < this.due)
			this.arm(this.options.ackTimeout);
	}

	private arm(ms: number): void {
		this.due = this.link.now() + ms;
		this.link.schedule(ms);
	}

	// events

	private post(kind: number, a: unknown, b: unknown, c: unknown): void {
		if (this.eventCount === EVENT_CAPACITY) {
			// the parser and the pump stop before the ring fills; what still finds it full (a
			// QoS 0 packet finished writing) goes after what waits, and is never dropped
			this.drain();
			if (this.eventCount === EVENT_CAPACITY)
				return this.dispatch(kind, a, b, c);	// drain() is running further up
		}
		const tail = (this.eventHead + this.eventCount) % EVENT_CAPACITY;
		this.flags[this.eventAt + tail] = kind;
		const args = this.eventArgs;
		args[3 * tail] = a;
		args[3 * tail + 1] = b;
		args[3 * tail + 2] = c;
		this.eventCount++;
	}

	/**
	 * Delivers posted events, then writes what the handlers queued: a handler's publish only
	 * queues, so that the writing does not stack up under the application's own frames (the
	 * device's XS stack is a few hundred slots). Returns true so it can sit in a loop condition.
	 */
	private drain(): boolean {
		if (this.draining || this.parsing)
			return true;
		this.draining = true;
		do {
			this.deliverPosted();
			this.pump();
			if (this.closePending) {
				this.closePending = false;
				this.beginClose();
			}
		} while (this.eventCount);
		this.draining = false;
		return true;
	}

	private deliverPosted(): void {
		while (this.eventCount) {
			const head = this.eventHead;
			const kind = this.flags[this.eventAt + head];
			const args = this.eventArgs, at = 3 * head;
			const a = args[at], b = args[at + 1], c = args[at + 2];
			args[at] = args[at + 1] = args[at + 2] = undefined;
			this.eventHead = (head + 1) % EVENT_CAPACITY;
			this.eventCount--;
			this.dispatch(kind, a, b, c);
		}
	}

	private dispatch(kind: number, a: unknown, b: unknown, c: unknown): void {
		const owner = this.owner;
		switch (kind) {
			case EV_CONNECT:
				return owner.connected(a as boolean);
			case EV_CONNFAIL:
				owner.connectFailed(a as number);
				return this.retryLater();
			case EV_OFFLINE:
				this.sessionEnded();
				owner.offline();
				if (!this.connectAfterClose)
					return this.retryLater();
				this.connectAfterClose = false;
				if (this.state === IDLE)	// unless the offline handler connected already
					this.attempt();
				return;
			case EV_MESSAGE:
				return owner.message(a as string, b as string | ArrayBuffer | undefined, c as number);
			case EV_OVERFLOW:
				return owner.overflow(a as string, b as string | ArrayBuffer | undefined, c as number);
			case EV_PUBACK:
				return owner.published(a as number);
			case EV_SUBACK:
				return owner.subscribed(a as number, b as number[]);
			default:
				return owner.unsubscribed(a as number);
		}
	}
}
Object.freeze(Session.prototype);	// preloaded: a frozen prototype stays in flash

function byteString(bytes: Uint8Array, offset: number, length: number): string {
	let text = "";
	for (let i = 0; i < length; i += 256)
		text += String.fromCharCode.apply(null, bytes.subarray(offset + i, offset + Math.min(i + 256, length)) as unknown as number[]);
	return text;
}
