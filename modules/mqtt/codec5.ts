/*
 * MQTT 5's packets for a client, in caller-owned buffers as codec.ts and encode.ts do for 3.1.1:
 * properties, reason codes, and the packets whose shape changed. Only manifest_v5.json brings
 * this module, so an image that speaks 3.1.1 carries none of it. Decoding fills the Packet of
 * codec.ts (its returnCode is the reason code) and a Properties, which keeps the offsets and
 * values of what the last packet carried, with no allocation per packet. Section numbers refer
 * to the OASIS MQTT Version 5.0 standard (2019).
 */

import { Type, Check, Packet, checkText, errorName } from "./codec.js";
import { remainingLengthSize, writeFixedHeader, utf8Length, writeUtf8, writeString, writeBytes } from "./encode.js";
import type { ConnectFields } from "./encode.js";

// Property identifiers (2.2.2.2).
export const enum Prop {
	PAYLOAD_FORMAT = 0x01,
	MESSAGE_EXPIRY = 0x02,
	CONTENT_TYPE = 0x03,
	RESPONSE_TOPIC = 0x08,
	CORRELATION_DATA = 0x09,
	SUBSCRIPTION_ID = 0x0B,
	SESSION_EXPIRY = 0x11,
	ASSIGNED_CLIENT_ID = 0x12,
	SERVER_KEEP_ALIVE = 0x13,
	AUTH_METHOD = 0x15,
	AUTH_DATA = 0x16,
	REQUEST_PROBLEM = 0x17,
	WILL_DELAY = 0x18,
	REQUEST_RESPONSE = 0x19,
	RESPONSE_INFO = 0x1A,
	SERVER_REFERENCE = 0x1C,
	REASON_STRING = 0x1F,
	RECEIVE_MAXIMUM = 0x21,
	TOPIC_ALIAS_MAXIMUM = 0x22,
	TOPIC_ALIAS = 0x23,
	MAXIMUM_QOS = 0x24,
	RETAIN_AVAILABLE = 0x25,
	USER_PROPERTY = 0x26,
	MAXIMUM_PACKET_SIZE = 0x27,
	WILDCARD_AVAILABLE = 0x28,
	SUBSCRIPTION_IDS_AVAILABLE = 0x29,
	SHARED_AVAILABLE = 0x2A,
	COUNT = 0x2B,
}

// A property's entry in the table below: its data type (2.2.2.2), a rule on its value, and the
// packets a server may send it in.
const enum Info {
	BYTE = 1,
	TWO = 2,
	FOUR = 3,
	VARINT = 4,
	STRING = 5,
	BINARY = 6,
	PAIR = 7,
	KIND = 7,
	FLAG = 0x08, // 0 or 1 only
	NONZERO = 0x10, // 0 is a protocol error
	IN_CONNACK = 0x20,
	IN_PUBLISH = 0x40,
	IN_ACK = 0x80, // PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK
	IN_DISCONNECT = 0x100,
}

// Decoder results of MQTT 5 alone, after codec.ts's.
export const enum Check5 {
	ERR_PROPERTY_LENGTH = -11,
	ERR_PROPERTY = -12,
	ERR_PROPERTY_TWICE = -13,
	ERR_PROPERTY_VALUE = -14,
	ERR_REASON_CODE = -15,
	ERR_TOPIC_ALIAS = -16,
	ERR_STRING = -17,
}

// Reason codes (2.4) the client sends or acts on.
export const enum Reason {
	SUCCESS = 0,
	DISCONNECT_WITH_WILL = 0x04,
	ERROR = 0x80, // this and above: a failure
	MALFORMED_PACKET = 0x81,
	PROTOCOL_ERROR = 0x82,
	RECEIVE_MAXIMUM_EXCEEDED = 0x93,
	TOPIC_ALIAS_INVALID = 0x94,
	PACKET_TOO_LARGE = 0x95,
}

const errorNames: readonly string[] = Object.freeze([
	"malformed property length",
	"property not allowed in this packet",
	"property given twice",
	"invalid property value",
	"invalid reason code",
	"invalid topic alias",
	"malformed string in a property",
]);

/** The name of a decoder result, 3.1.1's or MQTT 5's. */
export function errorName5(code: number): string {
	return code <= Check5.ERR_PROPERTY_LENGTH ? errorNames[Check5.ERR_PROPERTY_LENGTH - code] ?? "protocol error" : errorName(code);
}

/** The reason code of the DISCONNECT that a decoder error sends before closing (4.13.1). */
export function disconnectReason(code: number): number {
	switch (code) {
		case Check5.ERR_TOPIC_ALIAS:
			return Reason.TOPIC_ALIAS_INVALID;
		case Check5.ERR_PROPERTY:
		case Check5.ERR_PROPERTY_TWICE:
		case Check5.ERR_PROPERTY_VALUE:
		case Check.ERR_UNEXPECTED_TYPE:
			return Reason.PROTOCOL_ERROR;
		default:
			return Reason.MALFORMED_PACKET;
	}
}

function table(): string {
	const t: number[] = new Array(Prop.COUNT).fill(0);
	t[Prop.PAYLOAD_FORMAT] = Info.BYTE | Info.FLAG | Info.IN_PUBLISH;
	t[Prop.MESSAGE_EXPIRY] = Info.FOUR | Info.IN_PUBLISH;
	t[Prop.CONTENT_TYPE] = Info.STRING | Info.IN_PUBLISH;
	t[Prop.RESPONSE_TOPIC] = Info.STRING | Info.IN_PUBLISH;
	t[Prop.CORRELATION_DATA] = Info.BINARY | Info.IN_PUBLISH;
	t[Prop.SUBSCRIPTION_ID] = Info.VARINT | Info.NONZERO | Info.IN_PUBLISH;
	t[Prop.SESSION_EXPIRY] = Info.FOUR | Info.IN_CONNACK; // never in a server's DISCONNECT (3.14.2.2.2)
	t[Prop.ASSIGNED_CLIENT_ID] = Info.STRING | Info.IN_CONNACK;
	t[Prop.SERVER_KEEP_ALIVE] = Info.TWO | Info.IN_CONNACK;
	t[Prop.AUTH_METHOD] = Info.STRING; // enhanced authentication: only after a client asked (4.12)
	t[Prop.AUTH_DATA] = Info.BINARY;
	t[Prop.REQUEST_PROBLEM] = Info.BYTE;
	t[Prop.WILL_DELAY] = Info.FOUR;
	t[Prop.REQUEST_RESPONSE] = Info.BYTE;
	t[Prop.RESPONSE_INFO] = Info.STRING | Info.IN_CONNACK;
	t[Prop.SERVER_REFERENCE] = Info.STRING | Info.IN_CONNACK | Info.IN_DISCONNECT;
	t[Prop.REASON_STRING] = Info.STRING | Info.IN_CONNACK | Info.IN_ACK | Info.IN_DISCONNECT;
	t[Prop.RECEIVE_MAXIMUM] = Info.TWO | Info.NONZERO | Info.IN_CONNACK;
	t[Prop.TOPIC_ALIAS_MAXIMUM] = Info.TWO | Info.IN_CONNACK;
	t[Prop.TOPIC_ALIAS] = Info.TWO | Info.IN_PUBLISH;
	t[Prop.MAXIMUM_QOS] = Info.BYTE | Info.FLAG | Info.IN_CONNACK;
	t[Prop.RETAIN_AVAILABLE] = Info.BYTE | Info.FLAG | Info.IN_CONNACK;
	t[Prop.USER_PROPERTY] = Info.PAIR | Info.IN_CONNACK | Info.IN_PUBLISH | Info.IN_ACK | Info.IN_DISCONNECT;
	t[Prop.MAXIMUM_PACKET_SIZE] = Info.FOUR | Info.NONZERO | Info.IN_CONNACK;
	t[Prop.WILDCARD_AVAILABLE] = Info.BYTE | Info.FLAG | Info.IN_CONNACK;
	t[Prop.SUBSCRIPTION_IDS_AVAILABLE] = Info.BYTE | Info.FLAG | Info.IN_CONNACK;
	t[Prop.SHARED_AVAILABLE] = Info.BYTE | Info.FLAG | Info.IN_CONNACK;
	return String.fromCharCode.apply(null, t);
}
// a string, built when the module is preloaded: it stays in flash, where an array would cost a slot per entry
const properties = table();

// The reason codes each packet may carry from a server (3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1,
// 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1).
const connackCodes = "\x00\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8A\x8C\x90\x95\x97\x99\x9A\x9B\x9C\x9D\x9F";
const pubackCodes = "\x00\x10\x80\x83\x87\x90\x91\x97\x99";
const pubrelCodes = "\x00\x92";
const subackCodes = "\x00\x01\x02\x80\x83\x87\x8F\x91\x97\x9E\xA1\xA2";
const unsubackCodes = "\x00\x11\x80\x83\x87\x8F\x91";
const disconnectCodes = "\x00\x80\x81\x82\x83\x87\x89\x8B\x8D\x8E\x8F\x90\x93\x94\x95\x96\x97\x98\x99\x9A\x9B\x9C\x9D\x9E\x9F\xA0\xA1\xA2";

const charCodeAt = String.prototype.charCodeAt;

function allowed(codes: string, code: number): boolean {
	for (let i = 0; i < codes.length; i++) {
		if (charCodeAt.call(codes, i) === code)
			return true;
	}
	return false;
}

/**
 * The properties of the last packet decoded, reused for every packet: which single-use ones it
 * had (has), their values (a string or binary value is the offset of its two-byte length in the
 * decoded buffer), and where the block lies, for the readers of what may repeat (user
 * properties, subscription identifiers), which walk it again in order.
 */
export class Properties {
	aliasMaximum = 0; // ours, as CONNECT said: an inbound alias above it is an error (3.3.2.3.4)
	seenLow = 0; // bit n: property n (< 32) present
	seenHigh = 0; // bit n - 32
	start = 0; // the first property's offset
	end = 0;
	users = 0; // user properties in the block
	subscriptionIds = 0;
	values = new Uint32Array(Prop.COUNT);

	has(id: number): boolean {
		return id < 32 ? (this.seenLow & (1 << id)) !== 0 : (this.seenHigh & (1 << (id - 32))) !== 0;
	}
	/** A single-use property's value, or fallback when the packet did not carry it. */
	get(id: number, fallback: number): number {
		return this.has(id) ? this.values[id]! : fallback;
	}
}
Object.freeze(Properties.prototype);

/** Reads a Variable Byte Integer (1.5.5) below end; returns it, or -1 when malformed or cut. */
function readVarint(buffer: Uint8Array, at: number, end: number, props: Properties): number {
	let value = 0;
	for (let multiplier = 1;; multiplier *= 128) {
		if (at >= end || multiplier > 0x200000)
			return -1;
		const digit = buffer[at++]!;
		value += (digit & 0x7F) * multiplier;
		if (!(digit & 0x80))
			break;
	}
	props.end = at; // where it ended, for the caller
	return value;
}

/**
 * Decodes the property block at `at` (its length first), which must end by `end`, as a server
 * may send it in a packet of the given kind (Info.IN_*). Returns the offset past it or an error.
 */
export function decodeProperties(buffer: Uint8Array, at: number, end: number, kind: number, props: Properties): number {
	const length = readVarint(buffer, at, end, props);
	if (length < 0)
		return Check5.ERR_PROPERTY_LENGTH;
	at = props.end;
	const stop = at + length;
	if (stop > end)
		return Check5.ERR_PROPERTY_LENGTH;
	const values = props.values;
	let low = 0, high = 0, users = 0, ids = 0;
	props.start = at;
	while (at < stop) {
		const id = buffer[at++]!;
		const info = id < Prop.COUNT ? charCodeAt.call(properties, id) : 0;
		if (!(info & kind))
			return Check5.ERR_PROPERTY;
		let value: number;
		switch (info & Info.KIND) {
			case Info.BYTE:
				if (at + 1 > stop)
					return Check5.ERR_PROPERTY_LENGTH;
				value = buffer[at++]!;
				break;
			case Info.TWO:
				if (at + 2 > stop)
					return Check5.ERR_PROPERTY_LENGTH;
				value = (buffer[at]! << 8) | buffer[at + 1]!;
				at += 2;
				break;
			case Info.FOUR:
				if (at + 4 > stop)
					return Check5.ERR_PROPERTY_LENGTH;
				value = buffer[at]! * 0x1000000 + ((buffer[at + 1]! << 16) | (buffer[at + 2]! << 8) | buffer[at + 3]!);
				at += 4;
				break;
			case Info.VARINT:
				value = readVarint(buffer, at, stop, props);
				if (value < 0)
					return Check5.ERR_PROPERTY_LENGTH;
				at = props.end;
				break;
			default: { // STRING, BINARY, PAIR
				value = at;
				for (let strings = (info & Info.KIND) === Info.PAIR ? 2 : 1; strings; strings--) {
					if (at + 2 > stop)
						return Check5.ERR_PROPERTY_LENGTH;
					const size = (buffer[at]! << 8) | buffer[at + 1]!;
					if (at + 2 + size > stop)
						return Check5.ERR_PROPERTY_LENGTH;
					if ((info & Info.KIND) !== Info.BINARY && !checkText(buffer, at + 2, size, 0, 0))
						return Check5.ERR_STRING;
					at += 2 + size;
				}
			}
		}
		if ((info & Info.NONZERO) && !value)
			return Check5.ERR_PROPERTY_VALUE;
		if (id === Prop.USER_PROPERTY) {
			users++;
			continue;
		}
		if (id === Prop.SUBSCRIPTION_ID) { // a message matching several subscriptions carries each one's (3.3.4)
			ids++;
			continue;
		}
		if (id < 32) {
			if (low & (1 << id))
				return Check5.ERR_PROPERTY_TWICE;
			low |= 1 << id;
		}
		else {
			if (high & (1 << (id - 32)))
				return Check5.ERR_PROPERTY_TWICE;
			high |= 1 << (id - 32);
		}
		if ((info & Info.FLAG) && value > 1)
			return Check5.ERR_PROPERTY_VALUE;
		if (id === Prop.TOPIC_ALIAS && (!value || value > props.aliasMaximum))
			return Check5.ERR_TOPIC_ALIAS;
		values[id] = value;
	}
	props.seenLow = low;
	props.seenHigh = high;
	props.users = users;
	props.subscriptionIds = ids;
	props.end = stop;
	return stop;
}

/** Checks the first byte and remaining length against what a server may send over MQTT 5 (2.1.3). */
export function checkHeader5(packet: Packet): number {
	const remaining = packet.length - packet.headerLength;
	let least: number;
	switch (packet.type) {
		case Type.PUBLISH: {
			const qos = (packet.flags >> 1) & 3;
			if (qos === 3)
				return Check.ERR_QOS;
			if (!qos && (packet.flags & 0x08)) // 3.3.1-2: no DUP at QoS 0
				return Check.ERR_RESERVED_FLAGS;
			return remaining < (qos ? 5 : 3) ? Check.ERR_LENGTH : Check.VALID; // topic length, packet id, property length
		}
		case Type.CONNACK:
			least = 3;
			break;
		case Type.PUBACK:
		case Type.PUBREC:
		case Type.PUBREL:
		case Type.PUBCOMP:
			least = 2;
			break;
		case Type.SUBACK:
		case Type.UNSUBACK:
			least = 4; // packet id, property length, one reason code at least
			break;
		case Type.PINGRESP:
			if (remaining)
				return Check.ERR_LENGTH;
			least = 0;
			break;
		case Type.DISCONNECT:
			least = 0;
			break;
		case Type.CONNECT:
		case Type.SUBSCRIBE:
		case Type.UNSUBSCRIBE:
		case Type.PINGREQ:
		case 15: // AUTH: only after a CONNECT with an authentication method, which ours never has (4.12)
			return Check.ERR_UNEXPECTED_TYPE;
		default:
			return Check.ERR_UNKNOWN_TYPE;
	}
	if (packet.flags !== (packet.type === Type.PUBREL ? 2 : 0))
		return Check.ERR_RESERVED_FLAGS;
	return remaining < least ? Check.ERR_LENGTH : Check.VALID;
}

/**
 * Decodes the variable header of an MQTT 5 packet whose header passed checkHeader5, as
 * codec.ts's decodeBody does: VALID, NEED_MORE (an oversized PUBLISH whose variable header is
 * not all in the first `available` bytes) or a negative error. A PUBLISH whose topic name is
 * empty carries a topic alias: the caller resolves it.
 */
export function decodeBody5(buffer: Uint8Array, offset: number, available: number, packet: Packet, props: Properties): number {
	const body = offset + packet.headerLength, end = offset + packet.length;
	let result: number;
	switch (packet.type) {
		case Type.PUBLISH: {
			const qos = (packet.flags >> 1) & 3;
			packet.qos = qos;
			packet.dup = (packet.flags & 0x08) !== 0;
			packet.retain = (packet.flags & 1) !== 0;
			const topicLength = (buffer[body]! << 8) | buffer[body + 1]!;
			let position = body + 2 + topicLength;
			if (position + (qos ? 3 : 1) > end)
				return Check.ERR_LENGTH;
			if (position + (qos ? 3 : 1) > offset + available)
				return Check.NEED_MORE;
			packet.topicOffset = body + 2;
			packet.topicLength = topicLength;
			if (!checkText(buffer, body + 2, topicLength, 0x23, 0x2B))
				return Check.ERR_TOPIC;
			if (qos) {
				packet.id = (buffer[position]! << 8) | buffer[position + 1]!;
				if (!packet.id)
					return Check.ERR_PACKET_ID;
				position += 2;
			}
			else
				packet.id = 0;
			if (!buffer[position]) { // no properties, the common case: nothing to walk
				clear(props);
				if (!topicLength) // 3.3.2.3.4
					return Check5.ERR_TOPIC_ALIAS;
				packet.payloadOffset = position + 1;
				packet.payloadLength = end - position - 1;
				return Check.VALID;
			}
			// an oversized message is read in part: its properties must be in what is here
			const limit = offset + available < end ? offset + available : end;
			result = decodeProperties(buffer, position, limit, Info.IN_PUBLISH, props);
			if (result === Check5.ERR_PROPERTY_LENGTH && limit < end)
				return Check.NEED_MORE;
			if (result < 0)
				return result;
			if (!topicLength && !props.has(Prop.TOPIC_ALIAS)) // 3.3.2.3.4
				return Check5.ERR_TOPIC_ALIAS;
			packet.payloadOffset = result;
			packet.payloadLength = end - result;
			return Check.VALID;
		}
		case Type.CONNACK: {
			const flags = buffer[body]!;
			if (flags & 0xFE)
				return Check.ERR_CONNACK;
			packet.sessionPresent = flags === 1;
			const code = packet.returnCode = buffer[body + 1]!;
			if (!allowed(connackCodes, code))
				return Check5.ERR_REASON_CODE;
			if (code >= Reason.ERROR && packet.sessionPresent) // 3.2.2.1.1
				return Check.ERR_CONNACK;
			result = decodeProperties(buffer, body + 2, end, Info.IN_CONNACK, props);
			break;
		}
		case Type.SUBACK:
		case Type.UNSUBACK: {
			packet.id = (buffer[body]! << 8) | buffer[body + 1]!;
			if (!packet.id)
				return Check.ERR_PACKET_ID;
			result = decodeProperties(buffer, body + 2, end, Info.IN_ACK, props);
			if (result < 0)
				return result;
			if (result === end)
				return Check.ERR_LENGTH; // no reason code
			packet.payloadOffset = result;
			packet.payloadLength = end - result;
			const codes = packet.type === Type.SUBACK ? subackCodes : unsubackCodes;
			for (let i = result; i < end; i++) {
				if (!allowed(codes, buffer[i]!))
					return Check5.ERR_REASON_CODE;
			}
			return Check.VALID;
		}
		case Type.PINGRESP:
			clear(props);
			return Check.VALID;
		case Type.DISCONNECT:
			clear(props);
			packet.returnCode = body < end ? buffer[body]! : Reason.SUCCESS; // 3.14.2.1: absent means 0
			if (!allowed(disconnectCodes, packet.returnCode))
				return Check5.ERR_REASON_CODE;
			if (body + 1 >= end)
				return Check.VALID;
			result = decodeProperties(buffer, body + 1, end, Info.IN_DISCONNECT, props);
			break;
		default: { // PUBACK, PUBREC, PUBREL, PUBCOMP: a reason code and properties unless the remaining length ends first (3.4.2.1)
			packet.id = (buffer[body]! << 8) | buffer[body + 1]!;
			if (!packet.id)
				return Check.ERR_PACKET_ID;
			clear(props);
			packet.returnCode = body + 2 < end ? buffer[body + 2]! : Reason.SUCCESS;
			if (!allowed(packet.type <= Type.PUBREC ? pubackCodes : pubrelCodes, packet.returnCode))
				return Check5.ERR_REASON_CODE;
			if (body + 3 >= end)
				return Check.VALID;
			result = decodeProperties(buffer, body + 3, end, Info.IN_ACK, props);
		}
	}
	if (result < 0)
		return result;
	return result === end ? Check.VALID : Check.ERR_LENGTH;
}

/** No properties: what a packet without a property block leaves. */
function clear(props: Properties): void {
	props.seenLow =
		props.seenHigh =
		props.users =
		props.subscriptionIds =
			0;
}

/** The string property whose length prefix is at `at`, as a string. */
export function readString(buffer: Uint8Array, at: number): string {
	const size = (buffer[at]! << 8) | buffer[at + 1]!;
	return String.fromArrayBuffer(buffer.buffer, buffer.byteOffset + at + 2, size); // decodeProperties checked it
}

/** The binary property whose length prefix is at `at`, copied out of the buffer. */
export function readBinary(buffer: Uint8Array, at: number): ArrayBuffer {
	const size = (buffer[at]! << 8) | buffer[at + 1]!;
	return (buffer.buffer as ArrayBuffer).slice(buffer.byteOffset + at + 2, buffer.byteOffset + at + 2 + size);
}

/** The user properties of the last packet, in order, as [name, value] pairs; undefined when it had none. */
export function readUserProperties(buffer: Uint8Array, props: Properties): [string, string][] | undefined {
	if (!props.users)
		return undefined;
	const pairs: [string, string][] = new Array(props.users);
	let n = 0;
	for (let at = props.start; at < props.end;) {
		const id = buffer[at++]!;
		const kind = charCodeAt.call(properties, id) & Info.KIND;
		if (id === Prop.USER_PROPERTY) {
			const name = readString(buffer, at);
			at += 2 + ((buffer[at]! << 8) | buffer[at + 1]!);
			pairs[n++] = [name, readString(buffer, at)];
			at += 2 + ((buffer[at]! << 8) | buffer[at + 1]!);
		}
		else
			at = skip(buffer, at, kind);
	}
	return pairs;
}

/** The subscription identifiers of the last PUBLISH, in order; undefined when it had none. */
export function readSubscriptionIds(buffer: Uint8Array, props: Properties): number[] | undefined {
	if (!props.subscriptionIds)
		return undefined;
	const ids: number[] = new Array(props.subscriptionIds);
	let n = 0;
	for (let at = props.start; at < props.end;) {
		const id = buffer[at++]!;
		const kind = charCodeAt.call(properties, id) & Info.KIND;
		if (id === Prop.SUBSCRIPTION_ID) {
			let value = 0;
			for (let i = at, multiplier = 1;; i++, multiplier *= 128) {
				value += (buffer[i]! & 0x7F) * multiplier;
				if (!(buffer[i]! & 0x80))
					break;
			}
			ids[n++] = value;
		}
		at = skip(buffer, at, kind);
	}
	return ids;
}

/** The offset past a property's value of this kind; a checked block only. */
function skip(buffer: Uint8Array, at: number, kind: number): number {
	switch (kind) {
		case Info.BYTE:
			return at + 1;
		case Info.TWO:
			return at + 2;
		case Info.FOUR:
			return at + 4;
		case Info.VARINT:
			while (buffer[at++]! & 0x80);
			return at;
		case Info.PAIR:
			at += 2 + ((buffer[at]! << 8) | buffer[at + 1]!);
			return at + 2 + ((buffer[at]! << 8) | buffer[at + 1]!);
		default:
			return at + 2 + ((buffer[at]! << 8) | buffer[at + 1]!);
	}
}

// Encoding

/**
 * Properties the client sends, checked by the caller (arguments): each appears in the packets
 * the standard allows it in, in this order. Strings are measured and written as UTF-8;
 * correlationData is bytes.
 */
export interface OutProperties {
	sessionExpiry?: number | undefined; // CONNECT, DISCONNECT
	receiveMaximum?: number | undefined; // CONNECT
	maximumPacketSize?: number | undefined; // CONNECT
	topicAliasMaximum?: number | undefined; // CONNECT
	requestResponseInformation?: boolean | undefined; // CONNECT
	requestProblemInformation?: boolean | undefined; // CONNECT
	willDelay?: number | undefined; // the will's
	payloadFormat?: number | undefined; // PUBLISH, the will's
	messageExpiry?: number | undefined; // PUBLISH, the will's
	contentType?: string | undefined; // PUBLISH, the will's
	responseTopic?: string | undefined; // PUBLISH, the will's
	correlationData?: Uint8Array | undefined; // PUBLISH, the will's
	subscriptionIdentifier?: number | undefined; // SUBSCRIBE
	reasonString?: string | undefined; // DISCONNECT
	userProperties?: readonly (readonly [string, string])[] | undefined; // all of them
}

export function varintSize(value: number): number {
	return remainingLengthSize(value);
}

function stringSize(text: string): number {
	return 3 + utf8Length(text);
}

/** The bytes of a property block's entries (its length prefix not counted), with a topic alias when alias > 0. */
export function propertiesSize(p: OutProperties | undefined, alias: number): number {
	let size = alias ? 3 : 0;
	if (!p)
		return size;
	if (p.sessionExpiry !== undefined)
		size += 5;
	if (p.receiveMaximum !== undefined)
		size += 3;
	if (p.maximumPacketSize !== undefined)
		size += 5;
	if (p.topicAliasMaximum !== undefined)
		size += 3;
	if (p.requestResponseInformation !== undefined)
		size += 2;
	if (p.requestProblemInformation !== undefined)
		size += 2;
	if (p.willDelay !== undefined)
		size += 5;
	if (p.payloadFormat !== undefined)
		size += 2;
	if (p.messageExpiry !== undefined)
		size += 5;
	if (p.contentType !== undefined)
		size += stringSize(p.contentType);
	if (p.responseTopic !== undefined)
		size += stringSize(p.responseTopic);
	if (p.correlationData !== undefined)
		size += 3 + p.correlationData.length;
	if (p.subscriptionIdentifier !== undefined)
		size += 1 + varintSize(p.subscriptionIdentifier);
	if (p.reasonString !== undefined)
		size += stringSize(p.reasonString);
	const users = p.userProperties;
	if (users) {
		for (let i = 0; i < users.length; i++)
			size += 1 + 2 + utf8Length(users[i]![0]) + 2 + utf8Length(users[i]![1]);
	}
	return size;
}

function writeVarint(buffer: Uint8Array, offset: number, value: number): number {
	do {
		buffer[offset++] = (value & 0x7F) | (value > 0x7F ? 0x80 : 0);
		value >>>= 7;
	} while (value);
	return offset;
}

function writeFour(buffer: Uint8Array, offset: number, id: number, value: number): number {
	buffer[offset] = id;
	buffer[offset + 1] = value >>> 24;
	buffer[offset + 2] = (value >> 16) & 0xFF;
	buffer[offset + 3] = (value >> 8) & 0xFF;
	buffer[offset + 4] = value & 0xFF;
	return offset + 5;
}

function writeTwo(buffer: Uint8Array, offset: number, id: number, value: number): number {
	buffer[offset] = id;
	buffer[offset + 1] = value >> 8;
	buffer[offset + 2] = value & 0xFF;
	return offset + 3;
}

function writeText(buffer: Uint8Array, offset: number, id: number, text: string): number {
	buffer[offset++] = id;
	return writeString(buffer, offset, text, utf8Length(text));
}

/** A property block: its length (size, from propertiesSize) then its entries. */
export function writeProperties(buffer: Uint8Array, offset: number, p: OutProperties | undefined, alias: number, size: number): number {
	offset = writeVarint(buffer, offset, size);
	if (p) {
		if (p.sessionExpiry !== undefined)
			offset = writeFour(buffer, offset, Prop.SESSION_EXPIRY, p.sessionExpiry);
		if (p.receiveMaximum !== undefined)
			offset = writeTwo(buffer, offset, Prop.RECEIVE_MAXIMUM, p.receiveMaximum);
		if (p.maximumPacketSize !== undefined)
			offset = writeFour(buffer, offset, Prop.MAXIMUM_PACKET_SIZE, p.maximumPacketSize);
		if (p.topicAliasMaximum !== undefined)
			offset = writeTwo(buffer, offset, Prop.TOPIC_ALIAS_MAXIMUM, p.topicAliasMaximum);
		if (p.requestResponseInformation !== undefined) {
			buffer[offset++] = Prop.REQUEST_RESPONSE;
			buffer[offset++] = p.requestResponseInformation ? 1 : 0;
		}
		if (p.requestProblemInformation !== undefined) {
			buffer[offset++] = Prop.REQUEST_PROBLEM;
			buffer[offset++] = p.requestProblemInformation ? 1 : 0;
		}
		if (p.willDelay !== undefined)
			offset = writeFour(buffer, offset, Prop.WILL_DELAY, p.willDelay);
		if (p.payloadFormat !== undefined) {
			buffer[offset++] = Prop.PAYLOAD_FORMAT;
			buffer[offset++] = p.payloadFormat;
		}
		if (p.messageExpiry !== undefined)
			offset = writeFour(buffer, offset, Prop.MESSAGE_EXPIRY, p.messageExpiry);
	}
	if (alias)
		offset = writeTwo(buffer, offset, Prop.TOPIC_ALIAS, alias);
	if (!p)
		return offset;
	if (p.contentType !== undefined)
		offset = writeText(buffer, offset, Prop.CONTENT_TYPE, p.contentType);
	if (p.responseTopic !== undefined)
		offset = writeText(buffer, offset, Prop.RESPONSE_TOPIC, p.responseTopic);
	if (p.correlationData !== undefined) {
		buffer[offset++] = Prop.CORRELATION_DATA;
		offset = writeBytes(buffer, offset, p.correlationData);
	}
	if (p.subscriptionIdentifier !== undefined) {
		buffer[offset++] = Prop.SUBSCRIPTION_ID;
		offset = writeVarint(buffer, offset, p.subscriptionIdentifier);
	}
	if (p.reasonString !== undefined)
		offset = writeText(buffer, offset, Prop.REASON_STRING, p.reasonString);
	const users = p.userProperties;
	if (users) {
		for (let i = 0; i < users.length; i++) {
			offset = writeText(buffer, offset, Prop.USER_PROPERTY, users[i]![0]);
			offset = writeString(buffer, offset, users[i]![1], utf8Length(users[i]![1]));
		}
	}
	return offset;
}

/** A block's whole size: its entries and the prefix that says their length. */
function blockSize(size: number): number {
	return varintSize(size) + size;
}

function connectRemaining(c: ConnectFields, size: number, willSize: number): number {
	let length = 10 + blockSize(size) + 2 + c.clientIdBytes; // 3.1.2: protocol name, level, flags, keep alive, properties
	if (c.willTopic !== undefined)
		length += blockSize(willSize) + 2 + c.willTopicBytes + 2 + c.willPayload!.length;
	if (c.username !== undefined)
		length += 2 + c.usernameBytes;
	if (c.password !== undefined)
		length += 2 + c.password.length;
	return length;
}

export function connectLength5(c: ConnectFields, p: OutProperties | undefined, will: OutProperties | undefined): number {
	const remaining = connectRemaining(c, propertiesSize(p, 0), propertiesSize(will, 0));
	return 1 + remainingLengthSize(remaining) + remaining;
}

/** CONNECT at protocol level 5 (3.1), with its properties and the will's. */
export function writeConnect5(buffer: Uint8Array, offset: number, c: ConnectFields, p: OutProperties | undefined, will: OutProperties | undefined): number {
	const size = propertiesSize(p, 0), willSize = propertiesSize(will, 0);
	offset = writeFixedHeader(buffer, offset, Type.CONNECT << 4, connectRemaining(c, size, willSize));
	buffer[offset++] = 0;
	buffer[offset++] = 4;
	buffer[offset++] = 0x4D; // "MQTT"
	buffer[offset++] = 0x51;
	buffer[offset++] = 0x54;
	buffer[offset++] = 0x54;
	buffer[offset++] = 5;
	let flags = c.cleanSession ? 0x02 : 0; // Clean Start (3.1.2.4)
	if (c.willTopic !== undefined)
		flags |= 0x04 | (c.willQos << 3) | (c.willRetain ? 0x20 : 0);
	if (c.password !== undefined)
		flags |= 0x40;
	if (c.username !== undefined)
		flags |= 0x80;
	buffer[offset++] = flags;
	buffer[offset++] = c.keepalive >> 8;
	buffer[offset++] = c.keepalive & 0xFF;
	offset = writeProperties(buffer, offset, p, 0, size);
	offset = writeString(buffer, offset, c.clientId, c.clientIdBytes);
	if (c.willTopic !== undefined) {
		offset = writeProperties(buffer, offset, will, 0, willSize);
		offset = writeString(buffer, offset, c.willTopic, c.willTopicBytes);
		offset = writeBytes(buffer, offset, c.willPayload!);
	}
	if (c.username !== undefined)
		offset = writeString(buffer, offset, c.username, c.usernameBytes);
	if (c.password !== undefined)
		offset = writeBytes(buffer, offset, c.password);
	return offset;
}

/** The size of an MQTT 5 PUBLISH, as encodePublish5 makes it. */
export function publishLength5(topicLength: number, payloadLength: number, qos: number, size: number): number {
	const remaining = 2 + topicLength + (qos ? 2 : 0) + blockSize(size) + payloadLength;
	return 1 + remainingLengthSize(remaining) + remaining;
}

/**
 * An MQTT 5 PUBLISH in a buffer of its own, as encodePublish makes a 3.1.1 one: the topic's bytes
 * (empty when an alias already stands for it), the alias (0: none), and the message's properties.
 */
export function encodePublish5(
	topic: Uint8Array,
	payload: Uint8Array,
	qos: number,
	retain: boolean,
	id: number,
	alias: number,
	p: OutProperties | undefined,
): Uint8Array {
	const size = p || alias ? propertiesSize(p, alias) : 0;
	const topicLength = topic.length;
	let remaining = 2 + topicLength + (qos ? 2 : 0) + (size < 128 ? 1 + size : blockSize(size)) + payload.length;
	const packet = new Uint8Array(1 + remainingLengthSize(remaining) + remaining);
	packet[0] = (Type.PUBLISH << 4) | (qos << 1) | (retain ? 1 : 0);
	let offset = 1;
	do { // inline, as encodePublish has it: this runs for every message
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
	offset = size ? writeProperties(packet, offset, p, alias, size) : offset + 1; // a new buffer holds 0 already
	packet.set(payload, offset);
	return packet;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: four bytes for success, six with another reason (3.4.2.1). */
export function writeAck5(buffer: Uint8Array, offset: number, type: number, id: number, reason: number): number {
	buffer[offset] = (type << 4) | (type === Type.PUBREL ? 2 : 0);
	buffer[offset + 1] = reason ? 4 : 2;
	buffer[offset + 2] = id >> 8;
	buffer[offset + 3] = id & 0xFF;
	if (!reason)
		return offset + 4;
	buffer[offset + 4] = reason;
	buffer[offset + 5] = 0; // no properties
	return offset + 6;
}

/** DISCONNECT with a reason code and properties (3.14). */
export function disconnectLength5(p: OutProperties | undefined): number {
	const remaining = 1 + blockSize(propertiesSize(p, 0));
	return 1 + remainingLengthSize(remaining) + remaining;
}

export function writeDisconnect5(buffer: Uint8Array, offset: number, reason: number, p: OutProperties | undefined): number {
	const size = propertiesSize(p, 0);
	offset = writeFixedHeader(buffer, offset, Type.DISCONNECT << 4, 1 + blockSize(size));
	buffer[offset++] = reason;
	return writeProperties(buffer, offset, p, 0, size);
}

/** SUBSCRIBE (options given: one byte per filter, 3.8.3.1) or UNSUBSCRIBE (options undefined). */
export function subscribeRemaining5(topicBytes: readonly number[], subscribe: boolean, size: number): number {
	let length = 2 + blockSize(size);
	for (let i = 0; i < topicBytes.length; i++)
		length += 2 + topicBytes[i]! + (subscribe ? 1 : 0);
	return length;
}

export function subscribeLength5(topicBytes: readonly number[], subscribe: boolean, p: OutProperties | undefined): number {
	const remaining = subscribeRemaining5(topicBytes, subscribe, propertiesSize(p, 0));
	return 1 + remainingLengthSize(remaining) + remaining;
}

export function writeSubscribe5(
	buffer: Uint8Array,
	offset: number,
	id: number,
	topics: readonly string[],
	topicBytes: readonly number[],
	options: readonly number[] | undefined,
	p: OutProperties | undefined,
): number {
	const type = options ? Type.SUBSCRIBE : Type.UNSUBSCRIBE, size = propertiesSize(p, 0);
	offset = writeFixedHeader(buffer, offset, (type << 4) | 2, subscribeRemaining5(topicBytes, options !== undefined, size));
	buffer[offset++] = id >> 8;
	buffer[offset++] = id & 0xFF;
	offset = writeProperties(buffer, offset, p, 0, size);
	for (let i = 0; i < topics.length; i++) {
		offset = writeString(buffer, offset, topics[i]!, topicBytes[i]!);
		if (options)
			buffer[offset++] = options[i]!;
	}
	return offset;
}

/** A subscription's options byte (3.8.3.1): QoS, No Local, Retain As Published, Retain Handling. */
export function subscriptionOptions(qos: number, noLocal: boolean, retainAsPublished: boolean, retainHandling: number): number {
	return qos | (noLocal ? 4 : 0) | (retainAsPublished ? 8 : 0) | (retainHandling << 4);
}

/** Where the property block of an encoded PUBLISH (ours) starts. */
function publishPropertiesAt(packet: Uint8Array): number {
	let offset = 1;
	while (packet[offset++]! & 0x80);
	offset += 2 + ((packet[offset]! << 8) | packet[offset + 1]!);
	return packet[0]! & 0x06 ? offset + 2 : offset;
}

/** The topic alias of an encoded PUBLISH of ours, or 0. */
export function publishAlias(packet: Uint8Array): number {
	if ((packet[0]! >> 4) !== Type.PUBLISH)
		return 0;
	const props = new Properties();
	props.aliasMaximum = 0xFFFF;
	const at = publishPropertiesAt(packet);
	return decodeProperties(packet, at, packet.length, Info.IN_PUBLISH, props) < 0 ? 0 : props.get(Prop.TOPIC_ALIAS, 0);
}

/**
 * An encoded PUBLISH of ours that has an alias, written again with the topic the alias stands
 * for and without the alias: an alias means nothing on another connection (3.3.2.3.4), and a
 * packet queued on one may go out on the next.
 */
export function withTopic(packet: Uint8Array, topic: Uint8Array): Uint8Array {
	const at = publishPropertiesAt(packet);
	const props = new Properties();
	props.aliasMaximum = 0xFFFF;
	const end = decodeProperties(packet, at, packet.length, Info.IN_PUBLISH, props);
	const start = props.start;
	let alias = start; // the alias entry: three bytes to leave out
	while (packet[alias] !== Prop.TOPIC_ALIAS)
		alias = skip(packet, alias + 1, charCodeAt.call(properties, packet[alias]!) & Info.KIND);
	const size = end - start - 3;
	const remaining = 2 + topic.length + (packet[0]! & 0x06 ? 2 : 0) + blockSize(size) + packet.length - end;
	const out = new Uint8Array(1 + remainingLengthSize(remaining) + remaining);
	let offset = writeFixedHeader(out, 0, packet[0]!, remaining);
	out[offset++] = topic.length >> 8;
	out[offset++] = topic.length & 0xFF;
	out.set(topic, offset);
	offset += topic.length;
	if (packet[0]! & 0x06) {
		out[offset++] = packet[at - 2]!;
		out[offset++] = packet[at - 1]!;
	}
	offset = writeVarint(out, offset, size);
	out.set(packet.subarray(start, alias), offset);
	offset += alias - start;
	out.set(packet.subarray(alias + 3, packet.length), offset);
	return out;
}

/** How many topic filters an encoded MQTT 5 SUBSCRIBE carries: its SUBACK must hold as many codes (3.9.3). */
export function subscribeTopicCount5(packet: Uint8Array): number {
	let offset = 1;
	while (packet[offset++]! & 0x80);
	offset += 2; // packet id
	let size = 0;
	for (let multiplier = 1;; multiplier *= 128) {
		const digit = packet[offset++]!;
		size += (digit & 0x7F) * multiplier;
		if (!(digit & 0x80))
			break;
	}
	offset += size;
	let count = 0;
	for (; offset < packet.length; count++)
		offset += 2 + ((packet[offset]! << 8) | packet[offset + 1]!) + 1;
	return count;
}
