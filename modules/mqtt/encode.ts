/*
 * MQTT 3.1.1 packets a client sends, written into buffers the caller owns: each writer takes an
 * offset and returns the next one; encodePublish alone makes its buffer, the one a publish
 * keeps until it is acknowledged. Section numbers refer to the OASIS MQTT 3.1.1 standard (2014).
 */

import { Type } from "./codec.js";

export function remainingLengthSize(length: number): number {
	return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

export function writeFixedHeader(buffer: Uint8Array, offset: number, first: number, remaining: number): number {
	buffer[offset++] = first;
	do {
		let digit = remaining & 0x7F;
		remaining >>>= 7;
		if (remaining)
			digit |= 0x80;
		buffer[offset++] = digit;
	} while (remaining);
	return offset;
}

// XS boxes a primitive string for every method called on it (two slots per call); calling the
// prototype's function on the primitive does not, which matters in a loop over characters.
const charCodeAt = String.prototype.charCodeAt;

/** UTF-8 length of a string, or -1 when it holds a lone surrogate (not encodable, 1.5.3). */
export function utf8Length(text: string): number {
	let bytes = 0;
	for (let i = 0, length = text.length; i < length; i++) {
		const c = charCodeAt.call(text, i);
		if (c < 0x80)
			bytes += 1;
		else if (c < 0x800)
			bytes += 2;
		else if ((c & 0xFC00) === 0xD800) {
			const next = charCodeAt.call(text, i + 1);
			if ((next & 0xFC00) !== 0xDC00)
				return -1;
			bytes += 4;
			i++;
		}
		else if ((c & 0xFC00) === 0xDC00)
			return -1;
		else
			bytes += 3;
	}
	return bytes;
}

/**
 * Writes text as UTF-8, by XS's native ArrayBuffer.fromString as payloads are; the caller has
 * checked it with utf8Length (no lone surrogate, whose bytes XS and the standard differ on).
 */
export function writeUtf8(buffer: Uint8Array, offset: number, text: string): number {
	const bytes = new Uint8Array(ArrayBuffer.fromString(text));
	buffer.set(bytes, offset);
	return offset + bytes.length;
}

/** A UTF-8 string field with its two-byte length prefix (1.5.3). */
export function writeString(buffer: Uint8Array, offset: number, text: string, bytes: number): number {
	buffer[offset++] = bytes >> 8;
	buffer[offset++] = bytes & 0xFF;
	return writeUtf8(buffer, offset, text);
}

export function writeBytes(buffer: Uint8Array, offset: number, bytes: Uint8Array): number {
	buffer[offset++] = bytes.length >> 8;
	buffer[offset++] = bytes.length & 0xFF;
	buffer.set(bytes, offset);
	return offset + bytes.length;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: four bytes. PUBREL carries flags 0b0010 (3.6.1). */
export function writeAck(buffer: Uint8Array, offset: number, type: number, id: number): number {
	buffer[offset] = (type << 4) | (type === Type.PUBREL ? 2 : 0);
	buffer[offset + 1] = 2;
	buffer[offset + 2] = id >> 8;
	buffer[offset + 3] = id & 0xFF;
	return offset + 4;
}

/** PINGREQ and DISCONNECT: two bytes. */
export function writeEmpty(buffer: Uint8Array, offset: number, type: number): number {
	buffer[offset] = type << 4;
	buffer[offset + 1] = 0;
	return offset + 2;
}

/** What CONNECT carries; string lengths are UTF-8 byte counts measured by the caller. */
export interface ConnectFields {
	clientId: string;
	clientIdBytes: number;
	keepalive: number;
	cleanSession: boolean;
	username: string | undefined;
	usernameBytes: number;
	password: Uint8Array | undefined;
	willTopic: string | undefined;
	willTopicBytes: number;
	willPayload: Uint8Array | undefined;
	willQos: number;
	willRetain: boolean;
}

function connectRemaining(c: ConnectFields): number {
	let length = 10 + 2 + c.clientIdBytes; // 3.1.2: protocol name, level, flags, keepalive
	if (c.willTopic !== undefined)
		length += 2 + c.willTopicBytes + 2 + c.willPayload!.length;
	if (c.username !== undefined)
		length += 2 + c.usernameBytes;
	if (c.password !== undefined)
		length += 2 + c.password.length;
	return length;
}

export function connectLength(c: ConnectFields): number {
	const remaining = connectRemaining(c);
	return 1 + remainingLengthSize(remaining) + remaining;
}

export function writeConnect(buffer: Uint8Array, offset: number, c: ConnectFields): number {
	offset = writeFixedHeader(buffer, offset, Type.CONNECT << 4, connectRemaining(c));
	buffer[offset++] = 0;
	buffer[offset++] = 4;
	buffer[offset++] = 0x4D; // "MQTT"
	buffer[offset++] = 0x51;
	buffer[offset++] = 0x54;
	buffer[offset++] = 0x54;
	buffer[offset++] = 4; // protocol level 3.1.1
	let flags = c.cleanSession ? 0x02 : 0;
	if (c.willTopic !== undefined)
		flags |= 0x04 | (c.willQos << 3) | (c.willRetain ? 0x20 : 0);
	if (c.password !== undefined)
		flags |= 0x40;
	if (c.username !== undefined)
		flags |= 0x80;
	buffer[offset++] = flags;
	buffer[offset++] = c.keepalive >> 8;
	buffer[offset++] = c.keepalive & 0xFF;
	offset = writeString(buffer, offset, c.clientId, c.clientIdBytes);
	if (c.willTopic !== undefined) {
		offset = writeString(buffer, offset, c.willTopic, c.willTopicBytes);
		offset = writeBytes(buffer, offset, c.willPayload!);
	}
	if (c.username !== undefined)
		offset = writeString(buffer, offset, c.username, c.usernameBytes);
	if (c.password !== undefined)
		offset = writeBytes(buffer, offset, c.password);
	return offset;
}

/** The size of a PUBLISH with a topic and a payload of these many bytes (encodePublish's, which keeps its own sum: it runs per message). */
export function publishLength(topicLength: number, payloadLength: number, qos: number): number {
	const remaining = 2 + topicLength + (qos ? 2 : 0) + payloadLength;
	return 1 + remainingLengthSize(remaining) + remaining;
}

/**
 * A PUBLISH of a topic and a payload given as bytes (the topic's UTF-8), in a buffer of its own:
 * the one allocation of a publish, in one function, as it runs for every message.
 */
export function encodePublish(topic: Uint8Array, payload: Uint8Array, qos: number, retain: boolean, id: number): Uint8Array {
	const topicLength = topic.length;
	let remaining = 2 + topicLength + (qos ? 2 : 0) + payload.length;
	const packet = new Uint8Array(1 + remainingLengthSize(remaining) + remaining);
	packet[0] = (Type.PUBLISH << 4) | (qos << 1) | (retain ? 1 : 0);
	let offset = 1;
	do {
		packet[offset++] = (remaining & 0x7F) | (remaining > 0x7F ? 0x80 : 0);
		remaining >>>= 7;
	} while (remaining);
	packet[offset++] = topicLength >> 8;
	packet[offset++] = topicLength & 0xFF;
	packet.set(topic, offset);
	offset += topicLength;
	if (qos) {
		packet[offset++] = id >> 8;
		packet[offset++] = id & 0xFF;
	}
	packet.set(payload, offset);
	return packet;
}

/** Sets the DUP flag of an encoded PUBLISH for redelivery (3.3.1.1). */
export function markDuplicate(packet: Uint8Array): void {
	packet[0]! |= 0x08;
}

/** SUBSCRIBE (qos given) or UNSUBSCRIBE (qos undefined) for topics whose UTF-8 sizes are known. */
export function subscribeRemaining(topicBytes: readonly number[], subscribe: boolean): number {
	let length = 2;
	for (let i = 0; i < topicBytes.length; i++)
		length += 2 + topicBytes[i]! + (subscribe ? 1 : 0);
	return length;
}

export function subscribeLength(topicBytes: readonly number[], subscribe: boolean): number {
	const remaining = subscribeRemaining(topicBytes, subscribe);
	return 1 + remainingLengthSize(remaining) + remaining;
}

export function writeSubscribe(
	buffer: Uint8Array,
	offset: number,
	id: number,
	topics: readonly string[],
	topicBytes: readonly number[],
	qos: readonly number[] | undefined,
): number {
	const type = qos ? Type.SUBSCRIBE : Type.UNSUBSCRIBE;
	offset = writeFixedHeader(buffer, offset, (type << 4) | 2, subscribeRemaining(topicBytes, qos !== undefined)); // 3.8.1: flags 0b0010
	buffer[offset++] = id >> 8;
	buffer[offset++] = id & 0xFF;
	for (let i = 0; i < topics.length; i++) {
		offset = writeString(buffer, offset, topics[i]!, topicBytes[i]!);
		if (qos)
			buffer[offset++] = qos[i]!;
	}
	return offset;
}

/** How many topic filters an encoded SUBSCRIBE carries: its SUBACK must hold as many codes (3.9.3). */
export function subscribeTopicCount(packet: Uint8Array): number {
	let offset = 1;
	while (packet[offset++]! & 0x80);
	offset += 2; // packet id
	let count = 0;
	for (; offset < packet.length; count++)
		offset += 2 + ((packet[offset]! << 8) | packet[offset + 1]!) + 1;
	return count;
}
