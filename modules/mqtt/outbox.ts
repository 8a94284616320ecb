/*
 * Sending. Acknowledgements and pings we owe the broker sit in a small control lane that is
 * written before any data packet starts; data packets (PUBLISH, SUBSCRIBE, UNSUBSCRIBE) wait in
 * a bounded queue and go out while the in-flight window has room, in pieces when they exceed
 * the socket's free space. A packet already started is always finished first: bytes of two
 * packets never interleave on the stream. With a store, QoS 1/2 publishes accepted without a
 * session wait in the flash rather than the heap, and every publish's progress is recorded
 * there as it happens.
 */

import { Type } from "./codec.js";
import { markDuplicate, encodePublish, publishLength, subscribeLength, writeSubscribe, writeAck } from "./encode.js";
import { Bit, Ev, Kind, Publish, Slot, State, Status, Tables, Timeout } from "./tables.js";

export abstract class Outbox extends Tables {
	protected pumping = false;
	protected pumpAgain = false; // pump() was called while pumping: once more when done
	protected writable = 0;
	protected lastSend = 0;
	protected pingSentAt = -1; // -1: no PINGREQ outstanding
	protected writing: Uint8Array | undefined;
	protected writingOffset = 0;
	protected writingSlot = 0; // in-flight slot, Slot.WRITING_UNACKED for QoS 0, Slot.WRITING_CONNECT

	/**
	 * Takes back a publish a journal kept over a reset (Resumer). A QoS 2 one whose PUBREC had
	 * come waits in the window for its PUBCOMP, and established() sends its PUBREL; the others
	 * queue in the order accepted, ahead of anything new, and are read from the flash when their
	 * turn comes (a SENT_BEFORE one with DUP). A second record of an id released before it is
	 * that message journaled again (Journal.again): the later record is the truth.
	 */
	resume(packet: Uint8Array, id: number, qos: number, state: number): number {
		const earlier = this.findFlight(id, Slot.WAIT_PUBCOMP);
		if (earlier >= 0) {
			this.options.store!.done(this.queuePacket.length + earlier);
			this.release(earlier);
		}
		if (this.idInUse(id))
			return -1;
		const slot = state & Status.RELEASED ? this.freeFlight() : -1;
		if (slot >= 0) {
			markDuplicate(packet);
			this.hold(slot, Slot.WAIT_PUBCOMP, id, packet);
			return this.queuePacket.length + slot;
		}
		const tail = this.queueTail();
		this.enqueue(undefined, (Kind.PUBLISH0 + qos) | (state ? Kind.SENT_BEFORE : 0), id);
		return tail;
	}

	resumeIncoming(id: number): boolean {
		if (this.incomingCount === this.options.receiveMaximum)
			return false;
		return this.rememberIncoming(id);
	}

	get unacked(): number {
		return this.publishesHeld() + (this.writing && this.writingSlot === Slot.WRITING_UNACKED ? 1 : 0); // a QoS 0 one part written
	}

	/**
	 * Queues a PUBLISH of UTF-8 topic and payload bytes. Returns its packet id (0 for QoS 0), -1
	 * when the queue or the store is full, Publish.NOT_CONNECTED without a session to take it.
	 */
	publish(topic: Uint8Array, payload: Uint8Array, qos: number, retain: boolean): number {
		if ((this.state !== State.CONNECTED || this.bits & Bit.CLOSE_PENDING) && !(qos && this.options.offlineQueue))
			return Publish.NOT_CONNECTED;
		const journal = this.options.store;
		if (this.queueCount === this.queuePacket.length) {
			if (qos && journal) // a message that could never be taken hears so, whatever the room
				journal.check(publishLength(topic.length, payload.length, qos), qos);
			return -1;
		}
		if (!qos) { // the commonest case first, with the fewest steps
			this.enqueue(this.bits & Bit.V5 ? this.encode!(topic, payload, 0, retain, 0) : encodePublish(topic, payload, 0, retain, 0), Kind.PUBLISH0, 0);
			return 0;
		}
		const id = this.allocateId();
		if (id < 0)
			return -1;
		const packet = this.bits & Bit.V5 ? this.encode!(topic, payload, qos, retain, id) : encodePublish(topic, payload, qos, retain, id),
			kind = Kind.PUBLISH0 + qos;
		if (!journal) {
			this.enqueue(packet, kind, id);
			return id;
		}
		journal.check(packet.length, qos);
		if (!journal.accepted(this.queueTail(), packet))
			return -1;
		// with a session it goes out soon, from the heap; without one it waits in the flash only and
		// is read back when its turn comes, so that a long time offline does not fill the heap
		this.enqueue(this.state === State.CONNECTED ? packet : undefined, kind, id);
		return id;
	}

	/** Queues a SUBSCRIBE (qos given) or UNSUBSCRIBE for several topics at once. Returns the id or -1. */
	subscribe(topics: readonly string[], topicBytes: readonly number[], qos: readonly number[] | undefined): number {
		if (this.queueCount === this.queuePacket.length)
			return -1;
		const id = this.allocateId();
		if (id < 0)
			return -1;
		const packet = this.request(id, topics, topicBytes, qos);
		this.enqueue(packet, qos ? Kind.SUBSCRIBE : Kind.UNSUBSCRIBE, id);
		return id;
	}

	// The packets as methods, so that MQTT 5 (session5.ts) writes its own (encode, declared below,
	// only MQTT 5 has: publish() calls it with Bit.V5 alone, a bit test costing 3.1.1 less than a method).
	protected request(id: number, topics: readonly string[], topicBytes: readonly number[], qos: readonly number[] | undefined): Uint8Array {
		const packet = new Uint8Array(subscribeLength(topicBytes, qos !== undefined));
		writeSubscribe(packet, 0, id, topics, topicBytes, qos);
		return packet;
	}
	/** DISCONNECT, as takeControl wrote it. */
	protected farewell(): void {
		this.send(this.ack, 0, 2);
	}

	// sending

	/** Writes what waits, as the socket allows; called again while it runs, it goes round once more. */
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

	/**
	 * Before CONNACK (HANDSHAKE) only the CONNECT goes and, unless options.waitConnack, the QoS
	 * 1/2 publishes held: those the window marked to go again and those at the head of the queue,
	 * in order (3.1.4: a server that refuses the CONNECT processes none of them [MQTT-3.1.4-5],
	 * and each stays held until acknowledged). PUBRELs, subscriptions and QoS 0 wait for CONNACK:
	 * a PUBREL's fate depends on the session present flag (established()). While one is owed,
	 * everything waits: should the broker have lost the session, that message is published
	 * again, and it goes ahead of those accepted after it.
	 */
	protected pumpOnce(): void {
		const state = this.state;
		if (state < State.HANDSHAKE)
			return;
		if (this.writing && !this.continueWriting())
			return;
		if (state === State.HANDSHAKE) {
			if (this.options.waitConnack || this.releaseOwed())
				return;
		}
		else if (this.controlCount) {
			for (let type: number; (type = this.takeControl(this.writable));) {
				if (type === Type.DISCONNECT) {
					this.farewell();
					this.clearControl(); // nothing follows DISCONNECT (3.14.4-1)
					return this.arm(0); // offline is delivered from the timer, never inside close()
				}
				this.send(this.ack, 0, type === Type.PINGREQ ? 2 : 4); // as takeControl wrote it
				if (this.state !== State.CONNECTED && this.state !== State.CLOSING)
					return;
			}
			if (this.controlCount)
				return; // an acknowledgement owed waits for room, and nothing goes before it
		}
		if (state !== State.CONNECTED && state !== State.HANDSHAKE)
			return;
		for (;;) {
			const resend = this.resendCount ? this.nextResend() : -1; // none after the first round of a session
			if (resend >= 0) {
				const release = this.slotState(resend) === Slot.WAIT_PUBCOMP; // marked only once CONNACK came
				if (release && this.writable < 4)
					return;
				this.resent(resend, this.link.now());
				this.armAckDeadline();
				if (release) { // a PUBREL we owe: from the window, so any number of them goes out as space allows
					writeAck(this.ack, 0, Type.PUBREL, this.slotId(resend));
					this.send(this.ack, 0, 4);
				}
				else {
					const packet = this.flightPacket[resend]!;
					markDuplicate(packet);
					this.start(packet, resend);
				}
			}
			else if (this.queueCount) {
				if (state === State.HANDSHAKE && !this.heldPublishFirst())
					return;
				let packet = this.queuePacket[this.queueHead];
				const slot = this.takeQueued();
				if (slot === Slot.BLOCKED)
					return;
				if (slot >= 0) {
					this.armAckDeadline();
					packet = this.flightPacket[slot]; // PUBLISH to resend, SUBSCRIBE to check its SUBACK against
				}
				if (packet) // none when its record was damaged in the flash
					this.start(packet, slot);
			}
			else
				return;
			if (this.writing || this.state !== state)
				return; // a packet is only part written: wait for space
		}
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
		else if (this.writingSlot === Slot.WRITING_UNACKED) { // QoS 0 is done once handed to the network
			if ((this.bits & Bit.WANT_WRITTEN))
				this.post(Ev.PUBACK, 0, undefined, undefined);
			if ((this.bits & Bit.WANT_DRAINED))
				this.bits |= Bit.DRAINED_DUE;
		}
		return true;
	}

	protected send(bytes: Uint8Array, offset: number, length: number): void {
		this.writable = this.link.write(bytes, offset, length);
		this.lastSend = this.link.now();
	}
}
Object.freeze(Outbox.prototype); // preloaded: a frozen prototype stays in flash

// MQTT 5's PUBLISH (session5.ts), which a 3.1.1 image neither has nor calls.
export interface Outbox {
	encode?(topic: Uint8Array, payload: Uint8Array, qos: number, retain: boolean, id: number): Uint8Array;
}
