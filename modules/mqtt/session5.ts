/*
 * The session over MQTT 5: the 3.1.1 session (session.ts and its layers) with MQTT 5's packets
 * put in at its seams (connectOf, check, decode, encode, request, farewell), and what MQTT 5 adds
 * to the lifecycle: the server's CONNACK properties respected (receive maximum as the send
 * window, maximum packet size, maximum QoS, retain, keep alive), reason codes and properties
 * handed to the owner with the events, a server's DISCONNECT ending the session with its reason,
 * a DISCONNECT with a reason code before closing on a protocol error (4.13.1), and topic aliases
 * both ways. Only manifest_v5.json brings it; a 3.1.1 client runs none of it.
 */

import { Packet, Type } from "./codec.js";
import {
	Check5,
	Prop,
	Properties,
	Reason,
	checkHeader5,
	connectLength5,
	decodeBody5,
	disconnectLength5,
	disconnectReason,
	encodePublish5,
	errorName5,
	propertiesSize,
	publishAlias,
	publishLength5,
	readString,
	readUserProperties,
	subscribeLength5,
	subscribeTopicCount5,
	withTopic,
	writeConnect5,
	writeDisconnect5,
	writeSubscribe5,
} from "./codec5.js";
import type { OutProperties } from "./codec5.js";
import type { ConnectFields } from "./encode.js";
import type { Link } from "./link.js";
import { reasonProperties, receivedProperties } from "./arguments5.js";
import { describe, fail } from "./arguments.js";
import { Session } from "./session.js";
import type { SessionOptions, SessionOwner } from "./session.js";
import { Bit, Ev, Slot, State } from "./tables.js";

/** What MQTT 5 adds to a client's settings (mqtt.Client's options, checked by client5.ts). */
export interface Settings5 {
	/** CONNECT's properties: session expiry, receive maximum, maximum packet size, topic alias maximum, user properties. */
	connect: OutProperties;
	/** Topic aliases each way: ours for the broker's (topic alias maximum) and the most we use of its. */
	topicAliases: number;
}

/** What the connect handler receives as its third argument: the CONNACK's reason code and properties. */
export interface Connack {
	reasonCode: number;
	sessionExpiry?: number | undefined;
	receiveMaximum?: number | undefined;
	maximumQoS?: number | undefined;
	retainAvailable?: boolean | undefined;
	maximumPacketSize?: number | undefined;
	assignedClientIdentifier?: string | undefined;
	topicAliasMaximum?: number | undefined;
	reasonString?: string | undefined;
	userProperties?: [string, string][] | undefined;
	wildcardSubscriptionAvailable?: boolean | undefined;
	subscriptionIdentifiersAvailable?: boolean | undefined;
	sharedSubscriptionAvailable?: boolean | undefined;
	serverKeepAlive?: number | undefined;
	responseInformation?: string | undefined;
	serverReference?: string | undefined;
}

export class Session5 extends Session {
	private props = new Properties();
	private settings: Settings5;
	private keepaliveAsked: number; // ours; the server's Server Keep Alive replaces it for a connection (3.2.2.3.14)
	// the server's limits, from its CONNACK
	sendMaximum = 0xFFFF; // its Receive Maximum: QoS 1/2 publishes in flight at once (4.9)
	maximumPacketSize = 0; // 0: none said
	maximumQoS = 2;
	retainAvailable = true;
	wildcardAvailable = true;
	identifiersAvailable = true;
	sharedAvailable = true;
	// topic aliases: the broker's names for topics it sends us, and ours for topics we send
	private aliasesIn: (string | undefined)[];
	private aliasesOut: (string | undefined)[];
	private aliasesOutUsable = 0; // this connection: ours, no more than the broker's Topic Alias Maximum
	private aliasTopic = ""; // the topic an incoming alias stands for, for topicOf
	private lastError = 0; // the decoder's last error, for the reason of our DISCONNECT
	private farewellPacket: Uint8Array | undefined; // close()'s DISCONNECT, when it says more than "normal"
	// what the next event posted carries besides NodeMCU's arguments (see post)
	private pending = false;
	private pendingA: unknown;
	private pendingB: unknown;
	// the next packet's properties, topic and alias (see prepare and encode)
	private nextProperties: OutProperties | undefined;
	private nextTopic: string | undefined;
	private nextAlias = 0;
	/** The will's properties, set by lwt: read at every attempt, as the will is (3.1.2.5). */
	willProperties: OutProperties | undefined;

	constructor(link: Link, owner: SessionOwner, options: SessionOptions, settings: Settings5) {
		super(link, owner, options);
		this.settings = settings;
		this.bits |= Bit.V5;
		this.keepaliveAsked = options.keepalive;
		this.props.aliasMaximum = settings.topicAliases;
		this.aliasesIn = new Array(settings.topicAliases);
		this.aliasesOut = new Array(settings.topicAliases);
	}

	/** What the next publish, subscribe or unsubscribe carries: client5.ts sets it around the 3.1.1 facade's call. */
	prepare(topic: string | undefined, properties: OutProperties | undefined): void {
		this.nextTopic = topic;
		this.nextProperties = properties;
	}

	/**
	 * Queues a PUBLISH with the properties prepared, checked against the broker's limits. A QoS 0
	 * message to a topic that has an alias on this connection goes with the alias alone, and a
	 * new topic takes a free alias; QoS 1 and 2 never use one, as they may be sent again on
	 * another connection, where aliases mean nothing.
	 */
	override publish(topicUtf8: Uint8Array, payload: Uint8Array, qos: number, retain: boolean): number {
		const m = "publish", properties = this.nextProperties;
		if (qos > this.maximumQoS) // 3.2.2-11
			fail(m, "qos", `must be at most the broker's maximum QoS ${this.maximumQoS}, got ${qos} (MQTT 3.2.2-11)`);
		if (retain && !this.retainAvailable) // 3.2.2-14
			fail(m, "retain", "must be 0: the broker does not keep retained messages (MQTT 3.2.2-14)");
		const limit = this.maximumPacketSize;
		if (limit) { // 3.1.2-24: never more than the broker takes
			const length = publishLength5(topicUtf8.length, payload.length, qos, propertiesSize(properties, 0));
			if (length > limit)
				fail(m, "payload", `makes a packet of ${length} bytes, more than the broker's maximum packet size (${limit}) (MQTT 3.1.2-24)`);
		}
		let alias = 0, bytes = topicUtf8, taken = -1;
		const topic = this.nextTopic;
		if (!qos && this.aliasesOutUsable && this.state === State.CONNECTED && topic !== undefined) {
			const out = this.aliasesOut;
			let free = -1;
			for (let i = 0; i < this.aliasesOutUsable; i++) {
				if (out[i] === topic) {
					alias = i + 1;
					bytes = empty;
					break;
				}
				if (free < 0 && out[i] === undefined)
					free = i;
			}
			if (!alias && free >= 0) {
				out[free] = topic;
				alias = taken = free + 1;
			}
		}
		this.nextAlias = alias;
		const id = super.publish(bytes, payload, qos, retain);
		this.nextAlias = 0;
		if (id < 0 && taken > 0)
			this.aliasesOut[taken - 1] = undefined; // not sent: the broker never learnt it
		return id;
	}

	/** A SUBSCRIBE (one options byte per filter, 3.8.3.1) or UNSUBSCRIBE with the properties prepared. */
	override subscribe(topics: readonly string[], topicBytes: readonly number[], options: readonly number[] | undefined): number {
		if (options) {
			const m = "subscribe";
			if (this.nextProperties?.subscriptionIdentifier !== undefined && !this.identifiersAvailable) // 3.2.2.3.12
				fail(m, "properties.subscriptionIdentifier", "is not supported by the broker (CONNACK: subscription identifiers not available)");
			for (let i = 0; i < topics.length; i++) {
				const topic = topics[i]!;
				if (!this.wildcardAvailable && (topic.indexOf("#") >= 0 || topic.indexOf("+") >= 0)) // 3.2.2.3.11
					fail(m, "topic", `${describe(topic)} has a wildcard, which the broker does not support (CONNACK: wildcard subscriptions not available)`);
				if (!this.sharedAvailable && topic.startsWith("$share/")) // 3.2.2.3.13
					fail(
						m,
						"topic",
						`${describe(topic)} is a shared subscription, which the broker does not support (CONNACK: shared subscriptions not available)`,
					);
			}
		}
		return super.subscribe(topics, topicBytes, options);
	}

	/** The Session Expiry Interval CONNECT asks for: close() may change it only when it is not 0 (3.14.2.2.2). */
	get sessionExpiryAsked(): number {
		return this.settings.connect.sessionExpiry ?? 0;
	}

	/** close() with a reason code (0 or 4) and properties for its DISCONNECT. */
	close5(reason: number, properties: OutProperties | undefined): boolean {
		if (!this.connected)
			return false;
		if (reason || properties) {
			const packet = new Uint8Array(disconnectLength5(properties));
			writeDisconnect5(packet, 0, reason, properties);
			this.farewellPacket = packet;
		}
		return this.close();
	}

	// the seams

	protected override connectOf(fields: ConnectFields): Uint8Array {
		const packet = new Uint8Array(connectLength5(fields, this.settings.connect, this.willProperties));
		writeConnect5(packet, 0, fields, this.settings.connect, this.willProperties);
		return packet;
	}

	override check(packet: Packet): number {
		return checkHeader5(packet);
	}

	override decode(rx: Uint8Array, offset: number, available: number, packet: Packet): number {
		return decodeBody5(rx, offset, available, packet, this.props);
	}

	protected override errorText(code: number): string {
		this.lastError = code;
		return errorName5(code);
	}

	protected override requestTopics(packet: Uint8Array): number {
		return subscribeTopicCount5(packet);
	}

	override encode(topic: Uint8Array, payload: Uint8Array, qos: number, retain: boolean, id: number): Uint8Array {
		return encodePublish5(topic, payload, qos, retain, id, this.nextAlias, this.nextProperties);
	}

	protected override request(id: number, topics: readonly string[], topicBytes: readonly number[], options: readonly number[] | undefined): Uint8Array {
		const properties = this.nextProperties;
		const packet = new Uint8Array(subscribeLength5(topicBytes, options !== undefined, properties));
		writeSubscribe5(packet, 0, id, topics, topicBytes, options, properties);
		return packet;
	}

	protected override farewell(): void {
		const packet = this.farewellPacket;
		this.farewellPacket = undefined;
		if (packet && packet.length <= this.writable)
			this.send(packet, 0, packet.length);
		else
			super.farewell();
	}

	// receiving

	protected override handle(packet: Packet): string | undefined {
		this.pending = false;
		const rx = this.rx, props = this.props;
		let error: string | undefined;
		switch (packet.type) {
			case Type.CONNACK:
				if (this.state !== State.HANDSHAKE)
					break;
				this.pend(packet.returnCode ? reasonProperties(rx, props) : this.connack(packet.returnCode), undefined);
				if (!packet.returnCode)
					this.accept();
				break;
			case Type.PUBLISH:
				error = this.incoming(packet);
				if (error !== undefined)
					return error;
				break;
			case Type.PUBACK:
			case Type.PUBCOMP:
				this.pend(packet.returnCode, reasonProperties(rx, props));
				break;
			case Type.PUBREC:
				if (packet.returnCode >= Reason.ERROR) { // the exchange ends here: no PUBREL (4.3.3)
					this.pend(packet.returnCode, reasonProperties(rx, props));
					this.acknowledged(packet.id, Slot.WAIT_PUBREC, Ev.PUBACK);
					this.pending = false;
					return;
				}
				break;
			case Type.SUBACK:
				this.pend(undefined, reasonProperties(rx, props));
				break;
			case Type.UNSUBACK: {
				const codes: number[] = [];
				for (let i = 0; i < packet.payloadLength; i++)
					codes.push(rx[packet.payloadOffset + i]!);
				this.pend(codes, reasonProperties(rx, props));
				break;
			}
			case Type.DISCONNECT: // the server ends the session, and says why (3.14)
				if (this.state === State.HANDSHAKE)
					break;
				this.pend(packet.returnCode, reasonProperties(rx, props));
				this.lost(
					`the broker disconnected: reason 0x${packet.returnCode.toString(16)}${
						props.has(Prop.REASON_STRING) ? ` (${readString(rx, props.values[Prop.REASON_STRING]!)})` : ""
					}`,
				);
				this.pending = false;
				return;
		}
		error = super.handle(packet);
		this.pending = false;
		return error;
	}

	/** A PUBLISH's alias resolved and its properties made ready for its event; or a protocol error. */
	private incoming(packet: Packet): string | undefined {
		const props = this.props;
		if (!(props.seenLow | props.seenHigh | props.users | props.subscriptionIds))
			return; // no properties, the common case
		if (props.seenHigh & ALIAS_BIT) {
			const alias = props.values[Prop.TOPIC_ALIAS]! - 1;
			if (!packet.topicLength) {
				const topic = this.aliasesIn[alias]!;
				if (topic === undefined) { // 3.3.2.3.4: an alias never set on this connection
					this.lastError = Check5.ERR_TOPIC_ALIAS;
					return `topic alias ${alias + 1} not set`;
				}
				this.aliasTopic = topic;
			}
		}
		this.pend(undefined, receivedProperties(this.rx, props));
	}

	/** A message larger than the buffer goes to overflow from the parser, not through handle(). */
	protected override deliverIncoming(packet: Packet, event: number, length: number): void {
		if (event === Ev.OVERFLOW) {
			this.pending = false;
			const error = this.incoming(packet);
			if (error !== undefined) {
				trace(`mqtt: overflow dropped: ${error}\n`);
				return;
			}
		}
		super.deliverIncoming(packet, event, length);
		this.pending = false;
	}

	/** The topic of an incoming PUBLISH: its alias's when it has none, and an alias it sets is remembered. */
	protected override topicOf(bytes: Uint8Array, offset: number, length: number): string {
		if (!length)
			return this.aliasTopic;
		const topic = super.topicOf(bytes, offset, length);
		if (this.props.seenHigh & ALIAS_BIT)
			this.aliasesIn[this.props.values[Prop.TOPIC_ALIAS]! - 1] = topic;
		return topic;
	}

	/** The CONNACK accepted the session: the server's limits apply to this connection. */
	private accept(): void {
		const props = this.props;
		this.sendMaximum = props.get(Prop.RECEIVE_MAXIMUM, 0xFFFF);
		this.maximumPacketSize = props.get(Prop.MAXIMUM_PACKET_SIZE, 0);
		this.maximumQoS = props.get(Prop.MAXIMUM_QOS, 2);
		this.retainAvailable = props.get(Prop.RETAIN_AVAILABLE, 1) === 1;
		this.wildcardAvailable = props.get(Prop.WILDCARD_AVAILABLE, 1) === 1;
		this.identifiersAvailable = props.get(Prop.SUBSCRIPTION_IDS_AVAILABLE, 1) === 1;
		this.sharedAvailable = props.get(Prop.SHARED_AVAILABLE, 1) === 1;
		this.options.keepalive = props.get(Prop.SERVER_KEEP_ALIVE, this.keepaliveAsked);
		this.aliasesOutUsable = Math.min(this.aliasesOut.length, props.get(Prop.TOPIC_ALIAS_MAXIMUM, 0));
		this.aliasesOut.fill(undefined);
		this.aliasesIn.fill(undefined);
	}

	/** The CONNACK as the connect handler gets it. */
	private connack(reasonCode: number): Connack {
		const rx = this.rx, props = this.props, c: Connack = { reasonCode };
		const number = (id: number) => props.has(id) ? props.values[id] : undefined;
		const flag = (id: number) => props.has(id) ? props.values[id] === 1 : undefined;
		const text = (id: number) => props.has(id) ? readString(rx, props.values[id]!) : undefined;
		c.sessionExpiry = number(Prop.SESSION_EXPIRY);
		c.receiveMaximum = number(Prop.RECEIVE_MAXIMUM);
		c.maximumQoS = number(Prop.MAXIMUM_QOS);
		c.retainAvailable = flag(Prop.RETAIN_AVAILABLE);
		c.maximumPacketSize = number(Prop.MAXIMUM_PACKET_SIZE);
		c.assignedClientIdentifier = text(Prop.ASSIGNED_CLIENT_ID);
		c.topicAliasMaximum = number(Prop.TOPIC_ALIAS_MAXIMUM);
		c.reasonString = text(Prop.REASON_STRING);
		c.userProperties = readUserProperties(rx, props);
		c.wildcardSubscriptionAvailable = flag(Prop.WILDCARD_AVAILABLE);
		c.subscriptionIdentifiersAvailable = flag(Prop.SUBSCRIPTION_IDS_AVAILABLE);
		c.sharedSubscriptionAvailable = flag(Prop.SHARED_AVAILABLE);
		c.serverKeepAlive = number(Prop.SERVER_KEEP_ALIVE);
		c.responseInformation = text(Prop.RESPONSE_INFO);
		c.serverReference = text(Prop.SERVER_REFERENCE);
		for (const key in c) { // absent ones are left out, not undefined
			if ((c as unknown as Record<string, unknown>)[key] === undefined)
				delete (c as unknown as Record<string, unknown>)[key];
		}
		return c;
	}

	/** What the next event posted carries besides NodeMCU's arguments. */
	private pend(a: unknown, b: unknown): void {
		this.pending = true;
		this.pendingA = a;
		this.pendingB = b;
	}

	/**
	 * Events carry MQTT 5's extras in the ring's two values: a message's properties with its
	 * data (as a pair, only when it had some), a SUBACK's properties beside its codes, and for
	 * the others a reason (or CONNACK, or UNSUBACK's codes) and properties.
	 */
	protected override post(kind: number, n: number, a: unknown, b: unknown): void {
		if (this.pending) {
			this.pending = false;
			if (kind === Ev.MESSAGE || kind === Ev.OVERFLOW) {
				if (this.pendingB !== undefined)
					b = [b, this.pendingB];
			}
			else if (kind === Ev.SUBACK)
				b = this.pendingB;
			else {
				a = this.pendingA;
				b = this.pendingB;
			}
			this.pendingA = this.pendingB = undefined;
		}
		super.post(kind, n, a, b);
	}

	protected override dispatch(kind: number, n: number, a: unknown, b: unknown): void {
		const owner = this.owner;
		switch (kind) {
			case Ev.CONNECT:
				return owner.connected(n === 1, a);
			case Ev.CONNFAIL:
				return owner.connectFailed(n, a);
			case Ev.OFFLINE:
				return owner.offline(a, b);
			case Ev.MESSAGE:
			case Ev.OVERFLOW: {
				const pair = Array.isArray(b); // data is never an array: a pair carries properties
				const data = (pair ? (b as unknown[])[0] : b) as string | ArrayBuffer | undefined;
				if (kind === Ev.MESSAGE)
					return owner.message(a as string, data, n, pair ? (b as unknown[])[1] : undefined);
				return owner.overflow(a as string, data, n, pair ? (b as unknown[])[1] : undefined);
			}
			case Ev.PUBACK:
				return owner.published(n, a, b);
			case Ev.SUBACK:
				return owner.subscribed(n, a as number[], b);
			default:
				return owner.unsubscribed(n, a, b);
		}
	}

	/** The server's Receive Maximum bounds the QoS 1/2 publishes in flight (4.9). */
	protected override takeQueued(): number {
		if (this.sendMaximum < this.flightPacket.length) {
			const head = this.queuePacket[this.queueHead];
			if (!head || ((head[0]! >> 4) === Type.PUBLISH && (head[0]! & 0x06))) { // none: a publish in the flash
				let flying = 0;
				for (let i = 0; i < this.flightPacket.length; i++) {
					const state = this.slotState(i);
					if (state === Slot.WAIT_PUBACK || state === Slot.WAIT_PUBREC || state === Slot.WAIT_PUBCOMP)
						flying++;
				}
				if (flying >= this.sendMaximum)
					return Slot.BLOCKED;
			}
		}
		return super.takeQueued();
	}

	/** A protocol error: DISCONNECT with its reason code goes first when nothing is half written (4.13.1). */
	protected override protocolError(why: string): void {
		if (this.state === State.CONNECTED && !this.writing && this.writable >= 3) {
			const reason = this.lastError
				? disconnectReason(this.lastError)
				: why.startsWith("packet larger")
				? Reason.PACKET_TOO_LARGE
				: Reason.PROTOCOL_ERROR;
			this.send(Uint8Array.of(Type.DISCONNECT << 4, 1, reason), 0, 3); // 3.14.2.2.1: no property length needed
		}
		this.lastError = 0;
		super.protocolError(why);
	}

	/**
	 * Aliases belong to the connection: a QoS 0 publish still queued with an alias is written
	 * again with its topic and without the alias, for the next connection.
	 */
	protected override teardown(): void {
		super.teardown();
		this.farewellPacket = undefined;
		if (!this.aliasesOutUsable)
			return;
		const queue = this.queuePacket, capacity = queue.length;
		for (let i = 0; i < this.queueCount; i++) {
			const at = (this.queueHead + i) % capacity, packet = queue[at];
			const alias = packet ? publishAlias(packet) : 0;
			if (alias)
				queue[at] = withTopic(packet!, new Uint8Array(ArrayBuffer.fromString(this.aliasesOut[alias - 1]!)));
		}
		this.aliasesOutUsable = 0;
	}
}
Object.freeze(Session5.prototype);

const empty = new Uint8Array(0);
const ALIAS_BIT = 1 << (Prop.TOPIC_ALIAS - 32); // its bit in Properties.seenHigh, tested inline on every message
