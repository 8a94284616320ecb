/*
 * Sending. Acknowledgements and pings we owe the broker sit in a small control lane that is
 * written before any data packet starts; data packets (PUBLISH, SUBSCRIBE, UNSUBSCRIBE) wait in
 * a bounded queue and go out while the in-flight window has room, in pieces when they exceed
 * the socket's free space. A packet already started is always finished first: bytes of two
 * packets never interleave on the stream. With a store, QoS 1/2 publishes accepted without a
 * session wait in the flash rather than the heap, and every publish's progress is recorded
 * there as it happens.
 */

import { Packet, Type, checkHeader, decodeBody, decodeHeader } from "./codec.js";
import { markDuplicate, encodePublish, publishLength, subscribeLength, writeSubscribe, writeAck, writeEmpty } from "./encode.js";
import { Bit, Ev, Kind, Layout, Publish, Slot, State, Status, Tables, Timeout } from "./tables.js";

export abstract class Outbox extends Tables {
	protected pumping = false;
	protected pumpAgain = false;	// pump() was called while pumping: once more when done
	protected writable = 0;
	protected lastSend = 0;
	protected pingSentAt = -1;	// -1: no PINGREQ outstanding
	protected writing: Uint8Array | undefined;
	protected writingOffset = 0;
	protected writingSlot = 0;	// in-flight slot, Slot.WRITING_UNACKED for QoS 0, Slot.WRITING_CONNECT

	/**
	 * Takes back a publish the store kept over a reset. A QoS 2 one whose PUBREC had come waits
	 * in the window for its PUBCOMP, and established() sends its PUBREL; the others queue in
	 * the order accepted, ahead of anything new, and are read from the flash when their turn
	 * comes, so that a full store does not fill the heap. A record with the id of a released one
	 * before it is that message journaled again (journalAgain): the later record is the truth.
	 */
	protected restore(address: number, length: number, state: number): void {
		const store = this.options.store!, packet = store.read(address, length), parsed = new Packet();
		let result = packet ? decodeHeader(packet, 0, length, parsed) : 0;
		if (result > 0)
			result = checkHeader(parsed);
		if (result > 0 && parsed.length === length)
			result = decodeBody(packet!, 0, length, parsed);
		if (result > 0 && parsed.type === Type.PUBLISH && parsed.qos && parsed.length === length) {
			const earlier = this.findFlight(parsed.id, Slot.WAIT_PUBCOMP);
			if (earlier >= 0) {
				this.markRecord(earlier, Status.DONE);
				this.release(earlier);
			}
		}
		else
			result = 0;
		if (result <= 0 || this.idInUse(parsed.id)) {
			trace(`mqtt: store: a damaged record at ${address} is dropped\n`);
			store.mark(address, Status.DONE);
			return;
		}
		const slot = state & Status.RELEASED ? this.freeFlight() : -1;
		if (slot >= 0) {
			markDuplicate(packet!);
			this.flags[this.flightAt + slot] = Slot.WAIT_PUBCOMP;
			this.words[this.flightAt + slot] = parsed.id;
			this.flightPacket[slot] = packet;
			this.times[2 * slot + 1] = ++this.order;
			this.setRecord(this.queuePacket.length + slot, address, length);
			return;
		}
		this.setRecord((this.queueHead + this.queueCount) % this.queuePacket.length, address, length);
		this.enqueue(undefined, (Kind.PUBLISH0 + parsed.qos) | (state ? Kind.SENT_BEFORE : 0), parsed.id);
	}

	/**
	 * Queues a PUBLISH of UTF-8 topic and payload bytes. Returns its packet id (0 for QoS 0), -1
	 * when the queue or the store is full, Publish.NOT_CONNECTED without a session to take it.
	 */
	publish(topic: Uint8Array, payload: Uint8Array, qos: number, retain: boolean): number {
		if ((this.state !== State.CONNECTED || this.bits & Bit.CLOSE_PENDING) && !(qos && this.options.offlineQueue))
			return Publish.NOT_CONNECTED;
		if (this.queueCount === this.queuePacket.length) {
			if (qos)	// a message that could never be taken hears so, whatever the room
				this.checkStored(publishLength(topic.length, payload.length, qos), qos);
			return -1;
		}
		if (!qos) {	// the commonest case first, with the fewest steps
			this.enqueue(encodePublish(topic, payload, 0, retain, 0), Kind.PUBLISH0, 0);
			return 0;
		}
		const id = this.allocateId();
		if (id < 0)
			return -1;
		const packet = encodePublish(topic, payload, qos, retain, id), store = this.options.store, kind = Kind.PUBLISH0 + qos;
		if (!store) {
			this.enqueue(packet, kind, id);
			return id;
		}
		this.checkStored(packet.length, qos);
		const address = store.append(packet);
		if (address < 0)
			return -1;
		this.setRecord((this.queueHead + this.queueCount) % this.queuePacket.length, address, packet.length);
		// with a session it goes out soon, from the heap; without one it waits in the flash only and
		// is read back when its turn comes, so that a long time offline does not fill the heap
		this.enqueue(this.state === State.CONNECTED ? packet : undefined, kind, id);
		return id;
	}

	/** With a store, a QoS 1/2 packet must fit one record. */
	protected checkStored(length: number, qos: number): void {
		const store = this.options.store;
		if (store && length > store.maxPacket)
			throw new RangeError(`publish: with options.store a QoS ${qos} message must fit one flash sector: ${store.maxPacket} bytes of packet at most, this one is ${length}`);
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
		this.enqueue(packet, qos ? Kind.SUBSCRIBE : Kind.UNSUBSCRIBE, id);
		return id;
	}

	// sending

	protected enqueue(packet: Uint8Array | undefined, kind: number, id: number): void {
		const capacity = this.queuePacket.length;
		const tail = (this.queueHead + this.queueCount) % capacity;	// its record is 0 unless publish() set it
		this.queuePacket[tail] = packet;
		this.flags[Layout.QUEUE_AT + tail] = kind;
		this.words[Layout.QUEUE_AT + tail] = id;
		this.queueCount++;
		if (this.draining)
			return;	// called from a handler: drain() writes it once the handler returns
		this.pump();
		if (this.eventCount)	// writing it posted an event (puback for QoS 0)
			this.drain();
	}

	protected pump(): void {
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

	protected pumpOnce(): void {
		const state = this.state;
		if (state < State.HANDSHAKE)
			return;
		if (this.writing && !this.continueWriting())
			return;
		if (state === State.HANDSHAKE)
			return;
		while (this.controlCount) {
			const type = this.flags[this.controlHead], bytes = this.ack;
			const size = type === Type.PINGREQ || type === Type.DISCONNECT ? 2 : 4;
			if (this.writable < size)
				return;
			if (size === 4)
				writeAck(bytes, 0, type, this.words[this.controlHead]);
			else	// once a keepalive interval at most: the socket's view of two bytes is made then
				writeEmpty(bytes, 0, type);
			this.controlHead = (this.controlHead + 1) % Layout.CONTROL_CAPACITY;
			this.controlCount--;
			this.send(bytes, 0, size);
			if (type === Type.DISCONNECT) {
				this.controlCount = 0;	// nothing follows DISCONNECT (3.14.4-1)
				return this.arm(0);	// offline is delivered from the timer, never inside close()
			}
			if (this.state !== State.CONNECTED && this.state !== State.CLOSING)
				return;
		}
		if (state !== State.CONNECTED)
			return;
		for (;;) {
			const resend = this.nextResend();
			if (resend >= 0) {
				const release = this.flags[this.flightAt + resend] === Slot.WAIT_PUBCOMP;
				if (release && this.writable < 4)
					return;
				this.times[2 * resend] = this.link.now();
				this.flags[this.afterFlight + resend] = 0;
				this.resendCount--;
				this.armAckDeadline();
				if (release) {	// a PUBREL we owe: from this table, so any number of them goes out as space allows
					writeAck(this.ack, 0, Type.PUBREL, this.words[this.flightAt + resend]);
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
				const entry = this.flags[Layout.QUEUE_AT + head];	// a QoS 0 publish is Kind.PUBLISH0 alone
				if (entry === Kind.PUBLISH0 && (this.bits & Bit.WANT_WRITTEN) && this.eventCount === Layout.EVENT_CAPACITY)
					return;	// its completion would find no room: drain() delivers and pumps again
				let packet = this.queuePacket[head], slot = Slot.WRITING_UNACKED;
				if (entry !== Kind.PUBLISH0) {
					slot = this.freeFlight();
					if (slot < 0)
						return;	// window full: wait for an acknowledgement
					const kind = entry & Kind.MASK;
					this.flags[this.flightAt + slot] = kind === Kind.PUBLISH1 ? Slot.WAIT_PUBACK : kind === Kind.PUBLISH2 ? Slot.WAIT_PUBREC : kind === Kind.SUBSCRIBE ? Slot.WAIT_SUBACK : Slot.WAIT_UNSUBACK;
					this.words[this.flightAt + slot] = this.words[Layout.QUEUE_AT + head];
					this.times[2 * slot] = this.link.now();
					this.times[2 * slot + 1] = ++this.order;
					this.armAckDeadline();
					if (this.options.store)	// only what waits for an acknowledgement has a record
						packet = this.takeRecord(head, slot, entry, packet);
					this.flightPacket[slot] = packet;	// PUBLISH to resend, SUBSCRIBE to check its SUBACK against
				}
				this.queuePacket[head] = undefined;
				this.queueHead = (head + 1) % this.queuePacket.length;
				this.queueCount--;
				if (packet)	// none when its record was damaged in the flash (takeRecord)
					this.start(packet, slot);
			}
			else
				return;
			if (this.writing || this.state !== State.CONNECTED)
				return;	// a packet is only part written: wait for space
		}
	}

	/**
	 * A queued packet's record moves with it into the window; a publish kept only in the flash
	 * is read back, and marked as sent before it goes, so that after a reset it goes with DUP.
	 * A record that no longer matches its CRC is never sent: it is dropped, with a trace.
	 */
	protected takeRecord(head: number, slot: number, entry: number, packet: Uint8Array | undefined): Uint8Array | undefined {
		// per message: the words are moved by hand rather than through setRecord and recordOf
		const words = this.words, from = this.recordAt(head), to = this.recordAt(this.queuePacket.length + slot);
		const address = 4 * words[from]!, length = words[from + 1]!;
		words[to] = words[from]!;
		words[to + 1] = length;
		if (!address)
			return packet!;
		words[from] = 0;	// a queue slot holds a record only while a stored publish waits in it
		const store = this.options.store!;
		if (!(entry & Kind.SENT_BEFORE)) {
			store.mark(address, Status.SENT);
			if (packet)
				return packet;
		}
		const again = store.read(address, length);	// found after a reset, or waited offline: only in the flash
		if (!again) {
			trace(`mqtt: store: the record at ${address} no longer matches its CRC; its message is dropped, not sent\n`);
			store.mark(address, Status.DONE);
			words[to] = 0;
			this.release(slot);
		}
		else if (entry & Kind.SENT_BEFORE)
			markDuplicate(again);
		return again;
	}

	protected start(packet: Uint8Array, slot: number): void {
		this.writing = packet;
		this.writingOffset = 0;
		this.writingSlot = slot;
		this.continueWriting();
	}

	/** Writes what fits of the packet being sent; true when it is complete. */
	protected continueWriting(): boolean {
		const packet = this.writing!;
		const n = Math.min(this.writable, packet.length - this.writingOffset);
		if (n <= 0)
			return false;
		this.send(packet, this.writingOffset, n);
		this.writingOffset += n;
		if (this.writingOffset < packet.length)
			return false;
		this.writing = undefined;
		if (this.writingSlot === Slot.WRITING_CONNECT)
			this.arm(Timeout.CONNACK);
		else if (this.writingSlot === Slot.WRITING_UNACKED && (this.bits & Bit.WANT_WRITTEN))
			this.post(Ev.PUBACK, 0, undefined, undefined);	// QoS 0 is done once handed to the network
		return true;
	}

	protected send(bytes: Uint8Array, offset: number, length: number): void {
		this.writable = this.link.write(bytes, offset, length);
		this.lastSend = this.link.now();
	}

	// lifecycle

	/**
	 * A publish that goes again whole after its PUBREC, because the broker lost the session: its
	 * record says RELEASED, which a reset would read as "send PUBREL", so it is told AGAIN, in
	 * one write before anything else happens on this connection (the record keeps its place, so
	 * the order accepted holds too). A record whose status has no bit left for it (the third
	 * such loss) is written again in full; restore() takes the later of two records of one id.
	 */
	protected journalAgain(slot: number): void {
		const window = this.queuePacket.length + slot, store = this.options.store;
		const old = store ? this.recordOf(window) : 0;
		if (!old || store!.mark(old, Status.AGAIN))
			return;
		const packet = this.flightPacket[slot]!, address = store!.append(packet);
		if (address < 0)
			return trace(`mqtt: store: no room to journal message ${this.words[this.flightAt + slot]} again; a reset before its PUBREC would send only its PUBREL\n`);
		store!.mark(old, Status.DONE);
		this.setRecord(window, address, packet.length);
	}

	/**
	 * The queue keeps its QoS 1/2 publishes, in order, and drops the rest (QoS 0, subscription
	 * requests: they belong to the session that ended). Publishes in flight stay in the window,
	 * and established() sends them again, as it does for a broker that lost the session.
	 */
	protected keepPublishesOnly(): void {
		const capacity = this.queuePacket.length, flags = this.flags, words = this.words, head = this.queueHead;
		let kept = 0;
		for (let i = 0; i < this.queueCount; i++) {
			const from = (head + i) % capacity, packet = this.queuePacket[from];
			this.queuePacket[from] = undefined;
			const kind = flags[Layout.QUEUE_AT + from] & Kind.MASK;
			if (kind !== Kind.PUBLISH1 && kind !== Kind.PUBLISH2)
				continue;
			const to = (head + kept++) % capacity;
			this.queuePacket[to] = packet;
			flags[Layout.QUEUE_AT + to] = flags[Layout.QUEUE_AT + from];
			words[Layout.QUEUE_AT + to] = words[Layout.QUEUE_AT + from];
			if (this.options.store) {	// its record's address and length move with it
				const record = this.recordAt(from), moved = this.recordAt(to);
				words[moved] = words[record];
				words[moved + 1] = words[record + 1];
			}
		}
		if (this.options.store) {	// the slots left behind hold no record
			for (let i = kept; i < this.queueCount; i++)
				this.setRecord((head + i) % capacity, 0, 0);
		}
		this.queueCount = kept;
	}
}
Object.freeze(Outbox.prototype);	// preloaded: a frozen prototype stays in flash
