/*
 * Receiving: packets are assembled in one buffer allocated when the client is made, answered
 * (PUBACK, PUBREC, PUBCOMP go to the control lane), and their messages handed to the owner
 * through the event ring. QoS 2 messages are remembered from PUBLISH to PUBREL so that a resend
 * is delivered once. A message larger than the buffer is delivered as far as it fits (overflow)
 * and the rest skipped. Reading pauses while the acknowledgements owed cannot be written, so
 * TCP's flow control holds the broker back.
 */

import { Check, Packet, Type, checkHeader, decodeBody, decodeHeader, errorName } from "./codec.js";
import { subscribeTopicCount } from "./encode.js";
import { Outbox } from "./outbox.js";
import type { Link } from "./link.js";
import type { SessionOptions } from "./tables.js";
import { Bit, Ev, Fail, Layout, Slot, State } from "./tables.js";

export abstract class Inbox extends Outbox {
	protected rx: Uint8Array;
	protected fill = 0;
	protected skip = 0;
	protected unread = 0; // bytes the socket reported and we have not read yet
	protected packet = new Packet();

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
			for (;;) {
				const error = this.parse();
				if (error !== undefined)
					return this.protocolError(error);
				if (this.eventCount < Layout.EVENT_CAPACITY)
					break;
				this.drain(); // the ring is full: its handlers run, then parsing goes on
				if (!this.receiving())
					break;
			}
			if (!this.receiving())
				return;
			if (this.controlCount > Layout.CONTROL_ROOM) {
				this.pump();
				if (this.controlCount > Layout.CONTROL_ROOM)
					return;
				continue; // complete packets may wait in the buffer: answer them before reading more
			}
			if (!this.unread)
				return;
			if (this.skip) { // the unread tail of an oversized message
				const n = Math.min(this.unread, this.skip, rx.length);
				this.skip -= this.link.read(rx, 0, n);
				this.unread -= n;
				continue;
			}
			const n = Math.min(this.unread, rx.length - this.fill);
			this.fill += this.link.read(rx, this.fill, n);
			this.unread -= n;
		}
	}

	// receiving

	/**
	 * Handles the whole packets the buffer holds, while the event ring and the control lane have
	 * room. Returns what makes the stream unusable (a protocol error, for protocolError), or
	 * undefined; while it runs, drain() delivers nothing, so no handler runs inside it.
	 */
	protected parse(): string | undefined {
		const rx = this.rx;
		const packet = this.packet;
		const v5 = (this.bits & Bit.V5) !== 0; // read once per call: a local costs 3.1.1 least
		let offset = 0, error: string | undefined;
		this.parsing = true;
		while (this.eventCount < Layout.EVENT_CAPACITY && this.controlCount <= Layout.CONTROL_ROOM && this.receiving()) {
			let result = decodeHeader(rx, offset, this.fill, packet);
			if (result === Check.NEED_MORE)
				break;
			if (result > 0)
				result = v5 ? this.check!(packet) : checkHeader(packet);
			if (result < 0) {
				error = this.errorText(result);
				break;
			}
			if (packet.length > rx.length) {
				if (packet.type !== Type.PUBLISH) {
					error = "packet larger than max_message_length";
					break;
				}
				if (offset) {
					rx.copyWithin(0, offset, this.fill);
					this.fill -= offset;
					offset = 0;
				}
				if (this.fill < rx.length)
					break;
				result = v5 ? this.decode!(rx, 0, this.fill, packet) : decodeBody(rx, 0, this.fill, packet);
				if (result <= 0) {
					error = result === Check.NEED_MORE ? "topic longer than max_message_length" : this.errorText(result);
					break;
				}
				this.deliverIncoming(packet, Ev.OVERFLOW, this.fill - packet.payloadOffset);
				this.skip = packet.length - this.fill;
				this.fill = 0;
				break;
			}
			if (this.fill - offset < packet.length)
				break;
			result = v5 ? this.decode!(rx, offset, packet.length, packet) : decodeBody(rx, offset, packet.length, packet);
			if (result < 0) {
				error = this.errorText(result);
				break;
			}
			error = this.handle(packet);
			if (error !== undefined)
				break;
			offset += packet.length;
		}
		this.parsing = false;
		if (error === undefined && offset && this.state >= State.HANDSHAKE) {
			rx.copyWithin(0, offset, this.fill);
			this.fill -= offset;
		}
		return error;
	}

	/** Acts on one packet; returns a protocol error, or undefined. */
	protected handle(packet: Packet): string | undefined {
		if (this.state === State.HANDSHAKE) {
			if (packet.type !== Type.CONNACK)
				this.fail(Fail.NOT_A_CONNACK_MSG);
			else if (packet.returnCode)
				this.fail(packet.returnCode);
			else
				this.established(packet.sessionPresent);
			return;
		}
		switch (packet.type) {
			case Type.PUBLISH:
				this.deliverIncoming(packet, Ev.MESSAGE, packet.payloadLength);
				return;
			case Type.PUBREL:
				this.forgetIncoming(packet.id);
				this.control(Type.PUBCOMP, packet.id);
				return;
			case Type.PUBACK:
				this.acknowledged(packet.id, Slot.WAIT_PUBACK, Ev.PUBACK);
				return;
			case Type.PUBREC: {
				const slot = this.findFlight(packet.id, Slot.WAIT_PUBREC);
				if (slot >= 0) { // 4.3.3: only PUBREL is resent from here on; the PUBLISH is kept in case the broker loses the session
					this.advance(slot, Slot.WAIT_PUBCOMP);
					this.options.store?.released(this.queuePacket.length + slot);
				}
				this.control(Type.PUBREL, packet.id); // an unknown id is released too, so the broker can forget it
				return;
			}
			case Type.PUBCOMP:
				this.acknowledged(packet.id, Slot.WAIT_PUBCOMP, Ev.PUBACK);
				return;
			case Type.SUBACK:
				return this.subscribed(packet);
			case Type.UNSUBACK:
				if (this.findFlight(packet.id, Slot.WAIT_UNSUBACK) < 0)
					return `UNSUBACK for unknown id ${packet.id}`;
				this.acknowledged(packet.id, Slot.WAIT_UNSUBACK, Ev.UNSUBACK);
				return;
			case Type.PINGRESP: // unasked while our PINGREQ waits to go out: it answers nothing
				if (!this.queued(Type.PINGREQ))
					this.pingSentAt = -1;
				return;
			default: // a second CONNACK
				return "unexpected CONNACK";
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
				return; // a resend before PUBREL: acknowledged again, delivered once (4.3.3)
			if (!this.options.cleanSession)
				this.options.store?.received(packet.id); // in the flash before the PUBREC can go
		}
		const topic = this.topicOf(this.rx, packet.topicOffset, packet.topicLength);
		this.post(event, packet.id, topic, length ? this.decodePayload(packet.payloadOffset, length) : undefined);
	}

	protected subscribed(packet: Packet): string | undefined {
		const slot = this.findFlight(packet.id, Slot.WAIT_SUBACK);
		if (slot < 0)
			return `SUBACK for unknown id ${packet.id}`;
		const topics = this.requestTopics(this.flightPacket[slot]!);
		if (packet.payloadLength !== topics) // 3.9.3-1: one return code per topic filter
			return `SUBACK with ${packet.payloadLength} return codes for ${topics} topics`;
		const granted: number[] = [];
		for (let i = 0; i < packet.payloadLength; i++)
			granted.push(this.rx[packet.payloadOffset + i]!);
		this.release(slot);
		this.post(Ev.SUBACK, packet.id, granted, undefined);
	}

	protected acknowledged(id: number, state: number, event: number): void {
		const slot = this.findFlight(id, state);
		if (slot < 0)
			return; // a late duplicate after a resend; nothing waits for it
		this.options.store?.done(this.queuePacket.length + slot);
		this.release(slot);
		this.post(event, id, undefined, undefined);
		if (event === Ev.PUBACK && (this.bits & Bit.WANT_DRAINED))
			this.bits |= Bit.DRAINED_DUE;
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
			return byteString(rx, offset, length); // not UTF-8: one character per byte, nothing lost
		}
	}

	// The decoder's steps as methods, so that MQTT 5 (session5.ts) puts its own in their place
	// (check and decode, declared below, only MQTT 5 has: parse() calls them with Bit.V5 alone).
	protected errorText(code: number): string {
		return errorName(code);
	}
	/** How many topic filters a SUBSCRIBE we sent carries: its SUBACK must hold as many codes. */
	protected requestTopics(packet: Uint8Array): number {
		return subscribeTopicCount(packet);
	}

	constructor(link: Link, options: SessionOptions, queue: number) {
		super(link, options, queue);
		this.rx = new Uint8Array(options.maxMessageLength);
	}

	/** The attempt failed: tell the owner why. */
	protected abstract fail(reason: number): void;
	/** A CONNACK accepted the session. */
	protected abstract established(sessionPresent: boolean): void;
	/** The stream broke the protocol (`why`): the attempt fails, or the session is lost. */
	protected abstract protocolError(why: string): void;
}
Object.freeze(Inbox.prototype); // preloaded: a frozen prototype stays in flash

// MQTT 5's decoder steps (session5.ts), which a 3.1.1 image neither has nor calls.
export interface Inbox {
	check?(packet: Packet): number;
	decode?(rx: Uint8Array, offset: number, available: number, packet: Packet): number;
}

function byteString(bytes: Uint8Array, offset: number, length: number): string {
	let text = "";
	for (let i = 0; i < length; i += 256)
		text += String.fromCharCode.apply(null, bytes.subarray(offset + i, offset + Math.min(i + 256, length)) as unknown as number[]);
	return text;
}
