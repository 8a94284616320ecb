/*
 * MQTT 3.1.1's packet types and the decoder: bytes -> a reusable Packet, checked as a client
 * must check what a server sends. No I/O, no timers, no allocation. The encoders are in
 * encode.ts. Section numbers refer to the OASIS MQTT 3.1.1 standard (2014).
 */

// Const enums: their values are written into the code that uses them (see tables.ts).
export const enum Type {
	CONNECT = 1,
	CONNACK,
	PUBLISH,
	PUBACK,
	PUBREC,
	PUBREL,
	PUBCOMP,
	SUBSCRIBE,
	SUBACK,
	UNSUBSCRIBE,
	UNSUBACK,
	PINGREQ,
	PINGRESP,
	DISCONNECT,
}

export const enum Wire {
	MAX_REMAINING_LENGTH = 268_435_455, // 2.2.3: four bytes of seven bits
	SUBACK_FAILURE = 0x80,
}

// Decoder results, one meaning a value across decodeHeader, checkHeader and decodeBody: 0 asks
// for more bytes, 1 says the packet is valid, 2 or more is a packet's total length (the shortest
// packet has 2 bytes), a negative number is a protocol error named for what went wrong.
export const enum Check {
	NEED_MORE = 0,
	VALID = 1,
	ERR_REMAINING_LENGTH = -1,
	ERR_RESERVED_FLAGS = -2,
	ERR_UNKNOWN_TYPE = -3,
	ERR_UNEXPECTED_TYPE = -4,
	ERR_LENGTH = -5,
	ERR_QOS = -6,
	ERR_PACKET_ID = -7,
	ERR_TOPIC = -8,
	ERR_CONNACK = -9,
	ERR_SUBACK_CODE = -10,
}

const errorNames: readonly string[] = Object.freeze([
	"",
	"malformed remaining length",
	"reserved flags set",
	"unknown packet type",
	"packet a server never sends",
	"wrong remaining length for packet type",
	"invalid qos",
	"packet id 0",
	"invalid topic name",
	"malformed connack",
	"invalid suback return code",
]);

export function errorName(code: number): string {
	return errorNames[-code] ?? "protocol error";
}

/** One decoded packet; offsets point into the buffer that was decoded. Reused for every packet. */
export class Packet {
	type = 0;
	flags = 0;
	headerLength = 0;
	length = 0; // fixed header + remaining length
	id = 0;
	qos = 0;
	dup = false;
	retain = false;
	topicOffset = 0;
	topicLength = 0;
	payloadOffset = 0;
	payloadLength = 0;
	returnCode = 0;
	sessionPresent = false;
}
Object.freeze(Packet.prototype); // preloaded: a frozen prototype stays in flash

/**
 * Reads the fixed header at offset. Returns the packet's total length, NEED_MORE when the
 * header is incomplete, or a negative error. Fills type, flags, headerLength and length.
 */
export function decodeHeader(buffer: Uint8Array, offset: number, end: number, packet: Packet): number {
	if (offset >= end)
		return Check.NEED_MORE;
	const first = buffer[offset]!;
	let remaining = 0;
	let multiplier = 1;
	let position = offset + 1;
	for (;;) {
		if (position >= end)
			return Check.NEED_MORE;
		const digit = buffer[position++]!;
		remaining += (digit & 0x7F) * multiplier;
		if (!(digit & 0x80))
			break;
		if (multiplier === 0x200000) // a fifth length byte is malformed (2.2.3)
			return Check.ERR_REMAINING_LENGTH;
		multiplier *= 128;
	}
	packet.type = first >> 4;
	packet.flags = first & 0x0F;
	packet.headerLength = position - offset;
	packet.length = packet.headerLength + remaining;
	return packet.length;
}

/** Checks the first byte and remaining length against what a server may send (2.2.2). */
export function checkHeader(packet: Packet): number {
	const remaining = packet.length - packet.headerLength;
	let length: number; // the remaining length every other type must have
	switch (packet.type) {
		case Type.PUBLISH: {
			const qos = (packet.flags >> 1) & 3;
			if (qos === 3)
				return Check.ERR_QOS;
			if (!qos && (packet.flags & 0x08)) // 3.3.1-2: no DUP at QoS 0
				return Check.ERR_RESERVED_FLAGS;
			return remaining < (qos ? 5 : 3) ? Check.ERR_LENGTH : Check.VALID; // topic of one byte at least
		}
		case Type.CONNACK:
		case Type.PUBACK:
		case Type.PUBREC:
		case Type.PUBREL:
		case Type.PUBCOMP:
		case Type.UNSUBACK:
			length = 2;
			break;
		case Type.SUBACK:
			length = 3; // a minimum: one return code per topic
			break;
		case Type.PINGRESP:
			length = 0;
			break;
		case Type.CONNECT:
		case Type.SUBSCRIBE:
		case Type.UNSUBSCRIBE:
		case Type.PINGREQ:
		case Type.DISCONNECT:
			return Check.ERR_UNEXPECTED_TYPE;
		default:
			return Check.ERR_UNKNOWN_TYPE;
	}
	if (packet.flags !== (packet.type === Type.PUBREL ? 2 : 0))
		return Check.ERR_RESERVED_FLAGS;
	return remaining === length || (remaining > length && packet.type === Type.SUBACK) ? Check.VALID : Check.ERR_LENGTH;
}

/**
 * Decodes the variable header of a packet whose header passed checkHeader: VALID, NEED_MORE
 * (an oversized PUBLISH whose variable header is not all present yet) or a negative error. For PUBLISH only the first `available` bytes need be present (an oversized
 * message is read in part); every other type must be complete.
 */
export function decodeBody(buffer: Uint8Array, offset: number, available: number, packet: Packet): number {
	const body = offset + packet.headerLength;
	switch (packet.type) {
		case Type.PUBLISH: {
			const qos = (packet.flags >> 1) & 3;
			packet.qos = qos;
			packet.dup = (packet.flags & 0x08) !== 0;
			packet.retain = (packet.flags & 1) !== 0;
			const topicLength = (buffer[body]! << 8) | buffer[body + 1]!;
			let position = body + 2 + topicLength;
			const end = offset + packet.length;
			if (!topicLength || position + (qos ? 2 : 0) > end)
				return Check.ERR_LENGTH;
			if (position + (qos ? 2 : 0) > offset + available)
				return Check.NEED_MORE;
			packet.topicOffset = body + 2;
			packet.topicLength = topicLength;
			if (!checkText(buffer, body + 2, topicLength, 0x23, 0x2B)) // no wildcards in a topic name
				return Check.ERR_TOPIC;
			if (qos) {
				packet.id = (buffer[position]! << 8) | buffer[position + 1]!;
				if (!packet.id)
					return Check.ERR_PACKET_ID;
				position += 2;
			}
			else
				packet.id = 0;
			packet.payloadOffset = position;
			packet.payloadLength = end - position;
			return Check.VALID;
		}
		case Type.CONNACK: {
			const flags = buffer[body]!;
			if (flags & 0xFE)
				return Check.ERR_CONNACK;
			packet.sessionPresent = flags === 1;
			packet.returnCode = buffer[body + 1]!;
			return packet.returnCode > 5 ? Check.ERR_CONNACK : Check.VALID;
		}
		case Type.SUBACK: {
			packet.id = (buffer[body]! << 8) | buffer[body + 1]!;
			packet.payloadOffset = body + 2;
			packet.payloadLength = packet.length - packet.headerLength - 2;
			for (let i = packet.payloadOffset, end = offset + packet.length; i < end; i++) {
				const code = buffer[i]!;
				if (code > 2 && code !== Wire.SUBACK_FAILURE)
					return Check.ERR_SUBACK_CODE;
			}
			return packet.id ? Check.VALID : Check.ERR_PACKET_ID;
		}
		case Type.PINGRESP:
			return Check.VALID;
		default: // the four-byte acknowledgements
			packet.id = (buffer[body]! << 8) | buffer[body + 1]!;
			return packet.id ? Check.VALID : Check.ERR_PACKET_ID;
	}
}

/**
 * A string from the server: no U+0000 and well-formed UTF-8 (1.5.3): shortest forms only, no
 * surrogates, nothing above U+10FFFF; nor the two ASCII characters given (a topic name's
 * wildcards, 4.7.1; 0 for none). Checked here rather than left to String.fromArrayBuffer, which
 * on the device checks lead and continuation bytes only. MQTT 5's string properties (codec5.ts)
 * are checked by the same rules. Three compares per ASCII byte, as for a topic alone.
 */
export function checkText(buffer: Uint8Array, offset: number, length: number, not1: number, not2: number): boolean {
	for (let i = offset, end = offset + length; i < end;) {
		const c = buffer[i++]!;
		if (c < 0x80) {
			if (c === not1 || c === not2 || c === 0)
				return false;
			continue;
		}
		let more: number;
		if (c >= 0xC2 && c <= 0xDF)
			more = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			more = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			more = 3;
		else
			return false; // a continuation byte, an overlong two-byte lead (C0, C1) or beyond U+10FFFF
		if (i + more > end)
			return false;
		const next = buffer[i]!;
		// the second byte's range closes the overlong three- and four-byte forms, the surrogates
		// (ED A0..BF) and what lies beyond U+10FFFF (F4 90..)
		if (c === 0xE0 ? next < 0xA0 : c === 0xED ? next > 0x9F : c === 0xF0 ? next < 0x90 : c === 0xF4 && next > 0x8F)
			return false;
		for (; more; more--) {
			if ((buffer[i++]! & 0xC0) !== 0x80)
				return false;
		}
	}
	return true;
}
