/*
 * MQTT 5's additions at the API boundary: the property objects an app hands to mqtt.Client, lwt,
 * publish, subscribe, unsubscribe and close, checked as arguments.ts checks the rest (an error
 * names the method, the argument and the rule) and turned into codec5's OutProperties; and the
 * properties a server sent, turned into the objects the handlers receive. Only manifest_v5.json
 * brings it.
 */

import { checkFlag, checkInteger, describe, fail, shortBytes } from "./arguments.js";
import { utf8Length } from "./encode.js";
import { Prop, readBinary, readString, readSubscriptionIds, readUserProperties } from "./codec5.js";
import type { OutProperties, Properties } from "./codec5.js";
import { topicNameError } from "./topic.js";

/** User properties as the app gives them: [name, value] pairs, in order, names repeating as they like. */
export type UserProperties = readonly (readonly [string, string])[];

/** A message's properties (3.3.2.3), on publish, on a will, and as a message handler receives them. */
export interface MessageProperties {
	/** 1: the payload is UTF-8 text; 0: unspecified bytes. */
	payloadFormat?: 0 | 1 | undefined;
	/** Seconds the broker keeps the message for subscribers that have not had it yet. */
	messageExpiry?: number | undefined;
	contentType?: string | undefined;
	/** Where a response goes (request/response, 4.10); a topic name without wildcards. */
	responseTopic?: string | undefined;
	correlationData?: ArrayBuffer | ArrayBufferView | string | undefined;
	userProperties?: UserProperties | undefined;
}

/** The will's properties: a message's, and how long the broker waits before publishing it. */
export interface WillProperties extends MessageProperties {
	willDelay?: number | undefined;
}

/** A received message's properties: the message's, with the subscription identifiers that matched. */
export interface ReceivedProperties extends MessageProperties {
	correlationData?: ArrayBuffer | undefined;
	subscriptionIdentifiers?: number[] | undefined;
}

/** A subscription's options (3.8.3.1), in place of a bare QoS. */
export interface SubscriptionOptions {
	qos?: 0 | 1 | 2 | undefined;
	/** Not sent our own publishes back. */
	noLocal?: boolean | undefined;
	/** Retained flag as the publisher set it, not cleared. */
	retainAsPublished?: boolean | undefined;
	/** 0: retained messages at every subscribe; 1: only at a new subscription; 2: never. */
	retainHandling?: 0 | 1 | 2 | undefined;
}

/** SUBSCRIBE's properties; UNSUBSCRIBE takes user properties only. */
export interface SubscribeProperties {
	/** 1 to 268,435,455: the broker gives it back with every message this subscription matches. */
	subscriptionIdentifier?: number | undefined;
	userProperties?: UserProperties | undefined;
}

/** close()'s DISCONNECT. */
export interface DisconnectProperties {
	/** A new session expiry interval in seconds; not from 0 to another value (3.14.2.2.2). */
	sessionExpiry?: number | undefined;
	reasonString?: string | undefined;
	userProperties?: UserProperties | undefined;
}

const enum Limit {
	MAX_FOUR = 0xFFFF_FFFF,
	MAX_VARINT = 268_435_455,
}

function checkObject(method: string, argument: string, value: unknown): Record<string, unknown> | undefined {
	if (value == null)
		return undefined;
	if (typeof value !== "object" || Array.isArray(value))
		fail(method, argument, `must be an object, got ${Array.isArray(value) ? "an array" : typeof value}`, true);
	return value as Record<string, unknown>;
}

/** A UTF-8 string property: at most 65535 bytes, no U+0000 (1.5.4). */
function checkText(method: string, argument: string, value: unknown): string {
	if (typeof value !== "string")
		fail(method, argument, `must be a string, got ${typeof value}`, true);
	const bytes = utf8Length(value);
	if (bytes < 0)
		fail(method, argument, "must be valid UTF-8 (lone surrogate)");
	if (bytes > 65_535)
		fail(method, argument, `must be at most 65535 bytes of UTF-8, got ${bytes}`);
	if (value.indexOf("\u0000") >= 0)
		fail(method, argument, "must not contain U+0000 (MQTT 1.5.4-2)");
	return value;
}

function checkUsers(method: string, argument: string, value: unknown): UserProperties | undefined {
	if (value == null)
		return undefined;
	if (!Array.isArray(value))
		fail(method, argument, "must be an array of [name, value] pairs", true);
	for (let i = 0; i < value.length; i++) {
		const pair = value[i];
		if (!Array.isArray(pair) || pair.length !== 2)
			fail(method, `${argument}[${i}]`, "must be a [name, value] pair", true);
		checkText(method, `${argument}[${i}] name`, pair[0]);
		checkText(method, `${argument}[${i}] value`, pair[1]);
	}
	return value as UserProperties;
}

/** A message's properties, from publish (argument "properties") or lwt; a will's willDelay too. */
export function messageProperties(method: string, value: unknown, will: boolean): OutProperties | undefined {
	const p = checkObject(method, "properties", value);
	if (!p)
		return undefined;
	const out: OutProperties = {};
	for (const key in p) {
		const v = p[key], argument = `properties.${key}`;
		if (v == null)
			continue;
		switch (key) {
			case "payloadFormat":
				if (v !== 0 && v !== 1)
					fail(method, argument, `must be 0 (bytes) or 1 (UTF-8), got ${describe(v)}`);
				out.payloadFormat = v;
				break;
			case "messageExpiry":
				out.messageExpiry = checkInteger(method, argument, v, 0, Limit.MAX_FOUR, " seconds");
				break;
			case "contentType":
				out.contentType = checkText(method, argument, v);
				break;
			case "responseTopic": {
				const error = topicNameError(v); // 3.3.2.3.5: a topic name, no wildcards
				if (error)
					fail(method, argument, error, typeof v !== "string");
				out.responseTopic = v as string;
				break;
			}
			case "correlationData":
				out.correlationData = shortBytes(method, argument, v);
				break;
			case "userProperties":
				out.userProperties = checkUsers(method, argument, v);
				break;
			default:
				if (key === "willDelay" && will) {
					out.willDelay = checkInteger(method, argument, v, 0, Limit.MAX_FOUR, " seconds");
					break;
				}
				fail(
					method,
					"properties",
					`has no property ${describe(key)} (MQTT 5's ${
						will ? "will" : "message"
					} properties: payloadFormat, messageExpiry, contentType, responseTopic, correlationData, userProperties${will ? ", willDelay" : ""})`,
				);
		}
	}
	return out;
}

/** A subscription's options byte's fields, from an object in place of the QoS. */
export function checkSubscriptionOptions(method: string, argument: string, value: Record<string, unknown>): number {
	const qos = value.qos ?? 0;
	if (qos !== 0 && qos !== 1 && qos !== 2)
		fail(method, `${argument}.qos`, `must be 0, 1 or 2, got ${describe(qos)}`);
	checkFlag(method, `${argument}.noLocal`, value.noLocal);
	checkFlag(method, `${argument}.retainAsPublished`, value.retainAsPublished);
	const handling = value.retainHandling ?? 0;
	if (handling !== 0 && handling !== 1 && handling !== 2)
		fail(method, `${argument}.retainHandling`, `must be 0, 1 or 2, got ${describe(handling)}`);
	return (qos as number) | (value.noLocal ? 4 : 0) | (value.retainAsPublished ? 8 : 0) | ((handling as number) << 4);
}

/** SUBSCRIBE's properties (subscribe true) or UNSUBSCRIBE's. */
export function requestProperties(method: string, value: unknown, subscribe: boolean): OutProperties | undefined {
	const p = checkObject(method, "properties", value);
	if (!p)
		return undefined;
	const out: OutProperties = {};
	for (const key in p) {
		const v = p[key];
		if (v == null)
			continue;
		if (key === "userProperties")
			out.userProperties = checkUsers(method, "properties.userProperties", v);
		else if (key === "subscriptionIdentifier" && subscribe)
			out.subscriptionIdentifier = checkInteger(method, "properties.subscriptionIdentifier", v, 1, Limit.MAX_VARINT);
		else
			fail(method, "properties", `has no property ${describe(key)} (MQTT 5's: ${subscribe ? "subscriptionIdentifier, " : ""}userProperties)`);
	}
	return out;
}

/** close()'s reason code and properties; `expiring` says whether CONNECT asked for a session that outlives the connection. */
export function disconnectProperties(method: string, value: unknown, expiring: boolean): OutProperties | undefined {
	const p = checkObject(method, "properties", value);
	if (!p)
		return undefined;
	const out: OutProperties = {};
	for (const key in p) {
		const v = p[key], argument = `properties.${key}`;
		if (v == null)
			continue;
		if (key === "sessionExpiry") {
			out.sessionExpiry = checkInteger(method, argument, v, 0, Limit.MAX_FOUR, " seconds");
			if (out.sessionExpiry && !expiring) // 3.14.2.2.2
				fail(method, argument, "must be 0 when the session was opened with session expiry 0 (MQTT 3.14.2-2)");
		}
		else if (key === "reasonString")
			out.reasonString = checkText(method, argument, v);
		else if (key === "userProperties")
			out.userProperties = checkUsers(method, argument, v);
		else
			fail(method, "properties", `has no property ${describe(key)} (MQTT 5's: sessionExpiry, reasonString, userProperties)`);
	}
	return out;
}

/** CONNECT's user properties, from mqtt.Client's options. */
export function connectUserProperties(value: unknown): UserProperties | undefined {
	return checkUsers("mqtt.Client", "options.userProperties", value);
}

/** A reason code close() may send (3.14.2.1): normal, or with the will. */
export function checkDisconnectReason(method: string, value: unknown): number {
	if (value == null)
		return 0;
	if (value !== 0 && value !== 4)
		fail(method, "reason", `must be 0 (normal) or 4 (with the will), got ${describe(value)}`);
	return value as number;
}

/** The properties a received PUBLISH carried, as its handler gets them; undefined when none. */
export function receivedProperties(buffer: Uint8Array, props: Properties): ReceivedProperties | undefined {
	if (!props.seenLow && !props.users && !props.subscriptionIds)
		return undefined; // every message property's id is below 32; a topic alias alone is not the app's
	const out: ReceivedProperties = {};
	if (props.has(Prop.PAYLOAD_FORMAT))
		out.payloadFormat = props.values[Prop.PAYLOAD_FORMAT] as 0 | 1;
	if (props.has(Prop.MESSAGE_EXPIRY))
		out.messageExpiry = props.values[Prop.MESSAGE_EXPIRY];
	if (props.has(Prop.CONTENT_TYPE))
		out.contentType = readString(buffer, props.values[Prop.CONTENT_TYPE]!);
	if (props.has(Prop.RESPONSE_TOPIC))
		out.responseTopic = readString(buffer, props.values[Prop.RESPONSE_TOPIC]!);
	if (props.has(Prop.CORRELATION_DATA))
		out.correlationData = readBinary(buffer, props.values[Prop.CORRELATION_DATA]!);
	const users = readUserProperties(buffer, props);
	if (users)
		out.userProperties = users;
	const ids = readSubscriptionIds(buffer, props);
	if (ids)
		out.subscriptionIdentifiers = ids;
	return out;
}

/** A reason string and user properties, which acknowledgements and DISCONNECT may carry; undefined when none. */
export function reasonProperties(
	buffer: Uint8Array,
	props: Properties,
): { reasonString?: string; userProperties?: UserProperties; serverReference?: string } | undefined {
	if (!props.has(Prop.REASON_STRING) && !props.users && !props.has(Prop.SERVER_REFERENCE))
		return undefined;
	const out: { reasonString?: string; userProperties?: UserProperties; serverReference?: string } = {};
	if (props.has(Prop.REASON_STRING))
		out.reasonString = readString(buffer, props.values[Prop.REASON_STRING]!);
	if (props.has(Prop.SERVER_REFERENCE))
		out.serverReference = readString(buffer, props.values[Prop.SERVER_REFERENCE]!);
	const users = readUserProperties(buffer, props);
	if (users)
		out.userProperties = users;
	return out;
}
