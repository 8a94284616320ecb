/*
 * mqtt.Client over MQTT 5, for `options.protocolVersion: 5`: NodeMCU's API as client.ts has it,
 * with MQTT 5's extras in optional trailing arguments (properties objects, a subscription's
 * options in place of its QoS, close's reason code) and in extra handler arguments (reason codes
 * and properties). Only manifest_v5.json brings this module; mqtt.Client finds it with
 * Modules.importNow, so an image that stays on 3.1.1 carries none of it.
 */

import { checkInteger } from "./arguments.js";
import {
	checkDisconnectReason,
	checkSubscriptionOptions,
	connectUserProperties,
	disconnectProperties,
	messageProperties,
	requestProperties,
} from "./arguments5.js";
import type {
	DisconnectProperties,
	MessageProperties,
	ReceivedProperties,
	SubscribeProperties,
	SubscriptionOptions,
	UserProperties,
	WillProperties,
} from "./arguments5.js";
import { Client } from "./client.js";
import type { ClientOptions, Data, Flag, Payload, QoS } from "./client.js";
import type { OutProperties } from "./codec5.js";
import type { SessionOptions } from "./session.js";
import { Session5 } from "./session5.js";
import type { Connack } from "./session5.js";
import { Ev } from "./tables.js";
import { Transport } from "./transport.js";

export type { Connack, DisconnectProperties, MessageProperties, ReceivedProperties, SubscribeProperties, SubscriptionOptions, UserProperties, WillProperties };

/** What the handlers of an MQTT 5 client receive after NodeMCU's arguments. */
export interface Events5<D extends Data = string> {
	/** `connack`: the CONNACK's reason code (0) and the properties it had. */
	connect: (client: MQTTClient5<D>, sessionPresent: boolean, connack: Connack) => void;
	/** `reason`: a CONN_FAIL_* value, or the CONNACK's reason code (0x80 and above) with its properties. */
	connfail: (
		client: MQTTClient5<D>,
		reason: number,
		properties?: { reasonString?: string; userProperties?: UserProperties; serverReference?: string },
	) => void;
	/** `reason`: the server's DISCONNECT reason code, when it sent one. */
	offline: (
		client: MQTTClient5<D>,
		reason?: number,
		properties?: { reasonString?: string; userProperties?: UserProperties; serverReference?: string },
	) => void;
	message: (client: MQTTClient5<D>, topic: string, data: D | undefined, properties?: ReceivedProperties) => void;
	overflow: (client: MQTTClient5<D>, topic: string, data: D | undefined, properties?: ReceivedProperties) => void;
	/** `reason`: the PUBACK's or PUBCOMP's (or a failed PUBREC's) reason code; none for QoS 0. */
	puback: (client: MQTTClient5<D>, packetId: number, reason?: number, properties?: { reasonString?: string; userProperties?: UserProperties }) => void;
	/** `granted`: one reason code per filter: the QoS granted, or 0x80 and above for a refusal. */
	suback: (client: MQTTClient5<D>, packetId: number, granted: number[], properties?: { reasonString?: string; userProperties?: UserProperties }) => void;
	/** `codes`: one reason code per filter (0, 0x11 no subscription existed, 0x80 and above a refusal). */
	unsuback: (client: MQTTClient5<D>, packetId: number, codes: number[], properties?: { reasonString?: string; userProperties?: UserProperties }) => void;
}

export interface MQTTClient5<D extends Data = string> {
	lwt(topic: string, message: Payload, qos?: QoS, retain?: Flag, properties?: WillProperties): undefined;
	on<E extends "connect" | "connfail" | "offline" | "message" | "overflow" | "puback" | "suback" | "unsuback">(
		event: E,
		handler: Events5<D>[E] | null | undefined,
	): undefined;
	connect(host: string, onConnected?: Events5<D>["connect"] | null, onFailed?: Events5<D>["connfail"] | null): boolean;
	connect(host: string, port: number | null | undefined, onConnected?: Events5<D>["connect"] | null, onFailed?: Events5<D>["connfail"] | null): boolean;
	connect(
		host: string,
		port: number | null | undefined,
		secure: boolean | null | undefined,
		onConnected?: Events5<D>["connect"] | null,
		onFailed?: Events5<D>["connfail"] | null,
	): boolean;
	publish(topic: string, payload: Payload, qos: QoS, retain?: Flag, onPuback?: Events5<D>["puback"] | null, properties?: MessageProperties): boolean;
	subscribe(topic: string, qos?: QoS | SubscriptionOptions, onSuback?: Events5<D>["suback"] | null, properties?: SubscribeProperties): boolean;
	subscribe(
		table: Record<string, QoS | SubscriptionOptions> | [string, QoS | SubscriptionOptions][],
		onSuback?: Events5<D>["suback"] | null,
		properties?: SubscribeProperties,
	): boolean;
	unsubscribe(
		topic: string | Record<string, unknown> | [string, unknown][],
		onUnsuback?: Events5<D>["unsuback"] | null,
		properties?: { userProperties?: UserProperties },
	): boolean;
	/** `reason`: 0 (normal) or 4 (the broker publishes the will all the same). */
	close(reason?: 0 | 4, properties?: DisconnectProperties): boolean;
	readonly packetId: number;
}

const enum Limit {
	MAX_ALIASES = 64, // a string slot each way per alias, on a 32 KB heap
	MAX_FOUR = 0xFFFF_FFFF,
}

type Handler = (client: never, a?: any, b?: any, c?: any) => void;

class Client5 extends Client {
	declare protected session: Session5;

	protected override open(settings: SessionOptions, options: ClientOptions | undefined): Session5 {
		const m = "mqtt.Client", o = options!;
		const expiry = checkInteger(m, "options.sessionExpiry", o.sessionExpiry ?? (settings.cleanSession ? 0 : Limit.MAX_FOUR), 0, Limit.MAX_FOUR, " seconds");
		const aliases = checkInteger(m, "options.topicAliases", o.topicAliases ?? 0, 0, Limit.MAX_ALIASES, " (a string each way per alias)");
		const connect: OutProperties = {
			receiveMaximum: settings.receiveMaximum, // the incoming QoS 2 messages we remember (3.3.4)
			maximumPacketSize: settings.maxMessageLength,
		};
		if (expiry)
			connect.sessionExpiry = expiry;
		if (aliases)
			connect.topicAliasMaximum = aliases;
		const users = connectUserProperties(o.userProperties);
		if (users)
			connect.userProperties = users;
		return new Session5(Transport.link(), this, settings, { connect, topicAliases: aliases }); // called by the base constructor: no field of this class is set yet
	}

	override lwt(topic: string, message: Payload, qos: number = 0, retain: Flag = 0, properties?: unknown): undefined {
		super.lwt(topic, message, qos, retain);
		this.session.willProperties = messageProperties("lwt", properties, true);
		return undefined;
	}

	override publish(topic: string, payload: Payload, qos: number, retain?: Flag, onPuback?: Handler, properties?: unknown): boolean {
		const session = this.session;
		session.prepare(topic, messageProperties("publish", properties, false));
		try {
			return super.publish(topic, payload, qos, retain, onPuback as never);
		}
		finally {
			session.prepare(undefined, undefined);
		}
	}

	override subscribe(topicOrTable: unknown, ...rest: unknown[]): boolean {
		// the properties follow the callback: (topic, qos, cb, p), (topic, cb, p), (table, cb, p)
		const at = typeof topicOrTable === "string" && typeof rest[0] !== "function" ? 2 : 1;
		const session = this.session;
		session.prepare(undefined, requestProperties("subscribe", rest[at], true));
		try {
			return super.subscribe(topicOrTable, ...rest.slice(0, at));
		}
		finally {
			session.prepare(undefined, undefined);
		}
	}

	override unsubscribe(topicOrTable: unknown, callback?: unknown, properties?: unknown): boolean {
		const session = this.session;
		session.prepare(undefined, requestProperties("unsubscribe", properties, false));
		try {
			return super.unsubscribe(topicOrTable, callback);
		}
		finally {
			session.prepare(undefined, undefined);
		}
	}

	override close(reason?: unknown, properties?: unknown): boolean {
		const code = checkDisconnectReason("close", reason);
		const p = disconnectProperties("close", properties, this.session.sessionExpiryAsked > 0);
		if (!this.session.idle && !this.session.connected)
			return false;
		this.session.stop();
		return this.session.close5(code, p);
	}

	/** A subscription's options object, or a bare QoS as in 3.1.1. */
	protected override level(m: string, argument: string, value: unknown): number {
		if (value !== null && typeof value === "object")
			return checkSubscriptionOptions(m, argument, value as Record<string, unknown>);
		return super.level(m, argument, value);
	}

	// SessionOwner, with MQTT 5's extras

	override connected(sessionPresent: boolean, connack?: unknown): void {
		this.emit(Ev.CONNECT, 2, sessionPresent, connack);
	}

	override connectFailed(reason: number, properties?: unknown): void {
		this.emit(Ev.CONNFAIL, properties === undefined ? 1 : 2, reason, properties);
	}

	override offline(reason?: unknown, properties?: unknown): void {
		this.emit(Ev.OFFLINE, reason === undefined ? 0 : properties === undefined ? 1 : 2, reason, properties);
	}

	override message(topic: string, data: Data | undefined, _id?: number, properties?: unknown): void {
		this.emit(Ev.MESSAGE, properties === undefined ? 2 : 3, topic, data, properties);
	}

	override overflow(topic: string, data: Data | undefined, _id?: number, properties?: unknown): void {
		this.emit(Ev.OVERFLOW, properties === undefined ? 2 : 3, topic, data, properties);
	}

	override published(id: number, reason?: unknown, properties?: unknown): void {
		this.emit(Ev.PUBACK, reason === undefined ? 1 : 3, id, reason, properties);
	}

	override subscribed(id: number, granted: number[], properties?: unknown): void {
		this.emit(Ev.SUBACK, 3, id, granted, properties);
	}

	override unsubscribed(id: number, codes?: unknown, properties?: unknown): void {
		this.emit(Ev.UNSUBACK, 3, id, codes, properties);
	}
}
Object.freeze(Client5.prototype);

/** mqtt.Client with options.protocolVersion 5: client.ts calls it. */
export function createClient5(
	clientid: unknown,
	keepalive: unknown,
	username: unknown,
	password: unknown,
	cleansession: unknown,
	max_message_length: unknown,
	options: ClientOptions,
): MQTTClient5<Data> {
	return new Client5(clientid, keepalive, username, password, cleansession, max_message_length, options) as unknown as MQTTClient5<Data>;
}

export default Object.freeze({ createClient5 });
