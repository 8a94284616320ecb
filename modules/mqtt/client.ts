/*
 * The NodeMCU `mqtt` module for Moddable: mqtt.Client(...) and the client's methods, events
 * and reason codes, as documented for NodeMCU (docs/modules/mqtt.md) with the fixes listed in
 * our behaviour notes. Arguments are checked here, at the API boundary; errors name the
 * argument and the rule it broke.
 */

import { MAX_REMAINING_LENGTH } from "./codec.js";
import { remainingLengthSize, utf8Length } from "./encode.js";
import type { ConnectFields } from "./encode.js";
import {
	Session,
	CONN_FAIL_SERVER_NOT_FOUND, CONN_FAIL_NOT_A_CONNACK_MSG, CONN_FAIL_DNS, CONN_FAIL_TIMEOUT_RECEIVING, CONN_FAIL_TIMEOUT_SENDING,
} from "./session.js";
import type { SessionOwner } from "./session.js";
import type { TLSOptions } from "./link.js";
import type { Store } from "./store.js";
import { topicFilterError, topicNameError } from "./topic.js";
import { Transport } from "./transport.js";
import defaultClientId from "./identity.js";

export type { TLSOptions };

export type Payload = string | ArrayBuffer | ArrayBufferView;
export type Flag = boolean | 0 | 1;
export type QoS = 0 | 1 | 2;
/** What message and overflow handlers receive: a string, or an ArrayBuffer with `binary`. */
export type Data = string | ArrayBuffer;

/** Options beyond the NodeMCU arguments; every field is optional. */
export interface ClientOptions {
	/** Deliver message payloads as ArrayBuffer instead of string. Default false. */
	binary?: boolean;
	/** QoS 1/2 publishes, subscribes and unsubscribes in flight at once. Default 8. */
	window?: number;
	/** Packets that may wait behind the window before publish() returns false. Default 16. */
	queue?: number;
	/**
	 * Incoming QoS 2 messages remembered between PUBLISH and PUBREL, so that a resend is
	 * delivered once. Default 32; set the broker's in-flight limit for the client no higher.
	 */
	receiveMaximum?: number;
	/** Milliseconds an acknowledgement may take before the link is declared dead. Default: keepalive. */
	ackTimeout?: number;
	/** Certificate settings for connect(..., secure = true). */
	tls?: TLSOptions;
	/** Reconnect by itself after offline or a failed attempt, with exponential backoff and jitter. */
	reconnect?: boolean | { min?: number; max?: number };
	/**
	 * QoS 1 and 2 publishes are accepted while there is no session, into the queue, and go out
	 * after the next CONNACK; with cleansession 1 they, and those unacknowledged when a session
	 * ends, are sent again in the next one (at least once). Default false, as in NodeMCU.
	 */
	offlineQueue?: boolean;
	/**
	 * A Store (mqtt/store) in which every accepted QoS 1/2 publish is kept until acknowledged,
	 * so that it survives a reset; a client made with the same store after a restart sends what
	 * it finds after its first CONNACK. Implies offlineQueue. Default none.
	 */
	store?: Store;
}

/** Every event and the handler it takes; `D` is what a message carries (see Data). */
export interface Events<D extends Data = string> {
	connect: (client: MQTTClient<D>, sessionPresent: boolean) => void;
	connfail: (client: MQTTClient<D>, reason: number) => void;
	offline: (client: MQTTClient<D>) => void;
	/** `data` is undefined for an empty payload. */
	message: (client: MQTTClient<D>, topic: string, data: D | undefined) => void;
	/** The first bytes of a message larger than max_message_length. */
	overflow: (client: MQTTClient<D>, topic: string, data: D | undefined) => void;
	puback: (client: MQTTClient<D>, packetId: number) => void;
	/** One granted QoS per topic asked for; 0x80 marks a refusal. */
	suback: (client: MQTTClient<D>, packetId: number, granted: number[]) => void;
	unsuback: (client: MQTTClient<D>, packetId: number) => void;
}
export type EventName = keyof Events;

export interface MQTTClient<D extends Data = string> {
	lwt(topic: string, message: Payload, qos?: QoS, retain?: Flag): undefined;
	on<E extends "connect" | "connfail" | "offline" | "message" | "overflow" | "puback" | "suback" | "unsuback">(event: E, handler: Events<D>[E] | null | undefined): undefined;
	connect(host: string, onConnected?: Events<D>["connect"] | null, onFailed?: Events<D>["connfail"] | null): boolean;
	connect(host: string, port: number | null | undefined, onConnected?: Events<D>["connect"] | null, onFailed?: Events<D>["connfail"] | null): boolean;
	connect(host: string, port: number | null | undefined, secure: boolean | 0 | 1 | null | undefined, onConnected?: Events<D>["connect"] | null, onFailed?: Events<D>["connfail"] | null): boolean;
	publish(topic: string, payload: Payload, qos: QoS, retain?: Flag, onPuback?: Events<D>["puback"] | null): boolean;
	subscribe(topic: string, qos?: QoS, onSuback?: Events<D>["suback"] | null): boolean;
	subscribe(table: Record<string, QoS> | [string, QoS][], onSuback?: Events<D>["suback"] | null): boolean;
	unsubscribe(topic: string | Record<string, unknown> | [string, unknown][], onUnsuback?: Events<D>["unsuback"] | null): boolean;
	close(): boolean;
	/** Packet id given to the latest publish, subscribe or unsubscribe (0 for QoS 0). */
	readonly packetId: number;
}

/** The handlers' client with a string payload; kept for apps written before the generic. */
export type ConnectedHandler = Events["connect"];
export type FailedHandler = Events["connfail"];

// Internally every handler takes the client and up to two values; the public overloads type them.
type Handler = (client: MQTTClient<Data>, a?: any, b?: any) => void;

// Handler slots, by event: the index of its name here.
const EVENTS: readonly string[] = Object.freeze(["", "connect", "connfail", "offline", "message", "overflow", "puback", "suback", "unsuback"]);
const ON_CONNECT = 1;
const ON_CONNFAIL = 2;
const ON_OFFLINE = 3;
const ON_MESSAGE = 4;
const ON_OVERFLOW = 5;
const ON_PUBACK = 6;
const ON_SUBACK = 7;
const ON_UNSUBACK = 8;

const DEFAULT_PORT = 1883;
const DEFAULT_KEEPALIVE = 60;
const DEFAULT_MAX_MESSAGE_LENGTH = 1024;
const MIN_MAX_MESSAGE_LENGTH = 32;
const MAX_MAX_MESSAGE_LENGTH = MAX_REMAINING_LENGTH + 5;
const RECONNECT_MIN = 1_000;
const RECONNECT_MAX = 60_000;
// What the device can hold: a window slot costs about 36 bytes of tables before its packet, a
// queue slot about 20, a remembered QoS 2 id 2, all on an XS heap of 32 KB.
const MAX_WINDOW = 255;
const MAX_QUEUE = 255;
const MAX_RECEIVE = 1024;

function fail(method: string, argument: string, rule: string, type = false): never {
	const message = `${method}: ${argument} ${rule}`;
	throw type ? new TypeError(message) : new RangeError(message);
}

function isFlag(value: unknown): value is Flag {
	return value === true || value === false || value === 0 || value === 1;
}

function integerIn(value: unknown, min: number, max: number): boolean {
	return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

const isBuffer = (value: unknown) => value instanceof ArrayBuffer;

function checkTls(m: string, tls: TLSOptions): void {
	if (typeof tls !== "object")
		fail(m, "options.tls", "must be an object", true);
	if (tls.certificate !== undefined && !isBuffer(tls.certificate))
		fail(m, "options.tls.certificate", "must be an ArrayBuffer holding a DER certificate", true);
	const chain = tls.clientCertificates;
	if (chain !== undefined && (!Array.isArray(chain) || !chain.length || !chain.every(isBuffer)))
		fail(m, "options.tls.clientCertificates", "must be a non-empty array of ArrayBuffers holding DER certificates, the device's first", true);
	if (tls.clientKey !== undefined && !isBuffer(tls.clientKey))
		fail(m, "options.tls.clientKey", "must be an ArrayBuffer holding a PKCS#8 DER key", true);
	if ((chain === undefined) !== (tls.clientKey === undefined))
		fail(m, "options.tls.clientKey", "and options.tls.clientCertificates must be given together");
	const alpn = tls.alpn;
	if (alpn !== undefined && typeof alpn !== "string" && !(Array.isArray(alpn) && alpn.length && alpn.every((name) => typeof name === "string")))
		fail(m, "options.tls.alpn", "must be a protocol name or an array of them", true);
}

/** A value as an error message shows it: strings quoted (without JSON, which would link XS's JSON code). */
function describe(value: unknown): string {
	return typeof value === "string" ? `"${value}"` : String(value);
}

function checkQos(method: string, argument: string, qos: unknown): number {
	if (qos !== 0 && qos !== 1 && qos !== 2)
		fail(method, argument, `must be 0, 1 or 2, got ${describe(qos)}`);
	return qos as number;
}

/**
 * Payload bytes: a string becomes UTF-8 by XS's native ArrayBuffer.fromString (no loop over its
 * characters in JavaScript), binary is viewed as it is.
 */
function toBytes(method: string, argument: string, value: unknown): Uint8Array {
	if (typeof value === "string") {
		if (!value.isWellFormed())	// a lone surrogate is not encodable (1.5.3)
			fail(method, argument, "must be valid UTF-8 (lone surrogate)");
		return new Uint8Array(ArrayBuffer.fromString(value));
	}
	if (value instanceof ArrayBuffer)
		return new Uint8Array(value);
	if (ArrayBuffer.isView(value))
		return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
	return fail(method, argument, `must be a string, ArrayBuffer or typed array, got ${typeof value}`, true);
}

class Client implements MQTTClient, SessionOwner {
	#session: Session;
	#handlers: (Handler | undefined)[] = new Array(EVENTS.length);
	#fields: ConnectFields;
	#tls: TLSOptions | undefined;
	#packetId = 0;
	#warnedSecureNumber = false;
	#topic: string | undefined;	// the last topic published to, already checked
	#topicUtf8: Uint8Array | undefined;	// and its UTF-8

	constructor(clientid?: unknown, keepalive?: unknown, username?: unknown, password?: unknown, cleansession?: unknown, max_message_length?: unknown, options?: ClientOptions) {
		const m = "mqtt.Client";
		clientid ??= defaultClientId();
		if (typeof clientid !== "string")
			fail(m, "clientid", `must be a string, got ${typeof clientid}`, true);
		const clientIdBytes = utf8Length(clientid);
		if (clientIdBytes < 0 || clientIdBytes > 65_535)
			fail(m, "clientid", "must be at most 65535 bytes of valid UTF-8");
		if (clientid.indexOf("\u0000") >= 0)
			fail(m, "clientid", "must not contain U+0000 (MQTT 1.5.3-2)");
		if (!keepalive && keepalive !== false)	// 0, undefined and null mean the default; it cannot be turned off
			keepalive = DEFAULT_KEEPALIVE;
		if (!integerIn(keepalive, 0, 65_535))
			fail(m, "keepalive", `must be an integer from 0 to 65535 seconds, got ${describe(keepalive)}`);
		if (username != null && typeof username !== "string")
			fail(m, "username", `must be a string, got ${typeof username}`, true);
		if (typeof username === "string" && utf8Length(username) < 0)
			fail(m, "username", "must be valid UTF-8 (lone surrogate)");
		if (typeof username === "string" && username.indexOf("\u0000") >= 0)
			fail(m, "username", "must not contain U+0000 (MQTT 1.5.3-2)");
		let passwordBytes: Uint8Array | undefined;
		if (password != null) {
			passwordBytes = toBytes(m, "password", password);
			if (!username)	// 3.1.2-22
				fail(m, "password", "requires a non-empty username (MQTT 3.1.2-22)");
		}
		cleansession ??= true;
		if (!isFlag(cleansession))
			fail(m, "cleansession", `must be a boolean or 0/1, got ${describe(cleansession)}`, true);
		if (clientid === "" && !cleansession)	// 3.1.3-7
			fail(m, "clientid", "may be empty only with cleansession 1 (MQTT 3.1.3-7)");
		if (!max_message_length)
			max_message_length = DEFAULT_MAX_MESSAGE_LENGTH;
		if (!integerIn(max_message_length, MIN_MAX_MESSAGE_LENGTH, MAX_MAX_MESSAGE_LENGTH))
			fail(m, "max_message_length", `must be an integer from ${MIN_MAX_MESSAGE_LENGTH} to ${MAX_MAX_MESSAGE_LENGTH}, got ${describe(max_message_length)}`);
		if (options != null && typeof options !== "object")
			fail(m, "options", "must be an object", true);
		const o = options ?? {};
		const window = o.window ?? 8;
		if (!integerIn(window, 1, MAX_WINDOW))
			fail(m, "options.window", `must be an integer from 1 to ${MAX_WINDOW} (each slot holds tables and a packet on a 32 KB heap), got ${describe(window)}`);
		const queue = o.queue ?? 16;
		if (!integerIn(queue, 1, MAX_QUEUE))
			fail(m, "options.queue", `must be an integer from 1 to ${MAX_QUEUE} (each slot holds tables and a packet on a 32 KB heap), got ${describe(queue)}`);
		const receiveMaximum = o.receiveMaximum ?? 32;
		if (!integerIn(receiveMaximum, 1, MAX_RECEIVE))
			fail(m, "options.receiveMaximum", `must be an integer from 1 to ${MAX_RECEIVE} (2 bytes each, held for the client's life), got ${describe(receiveMaximum)}`);
		const ackTimeout = o.ackTimeout ?? (keepalive as number) * 1000;
		if (!integerIn(ackTimeout, 100, 0x7FFFFFFF))
			fail(m, "options.ackTimeout", `must be an integer number of milliseconds of at least 100, got ${describe(ackTimeout)}`);
		let reconnect: { min: number; max: number } | undefined;
		if (o.reconnect) {
			const r = o.reconnect === true ? {} : o.reconnect;
			const min = r.min ?? RECONNECT_MIN, max = r.max ?? RECONNECT_MAX;
			if (!integerIn(min, 1, 0x7FFFFFFF) || !integerIn(max, min, 0x7FFFFFFF))
				fail(m, "options.reconnect", "needs integer milliseconds with 1 <= min <= max");
			reconnect = { min, max };
		}
		if (o.tls != null)
			checkTls(m, o.tls);
		if (o.store != null && typeof (o.store as Partial<Store>).append !== "function")
			fail(m, "options.store", "must be a Store from mqtt/store", true);
		this.#tls = o.tls;
		this.#fields = {
			clientId: clientid,
			clientIdBytes,
			keepalive: keepalive as number,
			cleanSession: !!cleansession,
			username: (username as string | undefined) ?? undefined,
			usernameBytes: typeof username === "string" ? utf8Length(username) : 0,
			password: passwordBytes,
			willTopic: undefined,
			willTopicBytes: 0,
			willPayload: undefined,
			willQos: 0,
			willRetain: false,
		};
		this.#session = new Session(new Transport(), this, {
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
			offlineQueue: !!o.offlineQueue,
			...o.store ? { store: o.store } : undefined,	// a property only with a store: a slot of heap without
		});
	}

	get packetId(): number {
		return this.#packetId;
	}

	lwt(topic: string, message: Payload, qos: number = 0, retain: Flag = 0): undefined {
		const error = topicNameError(topic);
		if (error)
			fail("lwt", "topic", error, typeof topic !== "string");
		const payload = toBytes("lwt", "message", message);
		if (payload.length > 65_535)
			fail("lwt", "message", `must be at most 65535 bytes, got ${payload.length}`);
		qos = checkQos("lwt", "qos", qos ?? 0);
		retain ??= 0;
		if (!isFlag(retain))
			fail("lwt", "retain", `must be a boolean or 0/1, got ${describe(retain)}`, true);
		const fields = this.#fields;	// read at the next connect (3.1.2.5)
		fields.willTopic = topic;
		fields.willTopicBytes = utf8Length(topic);
		fields.willPayload = payload;
		fields.willQos = qos;
		fields.willRetain = !!retain;
		return undefined;
	}

	on(event: EventName, handler: Handler | undefined): undefined {
		const index = EVENTS.indexOf(event);
		if (index < 1)
			fail("on", "event", `must be one of ${EVENTS.slice(1).join(", ")}, got ${describe(event)}`);
		if (handler != null && typeof handler !== "function")
			fail("on", "handler", `must be a function, got ${typeof handler}`, true);
		this.#handlers[index] = handler ?? undefined;
		if (index === ON_PUBACK)
			this.#session.reportWritten = !!handler;
		return undefined;
	}

	connect(host: string, ...rest: unknown[]): boolean {
		const m = "connect";
		const closing = this.#session.closing;
		if (!closing && !this.#session.idle)
			throw new Error("connect: already connected");
		if (typeof host !== "string" || !host.length || host.length > 253)
			fail(m, "host", `must be a host name or IP address string, got ${describe(host)}`, typeof host !== "string");
		let i = 0;
		let port: unknown = DEFAULT_PORT, secure: unknown = false;
		if (i < rest.length && typeof rest[i] !== "function")
			port = rest[i++] ?? DEFAULT_PORT;
		if (i < rest.length && typeof rest[i] !== "function")
			secure = rest[i++] ?? false;
		if (!integerIn(port, 1, 65_535))
			fail(m, "port", `must be an integer from 1 to 65535, got ${describe(port)}`);
		if (secure === 0 || secure === 1) {
			if (!this.#warnedSecureNumber) {
				this.#warnedSecureNumber = true;
				trace("mqtt: connect(): secure as 0/1 is deprecated; use false/true\n");
			}
			secure = secure === 1;
		}
		if (typeof secure !== "boolean")
			fail(m, "secure", `must be a boolean, got ${describe(secure)}`, true);
		if (secure && !Transport.secureAvailable)
			throw new Error("connect: secure needs TLS in the image: include modules/mqtt/manifest_tls.json in the app's manifest");
		const connected = rest[i], failed = rest[i + 1];
		if (connected != null && typeof connected !== "function")
			fail(m, "onConnected", "must be a function", true);
		if (failed != null && typeof failed !== "function")
			fail(m, "onFailed", "must be a function", true);
		if (i + 2 < rest.length)
			fail(m, "arguments", `are (host[, port[, secure]][, onConnected[, onFailed]]), got ${rest.length + 1}`, true);
		if (connected)	// the callbacks alias the connect and connfail events; nil keeps the old ones
			this.#handlers[ON_CONNECT] = connected as Handler;
		if (failed)
			this.#handlers[ON_CONNFAIL] = failed as Handler;
		this.#session.connect(this.#fields, host, port as number, secure as boolean, this.#tls);
		return true;
	}

	publish(topic: string, payload: Payload, qos: number, retain?: Flag, onPuback?: Handler): boolean {
		const m = "publish";
		if (topic !== this.#topic) {	// apps publish to the same few topics: check and encode each once
			const error = topicNameError(topic);
			if (error)
				fail(m, "topic", error, typeof topic !== "string");
			this.#topicUtf8 = new Uint8Array(ArrayBuffer.fromString(topic));
			this.#topic = topic;
		}
		if (payload === null)
			fail(m, "payload", "must be a string, ArrayBuffer or typed array, got null", true);
		const bytes = toBytes(m, "payload", payload);
		if (qos !== 0 && qos !== 1 && qos !== 2)	// checked inline, as the flag below: this runs for every message
			checkQos(m, "qos", qos);
		if (retain !== 0 && retain !== 1 && retain !== false && retain !== true && retain !== undefined && retain !== null)
			fail(m, "retain", `must be a boolean or 0/1, got ${describe(retain)}`, true);
		if (onPuback != null && typeof onPuback !== "function")
			fail(m, "onPuback", "must be a function", true);
		const topicUtf8 = this.#topicUtf8!;
		if (bytes.length > MAX_REMAINING_LENGTH - 4 - topicUtf8.length)
			fail(m, "payload", `makes the packet larger than MQTT's 268435455 bytes (${bytes.length} bytes)`);
		if (!this.#session.connected && !(qos && this.#session.queuesOffline))
			throw new Error("publish: not connected");
		if (onPuback) {	// one handler serves every publish, as documented
			this.#handlers[ON_PUBACK] = onPuback;
			this.#session.reportWritten = true;
		}
		const id = this.#session.publish(topicUtf8, bytes, qos, !!retain);
		if (id < 0)
			return false;
		this.#packetId = id;
		return true;
	}

	subscribe(topicOrTable: unknown, ...rest: unknown[]): boolean {
		const m = "subscribe";
		const topics: string[] = [];
		const qos: number[] = [];
		let callback: unknown;
		if (typeof topicOrTable === "string") {
			const error = topicFilterError(topicOrTable);
			if (error)
				fail(m, "topic", error);
			let i = 0;
			const level = typeof rest[0] === "function" ? 0 : (i++, rest[0] ?? 0);
			topics.push(topicOrTable);
			qos.push(checkQos(m, "qos", level));
			callback = rest[i];
		}
		else {
			this.table(m, topicOrTable, topics, qos);
			callback = rest[0];
		}
		if (callback != null && typeof callback !== "function")
			fail(m, "onSuback", "must be a function", true);
		return this.request(m, topics, qos, callback as Handler | undefined, ON_SUBACK);
	}

	unsubscribe(topicOrTable: unknown, callback?: unknown): boolean {
		const m = "unsubscribe";
		const topics: string[] = [];
		if (typeof topicOrTable === "string") {
			const error = topicFilterError(topicOrTable);
			if (error)
				fail(m, "topic", error);
			topics.push(topicOrTable);
		}
		else
			this.table(m, topicOrTable, topics, undefined);
		if (callback != null && typeof callback !== "function")
			fail(m, "onUnsuback", "must be a function", true);
		return this.request(m, topics, undefined, callback as Handler | undefined, ON_UNSUBACK);
	}

	/** Ends an established session (true); otherwise false, and an attempt under way goes on. */
	close(): boolean {
		if (!this.#session.idle && !this.#session.connected)
			return false;	// connecting, or closing already
		this.#session.stop();	// and no reconnecting by itself
		return this.#session.close();
	}

	// SessionOwner

	connected(sessionPresent: boolean): void {
		this.emit(ON_CONNECT, 1, sessionPresent);
	}

	connectFailed(reason: number): void {
		this.emit(ON_CONNFAIL, 1, reason);
	}

	offline(): void {
		this.emit(ON_OFFLINE, 0);
	}

	message(topic: string, data: Data | undefined): void {
		this.emit(ON_MESSAGE, 2, topic, data);
	}

	overflow(topic: string, data: Data | undefined): void {
		this.emit(ON_OVERFLOW, 2, topic, data);
	}

	published(id: number): void {
		this.emit(ON_PUBACK, 1, id);
	}

	subscribed(id: number, granted: number[]): void {
		this.emit(ON_SUBACK, 2, id, granted);
	}

	unsubscribed(id: number): void {
		this.emit(ON_UNSUBACK, 1, id);
	}

	/** Runs a handler with the client and `count` values; an exception is traced, never rethrown. */
	private emit(index: number, count: number, a?: unknown, b?: unknown): void {
		const handler = this.#handlers[index];
		if (!handler)
			return;
		try {
			if (count === 2)
				handler(this, a, b);
			else if (count === 1)
				handler(this, a);
			else
				handler(this);
		}
		catch (e) {
			trace(`mqtt: ${EVENTS[index]} handler threw: ${e}\n`);
		}
	}

	/** Topic tables: a map { topic = qos } as in the Lua docs, or an array of [topic, qos] pairs. */
	private table(m: string, table: unknown, topics: string[], qos: number[] | undefined): void {
		if (table === null || typeof table !== "object")
			fail(m, "topic", `must be a topic string or a table of topics, got ${table === null ? "null" : typeof table}`, true);
		const add = (topic: unknown, level: unknown) => {
			const error = topicFilterError(topic);
			if (error)
				fail(m, `topic ${describe(topic)}`, error);
			topics.push(topic as string);
			qos?.push(checkQos(m, `qos of ${describe(topic)}`, level ?? 0));
		};
		if (Array.isArray(table)) {
			for (const entry of table) {
				if (!Array.isArray(entry))
					fail(m, "table", "entries must be [topic, qos] pairs", true);
				add(entry[0], entry[1]);
			}
		}
		else {
			for (const topic of Object.keys(table))
				add(topic, (table as Record<string, unknown>)[topic]);
		}
		if (!topics.length)
			fail(m, "table", "must name at least one topic");
	}

	private request(m: string, topics: string[], qos: number[] | undefined, callback: Handler | undefined, event: number): boolean {
		const sizes: number[] = [];
		let total = 2;
		for (const topic of topics) {
			const bytes = utf8Length(topic);
			sizes.push(bytes);
			total += 3 + bytes;
		}
		if (total > MAX_REMAINING_LENGTH)
			fail(m, "table", "makes the packet larger than MQTT's 268435455 bytes");
		const suback = 2 + topics.length, limit = this.#session.maxMessageLength;
		if (qos && 1 + remainingLengthSize(suback) + suback > limit)	// its SUBACK must fit the receive buffer
			fail(m, "table", `of ${topics.length} topics brings a SUBACK of ${1 + remainingLengthSize(suback) + suback} bytes, more than max_message_length (${limit}); subscribe in parts`);
		if (!this.#session.connected)
			throw new Error(`${m}: not connected`);
		if (callback)
			this.#handlers[event] = callback;
		const id = this.#session.subscribe(topics, sizes, qos);
		if (id < 0)
			return false;
		this.#packetId = id;
		return true;
	}
}
Object.freeze(Client.prototype);	// preloaded: a frozen prototype stays in flash

/** mqtt.Client(clientid, keepalive[, username, password, cleansession, max_message_length[, options]]) */
function createClient(clientid?: string | null, keepalive?: number | null, username?: string | null, password?: Payload | null, cleansession?: Flag | null, max_message_length?: number | null, options?: ClientOptions & { binary?: false }): MQTTClient<string>;
function createClient(clientid: string | null | undefined, keepalive: number | null | undefined, username: string | null | undefined, password: Payload | null | undefined, cleansession: Flag | null | undefined, max_message_length: number | null | undefined, options: ClientOptions & { binary: true }): MQTTClient<ArrayBuffer>;
function createClient(clientid?: string | null, keepalive?: number | null, username?: string | null, password?: Payload | null, cleansession?: Flag | null, max_message_length?: number | null, options?: ClientOptions): MQTTClient<Data>;
function createClient(clientid?: string | null, keepalive?: number | null, username?: string | null, password?: Payload | null, cleansession?: Flag | null, max_message_length?: number | null, options?: ClientOptions): MQTTClient<Data> {
	return new Client(clientid, keepalive, username, password, cleansession, max_message_length, options);
}

const mqtt = Object.freeze({
	Client: createClient,
	CONN_FAIL_SERVER_NOT_FOUND,
	CONN_FAIL_NOT_A_CONNACK_MSG,
	CONN_FAIL_DNS,
	CONN_FAIL_TIMEOUT_RECEIVING,
	CONN_FAIL_TIMEOUT_SENDING,
	CONNACK_ACCEPTED: 0,
	CONNACK_REFUSED_PROTOCOL_VER: 1,
	CONNACK_REFUSED_ID_REJECTED: 2,
	CONNACK_REFUSED_SERVER_UNAVAILABLE: 3,
	CONNACK_REFUSED_BAD_USER_OR_PASS: 4,
	CONNACK_REFUSED_NOT_AUTHORIZED: 5,
});

export default mqtt;
