/*
 * The NodeMCU `mqtt` module for Moddable: mqtt.Client(...) and the client's methods, events
 * and reason codes, as documented for NodeMCU (docs/modules/mqtt.md) with the fixes listed in
 * our behaviour notes. Arguments are checked here, at the API boundary (with arguments.ts);
 * errors name the argument and the rule it broke.
 */

import { Wire } from "./codec.js";
import { remainingLengthSize, subscribeRemaining, utf8Length } from "./encode.js";
import type { ConnectFields } from "./encode.js";
import { checkFlag, checkHandler, checkInteger, checkQos, clientSettings, describe, fail, fromDigits, shortBytes, toBytes } from "./arguments.js";
import { Session } from "./session.js";
import type { SessionOptions, SessionOwner } from "./session.js";
import type { TLSOptions } from "./link.js";
import type { Store } from "./store.js";
import { topicFilterError, topicNameError } from "./topic.js";
import { Ev, Fail, Publish } from "./tables.js";
import { Transport } from "./transport.js";
import Modules from "modules";
import type { MQTTClient5 } from "./client5.js";

export type { TLSOptions };

export type Payload = string | ArrayBuffer | ArrayBufferView;
export type QoS = 0 | 1 | 2;
/** A boolean or NodeMCU's 0/1 (or "0"/"1": see Numeric). */
export type Flag = boolean | 0 | 1 | "0" | "1";
/** A whole number, or a string of decimal digits ("1883"), which NodeMCU's Lua converts too. */
export type Numeric = number | `${number}`;
/**
 * What a QoS argument takes: 0, 1, 2 or "0", "1", "2". A literal outside them (3) is a type
 * error; a `number` or `string` variable, as a port of Lua code passes, is checked at run time.
 */
export type QoSArgument<Q> = Q extends QoS | `${QoS}` ? Q : number extends Q ? Q : string extends Q ? Q : QoS;
/** What a flag argument takes: Flag, or a `number` variable, checked at run time. */
export type FlagArgument<F> = F extends Flag | null | undefined ? F : number extends F ? F : Flag;
/** subscribe's table: { topic: qos } as in NodeMCU, or [[topic, qos], ...] (a string of a QoS passes at run time). */
export type SubscribeTable = Record<string, QoS> | [string, QoS][];
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
	 * Held QoS 1/2 publishes (a store's, offlineQueue's, those a lost connection left) go right
	 * behind CONNECT, before CONNACK, as MQTT 3.1.1 allows (3.1.4): a reading is acknowledged
	 * one round trip sooner. True makes them wait for CONNACK, for a broker that will not take
	 * packets before its CONNACK is out. Default false.
	 */
	waitConnack?: boolean;
	/**
	 * A Store (mqtt/store) in which every accepted QoS 1/2 publish is kept until acknowledged,
	 * so that it survives a reset; a client made with the same store after a restart sends what
	 * it finds after its first CONNACK. Implies offlineQueue. Default none.
	 */
	store?: Store;
	/**
	 * 5 speaks MQTT 5, which needs modules/mqtt/manifest_v5.json in the image (see MQTTClient5);
	 * 4, the default, is MQTT 3.1.1.
	 */
	protocolVersion?: 4 | 5;
	/** MQTT 5: seconds the broker keeps the session after the connection ends. Default 0 with cleansession 1, else 0xFFFFFFFF (never expires, as 3.1.1's). */
	sessionExpiry?: number;
	/** MQTT 5: topic aliases each way, at most 64: the broker's for us and ours for QoS 0 publishes. Default 0 (none). */
	topicAliases?: number;
	/** MQTT 5: CONNECT's user properties, [name, value] pairs in order. */
	userProperties?: readonly (readonly [string, string])[];
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
	/**
	 * Ours: every publish accepted is done (QoS 0 written to the socket, QoS 1 PUBACK, QoS 2
	 * PUBCOMP), after the puback events of the acknowledgements that finished it.
	 */
	drained: (client: MQTTClient<D>) => void;
}
export type EventName = keyof Events;

export interface MQTTClient<D extends Data = string> {
	lwt<Q extends number | string = 0, F extends Flag | number | null | undefined = 0>(
		topic: string,
		message: Payload,
		qos?: QoSArgument<Q> | null,
		retain?: FlagArgument<F>,
	): undefined;
	// the names spelt out rather than EventName, so that a misspelt event's type error lists them
	on<E extends "connect" | "connfail" | "offline" | "message" | "overflow" | "puback" | "suback" | "unsuback" | "drained">(
		event: E,
		handler: Events<D>[E] | null | undefined,
	): undefined;
	/**
	 * MQTT over WebSocket (with modules/mqtt/manifest_ws.json; wss:// also needs manifest_tls.json):
	 * `ws://host[:port][/path]` or `wss://host[:port][/path]`, port 80 or 443 by default, path "/".
	 */
	connect(url: `ws://${string}` | `wss://${string}`, onConnected?: Events<D>["connect"] | null, onFailed?: Events<D>["connfail"] | null): boolean;
	connect(host: string, onConnected?: Events<D>["connect"] | null, onFailed?: Events<D>["connfail"] | null): boolean;
	connect(host: string, port: Numeric | null | undefined, onConnected?: Events<D>["connect"] | null, onFailed?: Events<D>["connfail"] | null): boolean;
	connect(
		host: string,
		port: Numeric | null | undefined,
		secure: boolean | 0 | 1 | null | undefined,
		onConnected?: Events<D>["connect"] | null,
		onFailed?: Events<D>["connfail"] | null,
	): boolean;
	publish<Q extends number | string, F extends Flag | number | null | undefined = 0>(
		topic: string,
		payload: Payload,
		qos: QoSArgument<Q>,
		retain?: FlagArgument<F>,
		onPuback?: Events<D>["puback"] | null,
	): boolean;
	// one signature, not an overload per form: TypeScript 7 explains a failed overload call by the
	// last overload only, which blamed the topic for subscribe("t", 3)
	subscribe<T extends string | SubscribeTable, Q extends number | string = 0>(
		topicOrTable: T,
		...rest: T extends string ? [qos?: QoSArgument<Q> | null, onSuback?: Events<D>["suback"] | null] : [onSuback?: Events<D>["suback"] | null]
	): boolean;
	unsubscribe(topic: string | Record<string, unknown> | [string, unknown][], onUnsuback?: Events<D>["unsuback"] | null): boolean;
	close(): boolean;
	/** Packet id given to the latest publish, subscribe or unsubscribe (0 for QoS 0). */
	readonly packetId: number;
	/**
	 * Ours: publishes accepted and not yet done (QoS 0 not yet written, QoS 1/2 not yet
	 * acknowledged, with a store those it found after a reset); 0 when drained.
	 */
	readonly unacked: number;
}

/** The handlers' client with a string payload; kept for apps written before the generic. */
export type ConnectedHandler = Events["connect"];
export type FailedHandler = Events["connfail"];

// Internally every handler takes the client and up to two values; the public overloads type them.
type Handler = (client: MQTTClient<Data>, a?: any, b?: any, c?: any) => void;

// Handler slots, by event: the index of its name here, which is its Ev number.
const EVENTS: readonly string[] = Object.freeze(["", "connect", "connfail", "offline", "message", "overflow", "puback", "suback", "unsuback", "drained"]);

const enum Default {
	PORT = 1883,
}

export class Client implements MQTTClient, SessionOwner {
	protected session: Session;
	protected handlers: (Handler | undefined)[] = new Array(EVENTS.length);
	protected fields: ConnectFields;
	protected lastId = 0;
	private warnedSecureNumber = false;
	private topic: string | undefined; // the last topic published to, already checked
	private topicUtf8: Uint8Array | undefined; // and its UTF-8

	constructor(
		clientid?: unknown,
		keepalive?: unknown,
		username?: unknown,
		password?: unknown,
		cleansession?: unknown,
		max_message_length?: unknown,
		options?: ClientOptions,
	) {
		const settings = clientSettings(clientid, keepalive, username, password, cleansession, max_message_length, options, Transport.secure);
		this.fields = settings.fields;
		this.session = this.open(settings.session, options);
	}

	/** The session under the facade; MQTT 5's client (client5.ts) makes its own. */
	protected open(settings: SessionOptions, _options: ClientOptions | undefined): Session {
		return new Session(Transport.link(), this, settings);
	}

	get packetId(): number {
		return this.lastId;
	}

	get unacked(): number {
		return this.session.unacked;
	}

	lwt(topic: string, message: Payload, qos?: unknown, retain?: unknown): undefined {
		const error = topicNameError(topic);
		if (error)
			fail("lwt", "topic", error, typeof topic !== "string");
		const payload = shortBytes("lwt", "message", message);
		const level = checkQos("lwt", "qos", qos ?? 0), flag = checkFlag("lwt", "retain", retain);
		const fields = this.fields; // read at the next connect (3.1.2.5)
		fields.willTopic = topic;
		fields.willTopicBytes = utf8Length(topic);
		fields.willPayload = payload;
		fields.willQos = level;
		fields.willRetain = !!flag;
		return undefined;
	}

	on(event: EventName, handler: Handler | undefined): undefined {
		const index = EVENTS.indexOf(event);
		if (index < 1)
			fail("on", "event", `must be one of ${EVENTS.slice(1).join(", ")}, got ${describe(event)}`);
		checkHandler("on", "handler", handler);
		this.handlers[index] = handler ?? undefined;
		if (index === Ev.PUBACK)
			this.session.reportWritten = !!handler;
		else if (index === Ev.DRAINED)
			this.session.reportDrained = !!handler;
		return undefined;
	}

	connect(host: string, ...rest: unknown[]): boolean {
		const m = "connect";
		const closing = this.session.closing;
		if (!closing && !this.session.idle)
			throw new Error("connect: already connected");
		let i = 0;
		let port: unknown = Default.PORT, secure: unknown = false;
		if (i < rest.length && typeof rest[i] !== "function")
			port = rest[i++] ?? Default.PORT;
		if (i < rest.length && typeof rest[i] !== "function")
			secure = rest[i++] ?? false;
		if (typeof host === "string" && host.indexOf("/") >= 0) // a ws:// or wss:// URL, which holds the port and whether it is secure
			({ host, port, secure } = Transport.url(m, host, rest.slice(0, i)));
		else if (typeof host !== "string" || !host.length || host.length > 253)
			fail(m, "host", `must be a host name or IP address string, got ${describe(host)}`, typeof host !== "string");
		port = checkInteger(m, "port", fromDigits(port), 1, 65_535);
		if (secure === 0 || secure === 1) {
			if (!this.warnedSecureNumber) {
				this.warnedSecureNumber = true;
				trace("mqtt: connect(): secure as 0/1 is deprecated; use false/true\n");
			}
			secure = secure === 1;
		}
		if (typeof secure !== "boolean")
			fail(m, "secure", `must be a boolean, got ${describe(secure)}`, true);
		if (secure && !Transport.secure)
			throw new Error("connect: secure needs TLS in the image: include modules/mqtt/manifest_tls.json in the app's manifest");
		const connected = rest[i], failed = rest[i + 1];
		checkHandler(m, "onConnected", connected);
		checkHandler(m, "onFailed", failed);
		if (i + 2 < rest.length)
			fail(m, "arguments", `are (host[, port[, secure]][, onConnected[, onFailed]]), got ${rest.length + 1}`, true);
		if (connected) // the callbacks alias the connect and connfail events; nil keeps the old ones
			this.handlers[Ev.CONNECT] = connected as Handler;
		if (failed)
			this.handlers[Ev.CONNFAIL] = failed as Handler;
		this.session.connect(this.fields, host, port as number, secure as boolean);
		return true;
	}

	publish(topic: string, payload: Payload, qos: unknown, retain?: unknown, onPuback?: Handler): boolean {
		const m = "publish";
		if (topic !== this.topic) { // apps publish to the same few topics: check and encode each once
			const error = topicNameError(topic);
			if (error)
				fail(m, "topic", error, typeof topic !== "string");
			this.topicUtf8 = new Uint8Array(ArrayBuffer.fromString(topic));
			this.topic = topic;
		}
		const bytes = toBytes(m, "payload", payload);
		if (qos !== 0 && qos !== 1 && qos !== 2) // checked inline, as the flag below: this runs for every message
			qos = checkQos(m, "qos", qos);
		if (retain !== 0 && retain !== 1 && retain !== false && retain !== true && retain != null) // inline: every message
			retain = checkFlag(m, "retain", retain) ?? undefined;
		if (onPuback != null && typeof onPuback !== "function")
			checkHandler(m, "onPuback", onPuback);
		const topicUtf8 = this.topicUtf8!;
		if (bytes.length > Wire.MAX_REMAINING_LENGTH - 4 - topicUtf8.length)
			fail(m, "payload", `makes the packet larger than MQTT's 268435455 bytes (${bytes.length} bytes)`);
		const session = this.session;
		if (onPuback) { // one handler serves every publish, as documented
			this.handlers[Ev.PUBACK] = onPuback;
			session.reportWritten = true;
		}
		const id = session.publish(topicUtf8, bytes, qos as number, !!retain);
		if (id < 0) {
			if (id === Publish.NOT_CONNECTED)
				throw new Error("publish: not connected");
			return false;
		}
		this.lastId = id;
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
			qos.push(this.level(m, "qos", level));
			callback = rest[i];
		}
		else {
			this.table(m, topicOrTable, topics, qos);
			callback = rest[0];
		}
		checkHandler(m, "onSuback", callback);
		return this.request(m, topics, qos, callback as Handler | undefined, Ev.SUBACK);
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
		checkHandler(m, "onUnsuback", callback);
		return this.request(m, topics, undefined, callback as Handler | undefined, Ev.UNSUBACK);
	}

	/** Ends an established session (true); otherwise false, and an attempt under way goes on. */
	close(): boolean {
		if (!this.session.idle && !this.session.connected)
			return false; // connecting, or closing already
		this.session.stop(); // and no reconnecting by itself
		return this.session.close();
	}

	// SessionOwner

	connected(sessionPresent: boolean): void {
		this.emit(Ev.CONNECT, 1, sessionPresent);
	}

	connectFailed(reason: number): void {
		this.emit(Ev.CONNFAIL, 1, reason);
	}

	offline(): void {
		this.emit(Ev.OFFLINE, 0);
	}

	message(topic: string, data: Data | undefined): void {
		this.emit(Ev.MESSAGE, 2, topic, data);
	}

	overflow(topic: string, data: Data | undefined): void {
		this.emit(Ev.OVERFLOW, 2, topic, data);
	}

	published(id: number): void {
		this.emit(Ev.PUBACK, 1, id);
	}

	subscribed(id: number, granted: number[]): void {
		this.emit(Ev.SUBACK, 2, id, granted);
	}

	unsubscribed(id: number): void {
		this.emit(Ev.UNSUBACK, 1, id);
	}

	drained(): void {
		this.emit(Ev.DRAINED, 0);
	}

	/** Runs a handler with the client and `count` values; an exception is traced, never rethrown. */
	protected emit(index: number, count: number, a?: unknown, b?: unknown, c?: unknown): void {
		const handler = this.handlers[index];
		if (!handler)
			return;
		try {
			if (count === 2)
				handler(this, a, b);
			else if (count === 1)
				handler(this, a);
			else if (!count)
				handler(this);
			else
				handler(this, a, b, c); // MQTT 5's extras
		}
		catch (e) {
			trace(`mqtt: ${EVENTS[index]} handler threw: ${e}\n`);
		}
	}

	/** A subscription's QoS; MQTT 5's client (client5.ts) takes an options object too. */
	protected level(m: string, argument: string, value: unknown): number {
		return checkQos(m, argument, value);
	}

	/** Topic tables: a map { topic = qos } as in the Lua docs, or an array of [topic, qos] pairs. */
	protected table(m: string, table: unknown, topics: string[], qos: number[] | undefined): void {
		if (table === null || typeof table !== "object")
			fail(m, "topic", `must be a topic string or a table of topics, got ${table === null ? "null" : typeof table}`, true);
		const add = (topic: unknown, level: unknown) => {
			const error = topicFilterError(topic);
			if (error)
				fail(m, `topic ${describe(topic)}`, error);
			topics.push(topic as string);
			qos?.push(this.level(m, `qos of ${describe(topic)}`, level ?? 0));
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

	protected request(m: string, topics: string[], qos: number[] | undefined, callback: Handler | undefined, event: number): boolean {
		const sizes: number[] = [];
		for (const topic of topics)
			sizes.push(utf8Length(topic));
		if (subscribeRemaining(sizes, true) > Wire.MAX_REMAINING_LENGTH) // UNSUBSCRIBE's is smaller
			fail(m, "table", "makes the packet larger than MQTT's 268435455 bytes");
		const suback = 2 + topics.length, subackBytes = 1 + remainingLengthSize(suback) + suback, limit = this.session.maxMessageLength;
		if (qos && subackBytes > limit) // its SUBACK must fit the receive buffer
			fail(m, "table", `of ${topics.length} topics brings a SUBACK of ${subackBytes} bytes, more than max_message_length (${limit}); subscribe in parts`);
		if (!this.session.connected)
			throw new Error(`${m}: not connected`);
		if (callback)
			this.handlers[event] = callback;
		const id = this.session.subscribe(topics, sizes, qos);
		if (id < 0)
			return false;
		this.lastId = id;
		return true;
	}
}
Object.freeze(Client.prototype); // preloaded: a frozen prototype stays in flash

const V5 = "mqtt/client5";

/** mqtt.Client(clientid, keepalive[, username, password, cleansession, max_message_length[, options]]) */
function createClient(
	clientid: string | null | undefined,
	keepalive: Numeric | null | undefined,
	username: string | null | undefined,
	password: Payload | null | undefined,
	cleansession: Flag | null | undefined,
	max_message_length: Numeric | null | undefined,
	options: ClientOptions & { protocolVersion: 5; binary: true },
): MQTTClient5<ArrayBuffer>;
function createClient(
	clientid: string | null | undefined,
	keepalive: Numeric | null | undefined,
	username: string | null | undefined,
	password: Payload | null | undefined,
	cleansession: Flag | null | undefined,
	max_message_length: Numeric | null | undefined,
	options: ClientOptions & { protocolVersion: 5; binary?: false },
): MQTTClient5<string>;
function createClient(
	clientid?: string | null,
	keepalive?: Numeric | null,
	username?: string | null,
	password?: Payload | null,
	cleansession?: Flag | null,
	max_message_length?: Numeric | null,
	options?: ClientOptions & { binary?: false; protocolVersion?: 4 },
): MQTTClient<string>;
function createClient(
	clientid: string | null | undefined,
	keepalive: Numeric | null | undefined,
	username: string | null | undefined,
	password: Payload | null | undefined,
	cleansession: Flag | null | undefined,
	max_message_length: Numeric | null | undefined,
	options: ClientOptions & { binary: true; protocolVersion?: 4 },
): MQTTClient<ArrayBuffer>;
function createClient(
	clientid?: string | null,
	keepalive?: Numeric | null,
	username?: string | null,
	password?: Payload | null,
	cleansession?: Flag | null,
	max_message_length?: Numeric | null,
	options?: ClientOptions,
): MQTTClient<Data> | MQTTClient5<Data>;
function createClient(
	clientid?: string | null,
	keepalive?: Numeric | null,
	username?: string | null,
	password?: Payload | null,
	cleansession?: Flag | null,
	max_message_length?: Numeric | null,
	options?: ClientOptions,
): MQTTClient<Data> | MQTTClient5<Data> {
	const version = options?.protocolVersion;
	if (version === 5) {
		if (!Modules.has(V5))
			throw new Error("mqtt.Client: options.protocolVersion 5 needs MQTT 5 in the image: include modules/mqtt/manifest_v5.json in the app's manifest");
		return (Modules.importNow(V5) as { createClient5: typeof createClient }).createClient5(
			clientid,
			keepalive,
			username,
			password,
			cleansession,
			max_message_length,
			options!,
		);
	}
	if (version != null && version !== 4)
		fail("mqtt.Client", "options.protocolVersion", `must be 4 (MQTT 3.1.1) or 5, got ${describe(version)}`);
	return new Client(clientid, keepalive, username, password, cleansession, max_message_length, options);
}

const mqtt = Object.freeze({
	Client: createClient,
	CONN_FAIL_SERVER_NOT_FOUND: Fail.SERVER_NOT_FOUND,
	CONN_FAIL_NOT_A_CONNACK_MSG: Fail.NOT_A_CONNACK_MSG,
	CONN_FAIL_DNS: Fail.DNS,
	CONN_FAIL_TIMEOUT_RECEIVING: Fail.TIMEOUT_RECEIVING,
	CONN_FAIL_TIMEOUT_SENDING: Fail.TIMEOUT_SENDING,
	CONNACK_ACCEPTED: 0,
	CONNACK_REFUSED_PROTOCOL_VER: 1,
	CONNACK_REFUSED_ID_REJECTED: 2,
	CONNACK_REFUSED_SERVER_UNAVAILABLE: 3,
	CONNACK_REFUSED_BAD_USER_OR_PASS: 4,
	CONNACK_REFUSED_NOT_AUTHORIZED: 5,
});

export default mqtt;
