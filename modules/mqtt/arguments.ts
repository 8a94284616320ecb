/*
 * The checks at the API boundary, shared by the facade's methods: a failure names the method,
 * the argument and the rule it broke (TypeError for a wrong type, RangeError for a wrong value).
 * And mqtt.Client's arguments, checked and turned into what the session and CONNECT need.
 */

import { Wire } from "./codec.js";
import { utf8Length } from "./encode.js";
import type { ConnectFields } from "./encode.js";
import type { SessionOptions } from "./session.js";
import type { Secure } from "./link.js";
import type { Store } from "./store.js";
import type { ClientOptions } from "./client.js";
import defaultClientId from "./identity.js";

const enum Default {
	KEEPALIVE = 60,
	MAX_MESSAGE_LENGTH = 1024,
	RECONNECT_MIN = 1_000,
	RECONNECT_MAX = 60_000,
}
// What the device can hold: a window slot costs about 36 bytes of tables before its packet, a
// queue slot about 20, a remembered QoS 2 id 2, all on an XS heap of 32 KB.
const enum Limit {
	MIN_MAX_MESSAGE_LENGTH = 32,
	MAX_MAX_MESSAGE_LENGTH = Wire.MAX_REMAINING_LENGTH + 5,
	MAX_WINDOW = 255,
	MAX_QUEUE = 255,
	MAX_RECEIVE = 1024,
	MAX_MS = 0x7FFF_FFFF, // milliseconds: the longest delay a timer takes, a signed 32-bit number
}

export function fail(method: string, argument: string, rule: string, type = false): never {
	const message = `${method}: ${argument} ${rule}`;
	throw type ? new TypeError(message) : new RangeError(message);
}

/** `value` when it is an integer in [min, max]; `unit` follows the range in the error. */
export function checkInteger(method: string, argument: string, value: unknown, min: number, max: number, unit = ""): number {
	if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
		fail(method, argument, `must be an integer from ${min} to ${max}${unit}, got ${describe(value)}`);
	return value as number;
}

/**
 * NodeMCU's Lua takes a string of decimal digits where it wants an integer (luaL_checkinteger
 * converts it), and mcconfig hands every value of its command line to `mc/config` as a string:
 * such a string becomes the integer it spells. Anything else comes back as it was, for the
 * caller's check to refuse. No RegExp: an image that has none would link XS's for this.
 */
export function fromDigits(value: unknown): unknown {
	if (typeof value !== "string" || !value.length || value.length > 10)
		return value;
	for (let i = 0; i < value.length; i++) {
		const c = value.charCodeAt(i);
		if (c < 0x30 || c > 0x39)
			return value;
	}
	return Number(value);
}

/** A boolean, NodeMCU's 0/1 or "0"/"1"; null and undefined are left to the caller's default. */
export function checkFlag(method: string, argument: string, value: unknown): boolean | 0 | 1 | null | undefined {
	const flag = fromDigits(value);
	if (flag != null && flag !== true && flag !== false && flag !== 0 && flag !== 1)
		fail(method, argument, `must be a boolean or 0/1, got ${describe(value)}`, true);
	return flag as boolean | 0 | 1 | null | undefined;
}

/** A handler may be omitted (null or undefined) but is otherwise a function. */
export function checkHandler(method: string, argument: string, value: unknown): void {
	if (value != null && typeof value !== "function")
		fail(method, argument, `must be a function, got ${typeof value}`, true);
}

/** A value as an error message shows it: strings quoted (without JSON, which would link XS's JSON code). */
export function describe(value: unknown): string {
	return typeof value === "string" ? `"${value}"` : String(value);
}

/** 0, 1 or 2, or the string of one of them. */
export function checkQos(method: string, argument: string, value: unknown): number {
	const qos = fromDigits(value);
	if (qos !== 0 && qos !== 1 && qos !== 2)
		fail(method, argument, `must be 0, 1 or 2, got ${describe(value)}`);
	return qos;
}

/**
 * Payload bytes: a string becomes UTF-8 by XS's native ArrayBuffer.fromString (no loop over its
 * characters in JavaScript), binary is viewed as it is.
 */
export function toBytes(method: string, argument: string, value: unknown): Uint8Array {
	if (typeof value === "string") {
		if (!value.isWellFormed()) // a lone surrogate is not encodable (1.5.3)
			fail(method, argument, "must be valid UTF-8 (lone surrogate)");
		return new Uint8Array(ArrayBuffer.fromString(value));
	}
	if (value instanceof ArrayBuffer)
		return new Uint8Array(value);
	if (ArrayBuffer.isView(value))
		return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
	return fail(method, argument, `must be a string, ArrayBuffer or typed array, got ${value === null ? "null" : typeof value}`, true);
}

/** Bytes whose length CONNECT gives in two bytes: a password, a will's message (3.1.3). */
export function shortBytes(method: string, argument: string, value: unknown): Uint8Array {
	const bytes = toBytes(method, argument, value);
	if (bytes.length > 65_535)
		fail(method, argument, `must be at most 65535 bytes, got ${bytes.length}`);
	return bytes;
}

export interface ClientSettings {
	fields: ConnectFields;
	session: SessionOptions;
}

/** The UTF-8 length of a string CONNECT carries (MQTT 1.5.3: at most 65535 bytes, no U+0000). */
function utf8Field(method: string, argument: string, value: unknown): number {
	if (typeof value !== "string")
		fail(method, argument, `must be a string, got ${typeof value}`, true);
	const bytes = utf8Length(value);
	if (bytes < 0)
		fail(method, argument, "must be valid UTF-8 (lone surrogate)");
	if (bytes > 65_535)
		fail(method, argument, `must be at most 65535 bytes of UTF-8, got ${bytes}`);
	if (value.indexOf("\u0000") >= 0)
		fail(method, argument, "must not contain U+0000 (MQTT 1.5.3-2)");
	return bytes;
}

/** mqtt.Client's arguments, NodeMCU's defaults filled in; `secure` is mqtt/secure when the image has TLS. */
export function clientSettings(
	clientid: unknown,
	keepalive: unknown,
	username: unknown,
	password: unknown,
	cleansession: unknown,
	max_message_length: unknown,
	options: ClientOptions | undefined,
	secure: Secure | undefined,
): ClientSettings {
	const m = "mqtt.Client";
	clientid ??= defaultClientId();
	const clientIdBytes = utf8Field(m, "clientid", clientid);
	keepalive = fromDigits(keepalive);
	if (keepalive == null || keepalive === 0) // 0, undefined and null mean the default; it cannot be turned off
		keepalive = Default.KEEPALIVE;
	checkInteger(m, "keepalive", keepalive, 0, 65_535, " seconds");
	const usernameBytes = username == null ? 0 : utf8Field(m, "username", username);
	let passwordBytes: Uint8Array | undefined;
	if (password != null) {
		passwordBytes = shortBytes(m, "password", password);
		if (!username) // 3.1.2-22
			fail(m, "password", "requires a non-empty username (MQTT 3.1.2-22)");
	}
	cleansession = checkFlag(m, "cleansession", cleansession ?? true);
	if (clientid === "" && !cleansession) // 3.1.3-7
		fail(m, "clientid", "may be empty only with cleansession 1 (MQTT 3.1.3-7)");
	max_message_length = fromDigits(max_message_length);
	if (max_message_length == null || max_message_length === 0)
		max_message_length = Default.MAX_MESSAGE_LENGTH;
	checkInteger(m, "max_message_length", max_message_length, Limit.MIN_MAX_MESSAGE_LENGTH, Limit.MAX_MAX_MESSAGE_LENGTH);
	if (options != null && typeof options !== "object")
		fail(m, "options", "must be an object", true);
	const o = options ?? {};
	const slots = " (each slot holds tables and a packet on a 32 KB heap)";
	const window = checkInteger(m, "options.window", o.window ?? 8, 1, Limit.MAX_WINDOW, slots);
	const queue = checkInteger(m, "options.queue", o.queue ?? 16, 1, Limit.MAX_QUEUE, slots);
	const receiveMaximum = checkInteger(
		m,
		"options.receiveMaximum",
		o.receiveMaximum ?? 32,
		1,
		Limit.MAX_RECEIVE,
		" (2 bytes each, held for the client's life)",
	);
	const ackTimeout = checkInteger(m, "options.ackTimeout", o.ackTimeout ?? (keepalive as number) * 1000, 100, Limit.MAX_MS, " ms");
	let reconnect: { min: number; max: number } | undefined;
	if (o.reconnect) {
		const r = o.reconnect === true ? {} : o.reconnect;
		const min = checkInteger(m, "options.reconnect.min", r.min ?? Default.RECONNECT_MIN, 1, Limit.MAX_MS, " ms");
		reconnect = { min, max: checkInteger(m, "options.reconnect.max", r.max ?? Default.RECONNECT_MAX, min, Limit.MAX_MS, " ms") };
	}
	if (o.tls != null) { // checked by secure.ts, which only an image with TLS holds
		if (!secure)
			throw new Error(`${m}: options.tls needs TLS in the image: include modules/mqtt/manifest_tls.json in the app's manifest`);
		secure.check(m, o.tls);
	}
	if (o.store != null && typeof (o.store as Partial<Store>).append !== "function")
		fail(m, "options.store", "must be a Store from mqtt/store", true);
	const fields: ConnectFields = {
		clientId: clientid as string,
		clientIdBytes,
		keepalive: keepalive as number,
		cleanSession: !!cleansession,
		username: (username as string | undefined) ?? undefined,
		usernameBytes,
		password: passwordBytes,
		willTopic: undefined,
		willTopicBytes: 0,
		willPayload: undefined,
		willQos: 0,
		willRetain: false,
	};
	const session: SessionOptions = {
		maxMessageLength: max_message_length as number,
		keepalive: keepalive as number,
		cleanSession: !!cleansession,
		binary: !!o.binary,
		window,
		queueLength: queue,
		receiveMaximum,
		ackTimeout,
		reconnect,
		random: Math.random,
		offlineQueue: !!(o.offlineQueue || o.store), // a store implies it
		// properties only when given: a slot of heap each without
		...o.tls ? { tls: o.tls } : undefined,
		...o.waitConnack ? { waitConnack: true } : undefined,
		...o.store ? { store: o.store } : undefined,
	};
	return { fields, session };
}
