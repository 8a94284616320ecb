/*
 * Receiving: packets are assembled in one buffer allocated when the client is made, answered
 * (PUBACK, PUBREC, PUBCOMP go to the control lane), and their messages handed to the owner
 * through the event ring. QoS 2 messages are remembered from PUBLISH to PUBREL so that a resend
 * is delivered once. A message larger than the buffer is delivered as far as it fits (overflow)
 * and the rest skipped. Reading pauses while the acknowledgements owed cannot be written, so
 * TCP's flow control holds the broker back.
 */

import { Check, Packet, Type, checkHeader, decodeBody, decodeHeader } from "./codec.js";
import { subscribeTopicCount } from "./encode.js";
import { Outbox } from "./outbox.js";
import type { Link } from "./link.js";
import type { SessionOptions } from "./tables.js";
import { Bit, Ev, Fail, Layout, Slot, State, Status } from "./tables.js";

export abstract class Inbox extends Outbox {
	protected rx: Uint8Array;
	protected fill = 0;
	protected skip = 0;
	protected unread = 0;	// bytes the socket reported and we have not read yet
	protected packet = new Packet();
	protected topicLength = -1;
	protected topic = "";
	protected incomingCount = 0;

	/** Parsing and answering stop with close(): DISCONNECT is the last packet we send (3.14.4-1). */
	protected receiving(): boolean {
		return this.state === State.HANDSHAKE || this.state === State.CONNECTED;
	}

	/**
	 * Parses what the buffer holds and reads more, until the socket is empty or the acks we owe
	 * cannot be written: then the bytes stay in the socket, TCP's flow control holds the broker
	 * back, and linkWritable resumes here once the acks have gone out.
	 */
	protected receive(): void {
		const rx = this.rx;
		for (;;) {
			do
				this.parse();
			while (this.eventCount === Layout.EVENT_CAPACITY && this.drain() && this.receiving());
			if (!this.receiving())
				return;
			if (this.controlCount > Layout.CONTROL_ROOM) {
				this.pump();
				if (this.controlCount > Layout.CONTROL_ROOM)
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

	// receiving

	protected parse(): void {
		const rx = this.rx;
		const packet = this.packet;
		let offset = 0;
		this.parsing = true;
		while (this.eventCount < Layout.EVENT_CAPACITY && this.controlCount <= Layout.CONTROL_ROOM && this.receiving()) {
			let result = decodeHeader(rx, offset, this.fill, packet);
			if (result === Check.NEED_MORE)
				break;
			if (result > 0)
				result = checkHeader(packet);
			if (result < 0)
				return this.protocolError(result);
			if (packet.length > rx.length) {
				if (packet.type !== Type.PUBLISH)
					return this.protocolError(0, "packet larger than max_message_length");
				if (offset) {
					rx.copyWithin(0, offset, this.fill);
					this.fill -= offset;
					offset = 0;
				}
				if (this.fill < rx.length)
					break;
				result = decodeBody(rx, 0, this.fill, packet);
				if (result === Check.NEED_MORE)
					return this.protocolError(0, "topic longer than max_message_length");
				if (result < 0)
					return this.protocolError(result);
				this.deliverIncoming(packet, Ev.OVERFLOW, this.fill - packet.payloadOffset);
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
		if (offset && this.state >= State.HANDSHAKE) {
			rx.copyWithin(0, offset, this.fill);
			this.fill -= offset;
		}
	}

	protected handle(packet: Packet): void {
		if (this.state === State.HANDSHAKE) {
			if (packet.type !== Type.CONNACK)
				return this.fail(Fail.NOT_A_CONNACK_MSG);
			if (packet.returnCode)
				return this.fail(packet.returnCode);
			return this.established(packet.sessionPresent);
		}
		switch (packet.type) {
			case Type.PUBLISH:
				return this.deliverIncoming(packet, Ev.MESSAGE, packet.payloadLength);
			case Type.PUBREL:
				this.forgetIncoming(packet.id);
				return this.control(Type.PUBCOMP, packet.id);
			case Type.PUBACK:
				return this.acknowledged(packet.id, Slot.WAIT_PUBACK, Ev.PUBACK);
			case Type.PUBREC: {
				const slot = this.findFlight(packet.id, Slot.WAIT_PUBREC);
				if (slot >= 0) {	// 4.3.3: only PUBREL is resent from here on; the PUBLISH is kept in case the broker loses the session
					this.flags[this.flightAt + slot] = Slot.WAIT_PUBCOMP;
					this.times[2 * slot + 1] = ++this.order;	// 4.6: PUBRELs go again in the order their PUBRECs came
					this.markRecord(slot, Status.RELEASED);
				}
				return this.control(Type.PUBREL, packet.id);	// an unknown id is released too, so the broker can forget it
			}
			case Type.PUBCOMP:
				return this.acknowledged(packet.id, Slot.WAIT_PUBCOMP, Ev.PUBACK);
			case Type.SUBACK:
				return this.subscribed(packet);
			case Type.UNSUBACK:
				if (this.findFlight(packet.id, Slot.WAIT_UNSUBACK) < 0)
					return this.protocolError(0, `UNSUBACK for unknown id ${packet.id}`);
				return this.acknowledged(packet.id, Slot.WAIT_UNSUBACK, Ev.UNSUBACK);
			case Type.PINGRESP:	// unasked while our PINGREQ waits to go out: it answers nothing
				if (!this.queued(Type.PINGREQ))
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
	protected deliverIncoming(packet: Packet, event: number, length: number): void {
		if (packet.qos === 1)
			this.control(Type.PUBACK, packet.id);
		else if (packet.qos === 2) {
			this.control(Type.PUBREC, packet.id);
			if (!this.rememberIncoming(packet.id))
				return;	// a resend before PUBREL: acknowledged again, delivered once (4.3.3)
		}
		const topic = this.decodeTopic(packet.topicOffset, packet.topicLength);
		this.post(event, packet.id, topic, length ? this.decodePayload(packet.payloadOffset, length) : undefined);
	}

	protected subscribed(packet: Packet): void {
		const slot = this.findFlight(packet.id, Slot.WAIT_SUBACK);
		if (slot < 0)
			return this.protocolError(0, `SUBACK for unknown id ${packet.id}`);
		const topics = subscribeTopicCount(this.flightPacket[slot]!);
		if (packet.payloadLength !== topics)	// 3.9.3-1: one return code per topic filter
			return this.protocolError(0, `SUBACK with ${packet.payloadLength} return codes for ${topics} topics`);
		const granted: number[] = [];
		for (let i = 0; i < packet.payloadLength; i++)
			granted.push(this.rx[packet.payloadOffset + i]);
		this.release(slot);
		this.post(Ev.SUBACK, packet.id, granted, undefined);
	}

	protected acknowledged(id: number, state: number, event: number): void {
		const slot = this.findFlight(id, state);
		if (slot < 0)
			return;	// a late duplicate after a resend; nothing waits for it
		this.markRecord(slot, Status.DONE);
		this.release(slot);
		this.post(event, id, undefined, undefined);
	}

	/** Topics repeat: the last one is kept as bytes and its string reused, sparing an allocation. */
	protected decodeTopic(offset: number, length: number): string {
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
		if (length <= Layout.TOPIC_CACHE) {
			cache.set(rx.subarray(offset, offset + length), at);
			this.topicLength = length;
			this.topic = topic;
		}
		return topic;
	}

	protected decodePayload(offset: number, length: number): string | ArrayBuffer {
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

	protected rememberIncoming(id: number): boolean {
		const ids = this.words, from = this.afterFlight, end = from + this.incomingCount;
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
			ids.copyWithin(from, from + 1, end);
			this.incomingCount--;
		}
		ids[from + this.incomingCount++] = id;
		return true;
	}

	protected forgetIncoming(id: number): void {
		const ids = this.words, end = this.afterFlight + this.incomingCount;
		for (let i = this.afterFlight; i < end; i++) {
			if (ids[i] === id) {
				ids.copyWithin(i, i + 1, end);
				this.incomingCount--;
				return;
			}
		}
	}

	constructor(link: Link, options: SessionOptions, queue: number) {
		super(link, options, queue);
		this.rx = new Uint8Array(options.maxMessageLength);
	}

	/** The attempt failed: tell the owner why. */
	protected abstract fail(reason: number): void;
	/** A CONNACK accepted the session. */
	protected abstract established(sessionPresent: boolean): void;
	protected abstract protocolError(code: number, why?: string): void;
}
Object.freeze(Inbox.prototype);	// preloaded: a frozen prototype stays in flash

function byteString(bytes: Uint8Array, offset: number, length: number): string {
	let text = "";
	for (let i = 0; i < length; i += 256)
		text += String.fromCharCode.apply(null, bytes.subarray(offset + i, offset + Math.min(i + 256, length)) as unknown as number[]);
	return text;
}
