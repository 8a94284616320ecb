// The MQTT 5 codec (codec5.ts), byte for byte against mqtt-packet (which speaks v5) in both
// directions: what we encode is what it generates from the same fields, and what it generates
// we decode to those fields. Then every rule on what a server sends, by its decoder error; a
// stream fed whole, byte by byte, split at every index and glued; and the fuzz property.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import * as decoder from "../../build/host/modules/mqtt/codec.js";
import * as encoder from "../../build/host/modules/mqtt/encode.js";
import * as v5 from "../../build/host/modules/mqtt/codec5.js";
import { connectFields } from "../support/fake-link.js";

const { Packet } = decoder;
const { Properties } = v5;
// decoder results and property ids by their numbers in codec.ts and the standard (2.2.2.2)
const NEED_MORE = 0, VALID = 1;
const TOPIC_ALIAS = 0x23, MAXIMUM_PACKET_SIZE = 0x27, RECEIVE_MAXIMUM = 0x21, SERVER_KEEP_ALIVE = 0x13;
const ascii = (text) => [...text].map((c) => c.charCodeAt(0));
const utf8 = (text) => new TextEncoder().encode(text);
const generate = (packet) => [...mqttPacket.generate(packet, { protocolVersion: 5 })];

function parse(bytes) {
	const parser = mqttPacket.parser({ protocolVersion: 5 });
	const packets = [];
	parser.on("packet", (p) => packets.push(p));
	parser.on("error", (e) => packets.push({ error: e.message }));
	parser.parse(Buffer.from(bytes));
	return packets;
}

/** CONNECT's fields, string sizes measured as the client measures them. */
function fields(overrides = {}) {
	const f = { ...connectFields("id"), ...overrides };
	for (const name of ["clientId", "username", "willTopic"])
		f[`${name}Bytes`] = f[name] === undefined ? 0 : encoder.utf8Length(f[name]);
	return f;
}

function connect(f, p, will) {
	const out = new Uint8Array(v5.connectLength5(f, p, will));
	assert.equal(v5.writeConnect5(out, 0, f, p, will), out.length);
	return [...out];
}

function subscribe(id, topics, options, p) {
	const sizes = topics.map(encoder.utf8Length);
	const out = new Uint8Array(v5.subscribeLength5(sizes, options !== undefined, p));
	assert.equal(v5.writeSubscribe5(out, 0, id, topics, sizes, options, p), out.length);
	return [...out];
}

function disconnect(reason, p) {
	const out = new Uint8Array(v5.disconnectLength5(p));
	assert.equal(v5.writeDisconnect5(out, 0, reason, p), out.length);
	return [...out];
}

/** Decodes one complete packet as a v5 session would; a number is an error code. */
function decode(bytes, aliasMaximum = 10) {
	const buffer = Uint8Array.from(bytes);
	const packet = new Packet(), props = new Properties();
	props.aliasMaximum = aliasMaximum;
	let result = decoder.decodeHeader(buffer, 0, buffer.length, packet);
	if (result <= 0)
		return result;
	if (result !== buffer.length)
		return "length mismatch";
	result = v5.checkHeader5(packet);
	if (result < 0)
		return result;
	result = v5.decodeBody5(buffer, 0, packet.length, packet, props);
	return result < 0 ? result : { packet, props, buffer };
}

const text = (buffer, offset, length) => new TextDecoder().decode(buffer.subarray(offset, offset + length));

describe("MQTT 5: what the client sends, byte-exact against mqtt-packet", () => {
	const users = [["a", "1"], ["b", "2"], ["a", "3"]]; // repeated names, kept in order
	const userObject = { a: ["1", "3"], b: "2" }; // mqtt-packet's form: the same bytes only when names are grouped
	it("CONNECT with no properties: level 5, an empty property block", () => {
		assert.deepEqual(connect(fields(), undefined, undefined), [
			0x10,
			15,
			0,
			4,
			...ascii("MQTT"),
			5, // protocol level 5
			0x02,
			0,
			60, // Clean Start, keep alive
			0, // property length
			0,
			2,
			...ascii("id"),
		]);
		assert.deepEqual(connect(fields(), undefined, undefined), generate({ cmd: "connect", protocolVersion: 5, clientId: "id", keepalive: 60, clean: true }));
	});
	it("CONNECT with every client property, a will with its properties, user and password", () => {
		const p = {
			sessionExpiry: 3600,
			receiveMaximum: 20,
			maximumPacketSize: 1024,
			topicAliasMaximum: 8,
			requestResponseInformation: true,
			requestProblemInformation: false,
			userProperties: [["k", "v"]],
		};
		const will = {
			willDelay: 30,
			payloadFormat: 1,
			messageExpiry: 600,
			contentType: "text/plain",
			responseTopic: "r/t",
			correlationData: Uint8Array.of(1, 2, 3),
			userProperties: [["w", "x"]],
		};
		const f = fields({
			clientId: "dev\u00e9",
			cleanSession: false,
			willTopic: "lwt",
			willPayload: utf8("gone"),
			willQos: 1,
			willRetain: true,
			username: "u",
			password: Uint8Array.of(9),
		});
		const ours = connect(f, p, will);
		const theirs = generate({
			cmd: "connect",
			protocolVersion: 5,
			clientId: "dev\u00e9",
			keepalive: 60,
			clean: false,
			username: "u",
			password: Buffer.of(9),
			properties: {
				sessionExpiryInterval: 3600,
				receiveMaximum: 20,
				maximumPacketSize: 1024,
				topicAliasMaximum: 8,
				requestResponseInformation: true,
				requestProblemInformation: false,
				userProperties: { k: "v" },
			},
			will: {
				topic: "lwt",
				payload: Buffer.from("gone"),
				qos: 1,
				retain: true,
				properties: {
					willDelayInterval: 30,
					payloadFormatIndicator: true,
					messageExpiryInterval: 600,
					contentType: "text/plain",
					responseTopic: "r/t",
					correlationData: Buffer.of(1, 2, 3),
					userProperties: { w: "x" },
				},
			},
		});
		assert.deepEqual(ours, theirs);
		const [parsed] = parse(ours);
		assert.deepEqual(
			[
				parsed.protocolVersion,
				parsed.properties.sessionExpiryInterval,
				parsed.will.properties.willDelayInterval,
				parsed.will.properties.correlationData.toString("hex"),
			],
			[5, 3600, 30, "010203"],
		);
	});
	it("PUBLISH with no properties, with an alias alone, and with every message property", () => {
		const none = [...v5.encodePublish5(utf8("a/b"), utf8("hi"), 1, false, 7, 0, undefined)];
		assert.deepEqual(none, [0x32, 10, 0, 3, ...ascii("a/b"), 0, 7, 0, ...ascii("hi")]);
		assert.deepEqual(none, generate({ cmd: "publish", topic: "a/b", payload: Buffer.from("hi"), qos: 1, messageId: 7, properties: {} }));
		const aliased = [...v5.encodePublish5(new Uint8Array(0), utf8("hi"), 0, false, 0, 3, undefined)]; // the alias stands for the topic
		assert.deepEqual(aliased, [0x30, 8, 0, 0, 3, TOPIC_ALIAS, 0, 3, ...ascii("hi")]);
		assert.deepEqual(aliased, generate({ cmd: "publish", topic: "", payload: Buffer.from("hi"), qos: 0, properties: { topicAlias: 3 } }));
		const p = {
			payloadFormat: 1,
			messageExpiry: 70_000,
			contentType: "application/json",
			responseTopic: "reply/\u20ac",
			correlationData: Uint8Array.of(0, 255),
			userProperties: users,
		};
		const full = [...v5.encodePublish5(utf8("s/t"), new Uint8Array(300).fill(7), 2, true, 65_535, 5, p)];
		const theirs = generate({
			cmd: "publish",
			topic: "s/t",
			payload: Buffer.alloc(300, 7),
			qos: 2,
			retain: true,
			messageId: 65_535,
			properties: {
				payloadFormatIndicator: true,
				messageExpiryInterval: 70_000,
				topicAlias: 5,
				contentType: "application/json",
				responseTopic: "reply/\u20ac",
				correlationData: Buffer.of(0, 255),
				userProperties: userObject,
			},
		});
		// mqtt-packet groups user properties by name; ours keep the caller's order, so compare with grouped input
		const grouped = [
			...v5.encodePublish5(utf8("s/t"), new Uint8Array(300).fill(7), 2, true, 65_535, 5, { ...p, userProperties: [["a", "1"], ["a", "3"], ["b", "2"]] }),
		];
		assert.deepEqual(grouped, theirs);
		assert.equal(full.length, theirs.length);
		const [parsed] = parse(full);
		assert.deepEqual({ ...parsed.properties.userProperties }, userObject);
		assert.equal(v5.publishLength5(3, 300, 2, v5.propertiesSize(p, 5)), full.length);
	});
	it("CONNECT's request flags the other way, and a PUBLISH whose properties need a two-byte length", () => {
		const p = { requestResponseInformation: false, requestProblemInformation: true };
		assert.deepEqual(
			connect(fields(), p, undefined),
			generate({
				cmd: "connect",
				protocolVersion: 5,
				clientId: "id",
				keepalive: 60,
				clean: true,
				properties: { requestResponseInformation: false, requestProblemInformation: true },
			}),
		);
		const type = "t".repeat(200);
		assert.deepEqual(
			[...v5.encodePublish5(utf8("a"), utf8("x"), 0, false, 0, 0, { contentType: type })],
			generate({ cmd: "publish", topic: "a", payload: Buffer.from("x"), qos: 0, properties: { contentType: type } }),
		);
		assert.equal(v5.publishAlias(Uint8Array.of(0x40, 2, 0, 1)), 0, "not a PUBLISH");
	});
	it("acknowledgements: four bytes for success, reason code and empty properties otherwise", () => {
		const out = new Uint8Array(6);
		for (const [type, cmd] of [[4, "puback"], [5, "pubrec"], [6, "pubrel"], [7, "pubcomp"]]) {
			assert.equal(v5.writeAck5(out, 0, type, 0x0105, 0), 4);
			assert.deepEqual([...out.subarray(0, 4)], generate({ cmd, messageId: 0x0105, reasonCode: 0 }));
		}
		assert.equal(v5.writeAck5(out, 0, 4, 9, 0x80), 6);
		assert.deepEqual([...out], [0x40, 4, 0, 9, 0x80, 0]);
		assert.deepEqual([...out], generate({ cmd: "puback", messageId: 9, reasonCode: 0x80 }));
		v5.writeAck5(out, 0, 7, 9, 0x92); // PUBCOMP: packet identifier not found
		assert.deepEqual([...out], generate({ cmd: "pubcomp", messageId: 9, reasonCode: 0x92 }));
	});
	it("SUBSCRIBE with options and a subscription identifier, UNSUBSCRIBE with user properties", () => {
		const options = [v5.subscriptionOptions(1, true, false, 0), v5.subscriptionOptions(2, false, true, 2), v5.subscriptionOptions(0, false, false, 1)];
		assert.deepEqual(options, [0x05, 0x2A, 0x10]);
		const ours = subscribe(1, ["a/#", "b", "$share/g/c"], options, { subscriptionIdentifier: 200_000, userProperties: [["k", "v"]] });
		assert.deepEqual(
			ours,
			generate({
				cmd: "subscribe",
				messageId: 1,
				properties: { subscriptionIdentifier: 200_000, userProperties: { k: "v" } },
				subscriptions: [
					{ topic: "a/#", qos: 1, nl: true, rap: false, rh: 0 },
					{ topic: "b", qos: 2, nl: false, rap: true, rh: 2 },
					{ topic: "$share/g/c", qos: 0, nl: false, rap: false, rh: 1 },
				],
			}),
		);
		assert.deepEqual(subscribe(2, ["a"], [0], undefined), [0x82, 7, 0, 2, 0, 0, 1, ...ascii("a"), 0]);
		const unsub = subscribe(3, ["a", "b"], undefined, { userProperties: [["x", "y"]] });
		assert.deepEqual(unsub, generate({ cmd: "unsubscribe", messageId: 3, unsubscriptions: ["a", "b"], properties: { userProperties: { x: "y" } } }));
	});
	it("DISCONNECT: a reason code, with session expiry and reason string when given", () => {
		assert.deepEqual(disconnect(0, undefined), [0xE0, 2, 0, 0]);
		assert.deepEqual(disconnect(0, undefined), generate({ cmd: "disconnect", reasonCode: 0 }));
		assert.deepEqual(
			disconnect(0x04, { sessionExpiry: 0, reasonString: "bye", userProperties: [["k", "v"]] }),
			generate({ cmd: "disconnect", reasonCode: 0x04, properties: { sessionExpiryInterval: 0, reasonString: "bye", userProperties: { k: "v" } } }),
		);
	});
	it("variable byte integers at their boundaries in a subscription identifier", () => {
		for (const id of [1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455]) {
			const ours = subscribe(1, ["t"], [0], { subscriptionIdentifier: id });
			assert.deepEqual(
				ours,
				generate({
					cmd: "subscribe",
					messageId: 1,
					properties: { subscriptionIdentifier: id },
					subscriptions: [{ topic: "t", qos: 0, nl: false, rap: false, rh: 0 }],
				}),
				`id ${id}`,
			);
		}
	});
});

describe("MQTT 5: a queued PUBLISH with an alias, written again for another connection", () => {
	it("withTopic puts the topic back and takes the alias out, every other byte as it was", () => {
		const p = { messageExpiry: 9, contentType: "c", userProperties: [["k", "v"]] };
		for (const [topic, qos] of [["", 0], ["a/b", 0], ["", 1]]) {
			const aliased = v5.encodePublish5(utf8(topic), utf8("payload"), qos, true, 7, 3, p);
			assert.equal(v5.publishAlias(aliased), 3);
			const again = v5.withTopic(aliased, utf8("long/topic"));
			assert.deepEqual([...again], [...v5.encodePublish5(utf8("long/topic"), utf8("payload"), qos, true, 7, 0, p)], `topic "${topic}", QoS ${qos}`);
			assert.equal(v5.publishAlias(again), 0);
		}
		assert.equal(v5.publishAlias(v5.encodePublish5(utf8("t"), utf8("x"), 0, false, 0, 0, undefined)), 0);
	});
});

describe("MQTT 5: what a server sends, decoded from mqtt-packet's bytes", () => {
	it("CONNACK with every property a server may send", () => {
		const properties = {
			sessionExpiryInterval: 120,
			receiveMaximum: 10,
			maximumQoS: 1,
			retainAvailable: false,
			maximumPacketSize: 2048,
			assignedClientIdentifier: "auto-1",
			topicAliasMaximum: 5,
			reasonString: "ok",
			userProperties: { a: "b" },
			wildcardSubscriptionAvailable: false,
			subscriptionIdentifiersAvailable: true,
			sharedSubscriptionAvailable: false,
			serverKeepAlive: 30,
			responseInformation: "resp/",
			serverReference: "other",
		};
		const { packet, props, buffer } = decode(generate({ cmd: "connack", sessionPresent: true, reasonCode: 0, properties }));
		assert.deepEqual([packet.returnCode, packet.sessionPresent], [0, true]);
		const number = (id) => props.get(id, -1);
		assert.deepEqual(
			[
				number(0x11),
				number(RECEIVE_MAXIMUM),
				number(0x24),
				number(0x25),
				number(MAXIMUM_PACKET_SIZE),
				number(0x22),
				number(0x28),
				number(0x29),
				number(0x2A),
				number(SERVER_KEEP_ALIVE),
			],
			[120, 10, 1, 0, 2048, 5, 0, 1, 0, 30],
		);
		assert.deepEqual(
			[
				v5.readString(buffer, number(0x12)),
				v5.readString(buffer, number(0x1F)),
				v5.readString(buffer, number(0x1A)),
				v5.readString(buffer, number(0x1C)),
			],
			["auto-1", "ok", "resp/", "other"],
		);
		assert.deepEqual(v5.readUserProperties(buffer, props), [["a", "b"]]);
		assert.equal(props.get(0x01, -1), -1, "absent: the fallback");
	});
	it("CONNACK refusals carry their reason code; an empty property block is fine", () => {
		for (const code of [0x80, 0x84, 0x86, 0x87, 0x8C, 0x9F])
			assert.equal(decode(generate({ cmd: "connack", sessionPresent: false, reasonCode: code })).packet.returnCode, code);
		assert.equal(decode([0x20, 3, 0, 0, 0]).props.seenLow, 0);
	});
	it("PUBLISH with every message property, user properties in order, several subscription identifiers", () => {
		const bytes = generate({
			cmd: "publish",
			topic: "x/y",
			payload: Buffer.from("body"),
			qos: 1,
			messageId: 42,
			retain: true,
			dup: true,
			properties: {
				payloadFormatIndicator: true,
				messageExpiryInterval: 99,
				topicAlias: 4,
				responseTopic: "re",
				correlationData: Buffer.of(7, 8),
				userProperties: { z: ["1", "2"], a: "3" },
				subscriptionIdentifier: [3, 300],
				contentType: "ct",
			},
		});
		const { packet, props, buffer } = decode(bytes);
		assert.deepEqual(
			[
				packet.qos,
				packet.id,
				packet.retain,
				packet.dup,
				text(buffer, packet.topicOffset, packet.topicLength),
				text(buffer, packet.payloadOffset, packet.payloadLength),
			],
			[1, 42, true, true, "x/y", "body"],
		);
		assert.deepEqual([props.get(0x01, -1), props.get(0x02, -1), props.get(TOPIC_ALIAS, -1)], [1, 99, 4]);
		assert.deepEqual(
			[
				v5.readString(buffer, props.get(0x08, 0)),
				[...new Uint8Array(v5.readBinary(buffer, props.get(0x09, 0)))],
				v5.readString(buffer, props.get(0x03, 0)),
			],
			["re", [7, 8], "ct"],
		);
		assert.deepEqual(v5.readUserProperties(buffer, props), [["z", "1"], ["z", "2"], ["a", "3"]]);
		assert.deepEqual(v5.readSubscriptionIds(buffer, props), [3, 300]);
	});
	it("PUBLISH whose topic is an alias alone", () => {
		const { packet, props } = decode(generate({ cmd: "publish", topic: "", payload: Buffer.from("p"), qos: 0, properties: { topicAlias: 10 } }));
		assert.deepEqual([packet.topicLength, props.get(TOPIC_ALIAS, 0), packet.payloadLength], [0, 10, 1]);
	});
	it("acknowledgements with and without reason codes and properties", () => {
		for (const cmd of ["puback", "pubrec"]) {
			assert.equal(decode(generate({ cmd, messageId: 5, reasonCode: 0 })).packet.returnCode, 0);
			const refused = decode(generate({ cmd, messageId: 5, reasonCode: 0x87, properties: { reasonString: "no", userProperties: { u: "v" } } }));
			assert.deepEqual([refused.packet.id, refused.packet.returnCode, v5.readString(refused.buffer, refused.props.get(0x1F, 0))], [5, 0x87, "no"]);
		}
		for (const cmd of ["pubrel", "pubcomp"])
			assert.equal(decode(generate({ cmd, messageId: 6, reasonCode: 0x92 })).packet.returnCode, 0x92);
		assert.equal(decode([0x40, 3, 0, 5, 0x10]).packet.returnCode, 0x10, "a reason code without a property length");
	});
	it("SUBACK and UNSUBACK reason codes, one per filter", () => {
		const suback = decode(generate({ cmd: "suback", messageId: 3, granted: [0, 1, 2, 0x80, 0x87, 0xA2], properties: { reasonString: "r" } }));
		assert.deepEqual(
			[...suback.buffer.subarray(suback.packet.payloadOffset, suback.packet.payloadOffset + suback.packet.payloadLength)],
			[0, 1, 2, 0x80, 0x87, 0xA2],
		);
		const unsuback = decode(generate({ cmd: "unsuback", messageId: 4, granted: [0, 0x11, 0x8F] }));
		assert.deepEqual([unsuback.packet.id, unsuback.packet.payloadLength], [4, 3]);
	});
	it("DISCONNECT from the server with its reason, reason string and server reference", () => {
		const { packet, props, buffer } = decode(
			generate({ cmd: "disconnect", reasonCode: 0x8B, properties: { reasonString: "shutting down", serverReference: "b2" } }),
		);
		assert.deepEqual(
			[packet.returnCode, v5.readString(buffer, props.get(0x1F, 0)), v5.readString(buffer, props.get(0x1C, 0))],
			[0x8B, "shutting down", "b2"],
		);
		assert.equal(decode([0xE0, 0]).packet.returnCode, 0, "no reason code: normal disconnection");
	});
});

describe("MQTT 5: what a client must refuse, by its decoder error and DISCONNECT reason", () => {
	const errors = [
		["a single-use property twice", [0x20, 9, 0, 0, 6, 0x21, 0, 1, 0x21, 0, 2], "property given twice", 0x82],
		["a topic alias twice", [0x30, 11, 0, 1, 0x61, 6, 0x23, 0, 1, 0x23, 0, 1, 0x78], "property given twice", 0x82],
		["receive maximum 0", [0x20, 6, 0, 0, 3, 0x21, 0, 0], "invalid property value", 0x82],
		["maximum packet size 0", [0x20, 8, 0, 0, 5, 0x27, 0, 0, 0, 0], "invalid property value", 0x82],
		["maximum QoS 2", [0x20, 5, 0, 0, 2, 0x24, 2], "invalid property value", 0x82],
		["payload format 2", [0x30, 7, 0, 1, 0x61, 2, 0x01, 2, 0x78], "invalid property value", 0x82],
		["subscription identifier 0", [0x30, 7, 0, 1, 0x61, 2, 0x0B, 0, 0x78], "invalid property value", 0x82],
		["a property length past the packet", [0x20, 4, 0, 0, 9, 0x21], "malformed property length", 0x81],
		["a property cut by the block's end", [0x20, 5, 0, 0, 2, 0x21, 0], "malformed property length", 0x81],
		["a string longer than its block", [0x40, 8, 0, 1, 0x80, 4, 0x1F, 0, 9, 0x61], "malformed property length", 0x81],
		["a property length of five bytes", [0x20, 8, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0], "malformed property length", 0x81],
		["an unknown property id", [0x20, 5, 0, 0, 2, 0x7F, 0], "property not allowed in this packet", 0x82],
		["a topic alias in CONNACK", [0x20, 6, 0, 0, 3, 0x23, 0, 1], "property not allowed in this packet", 0x82],
		["session expiry in a server's DISCONNECT", [0xE0, 7, 0, 5, 0x11, 0, 0, 0, 1], "property not allowed in this packet", 0x82],
		["an authentication method in CONNACK", [0x20, 6, 0, 0, 3, 0x15, 0, 0], "property not allowed in this packet", 0x82],
		["topic alias 0", [0x30, 7, 0, 1, 0x61, 3, 0x23, 0, 0], "invalid topic alias", 0x94],
		["topic alias above our maximum", [0x30, 7, 0, 1, 0x61, 3, 0x23, 0, 11], "invalid topic alias", 0x94],
		["an empty topic with no alias", [0x30, 4, 0, 0, 0, 0x78], "invalid topic alias", 0x94],
		["ill-formed UTF-8 in a reason string", [0x40, 8, 0, 1, 0x80, 4, 0x1F, 0, 1, 0xC0], "malformed string in a property", 0x81],
		["U+0000 in a user property", [0x40, 11, 0, 1, 0x80, 7, 0x26, 0, 1, 0, 0, 1, 0x61], "malformed string in a property", 0x81],
		["CONNACK reason code 0x01", [0x20, 3, 0, 0x01, 0], "invalid reason code", 0x81],
		["CONNACK refusal with session present", [0x20, 3, 1, 0x80, 0], "malformed connack", 0x81],
		["PUBACK reason code 0x92", [0x40, 3, 0, 1, 0x92], "invalid reason code", 0x81],
		["PUBREL reason code 0x10", [0x62, 3, 0, 1, 0x10], "invalid reason code", 0x81],
		["SUBACK reason code 0x03", [0x90, 4, 0, 1, 0, 0x03], "invalid reason code", 0x81],
		["UNSUBACK reason code 0x01", [0xB0, 4, 0, 1, 0, 0x01], "invalid reason code", 0x81],
		["SUBACK without reason codes", [0x90, 3, 0, 1, 0], "wrong remaining length for packet type", 0x81],
		["SUBACK whose properties leave no reason code", [0x90, 6, 0, 1, 3, 0x1F, 0, 0], "wrong remaining length for packet type", 0x81],
		["SUBACK with packet id 0", [0x90, 4, 0, 0, 0, 0], "packet id 0", 0x81],
		["DISCONNECT reason 0x04 (a client's)", [0xE0, 1, 0x04], "invalid reason code", 0x81],
		["CONNACK with bytes after its properties", [0x20, 4, 0, 0, 0, 9], "wrong remaining length for packet type", 0x81],
		["AUTH, never asked for", [0xF0, 0], "packet a server never sends", 0x82],
		["PUBLISH with packet id 0", [0x32, 6, 0, 1, 0x61, 0, 0, 0], "packet id 0", 0x81],
	];
	for (const [name, bytes, error, reason] of errors) {
		it(`rejects ${name}: ${error}`, () => {
			const result = decode(bytes);
			assert.ok(typeof result === "number" && result < 0, `result ${JSON.stringify(result)}`);
			assert.equal(v5.errorName5(result), error);
			assert.equal(v5.disconnectReason(result), reason);
		});
	}
	it("mqtt-packet also refuses the malformed ones it checks", () => {
		assert.ok(parse([0x20, 4, 0, 0, 9, 0x21])[0].error);
	});
});

describe("MQTT 5: an oversized PUBLISH decodes from its first bytes", () => {
	it("NEED_MORE until the properties are in, then VALID", () => {
		const bytes = Uint8Array.from(
			generate({ cmd: "publish", topic: "topic", payload: Buffer.alloc(100, 1), qos: 1, messageId: 5, properties: { contentType: "text/plain" } }),
		);
		const packet = new Packet(), props = new Properties();
		decoder.decodeHeader(bytes, 0, bytes.length, packet);
		// header 2, topic 2 + 5, packet id 2, property length 1, content type 13: the payload starts at 25
		assert.equal(v5.decodeBody5(bytes, 0, 12, packet, props), NEED_MORE);
		assert.equal(v5.decodeBody5(bytes, 0, 24, packet, props), NEED_MORE);
		assert.equal(v5.decodeBody5(bytes, 0, 25, packet, props), VALID);
		assert.equal(packet.payloadOffset, 25);
		assert.deepEqual([packet.id, packet.payloadLength, v5.readString(bytes, props.get(0x03, 0))], [5, 100, "text/plain"]);
	});
});

/**
 * A framer over the codec as a session uses it: bytes arrive in pieces, each whole packet is
 * checked and decoded. Returns what it decoded (a summary per packet) or stops at an error.
 */
function framer() {
	const buffer = new Uint8Array(4096);
	const packet = new Packet(), props = new Properties();
	props.aliasMaximum = 10;
	let filled = 0;
	const out = [];
	return {
		out,
		push(bytes) {
			if (out.at(-1)?.error)
				return;
			buffer.set(bytes, filled);
			filled += bytes.length;
			for (;;) {
				const length = decoder.decodeHeader(buffer, 0, filled, packet);
				if (length < 0)
					return void out.push({ error: v5.errorName5(length) });
				if (length === NEED_MORE || length > filled)
					return;
				let result = v5.checkHeader5(packet);
				if (result >= 0)
					result = v5.decodeBody5(buffer, 0, length, packet, props);
				if (result < 0)
					return void out.push({ error: v5.errorName5(result) });
				const summary = { type: packet.type, id: packet.id, code: packet.returnCode, users: v5.readUserProperties(buffer, props) ?? [] };
				if (packet.type === 3)
					Object.assign(summary, {
						topic: text(buffer, packet.topicOffset, packet.topicLength),
						payload: text(buffer, packet.payloadOffset, packet.payloadLength),
					});
				if ((packet.type === 3 || packet.type === 9 || packet.type === 11) && packet.payloadOffset + packet.payloadLength !== length)
					throw new Error(`payload ends at ${packet.payloadOffset + packet.payloadLength}, the packet at ${length}`);
				if ((props.seenLow || props.seenHigh || props.users || props.subscriptionIds) && props.end > length)
					throw new Error(`properties end at ${props.end}, past the packet's ${length} bytes`);
				out.push(summary);
				buffer.copyWithin(0, length, filled);
				filled -= length;
			}
		},
	};
}

describe("MQTT 5: a stream whole, byte by byte, split at every index and glued", () => {
	const stream = [
		...generate({ cmd: "connack", sessionPresent: false, reasonCode: 0, properties: { topicAliasMaximum: 4, userProperties: { s: "1" } } }),
		...generate({ cmd: "publish", topic: "a/b", payload: Buffer.from("one"), qos: 0, properties: { userProperties: { k: ["v1", "v2"] } } }),
		...generate({ cmd: "publish", topic: "", payload: Buffer.from("two"), qos: 1, messageId: 9, properties: { topicAlias: 2 } }),
		...generate({ cmd: "puback", messageId: 3, reasonCode: 0x10 }),
		...generate({ cmd: "pubrel", messageId: 9, reasonCode: 0 }),
		...generate({ cmd: "suback", messageId: 4, granted: [1] }),
		...generate({ cmd: "pingresp" }),
		...generate({ cmd: "disconnect", reasonCode: 0x8B, properties: { reasonString: "bye" } }),
	];
	const expected = (() => {
		const whole = framer();
		whole.push(stream);
		return whole.out;
	})();
	it("whole: every packet, in order", () => {
		assert.deepEqual(expected.map((p) => p.type), [2, 3, 3, 4, 6, 9, 13, 14]);
		assert.deepEqual([expected[1].topic, expected[1].payload, expected[1].users], ["a/b", "one", [["k", "v1"], ["k", "v2"]]]);
		assert.deepEqual([expected[2].topic, expected[2].id, expected[3].code, expected[7].code], ["", 9, 0x10, 0x8B]);
	});
	it("byte by byte and split at every index give the same packets", () => {
		const trickle = framer();
		for (const byte of stream)
			trickle.push([byte]);
		assert.deepEqual(trickle.out, expected);
		for (let split = 1; split < stream.length; split++) {
			const f = framer();
			f.push(stream.slice(0, split));
			f.push(stream.slice(split));
			assert.deepEqual(f.out, expected, `split at ${split}`);
		}
	});
});

describe("MQTT 5: the decoder's contract under random input", () => {
	const property = fc.oneof(
		fc.record({ payloadFormatIndicator: fc.boolean() }, { requiredKeys: [] }),
		fc.record(
			{ messageExpiryInterval: fc.nat(), contentType: fc.string({ maxLength: 8 }), responseTopic: fc.stringMatching(/^[a-z/]{1,8}$/) },
			{ requiredKeys: [] },
		),
		fc.record({ userProperties: fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), fc.string({ maxLength: 6 }), { maxKeys: 3 }) }, { requiredKeys: [] }),
	);
	const packet = fc.oneof(
		fc.record({
			cmd: fc.constant("publish"),
			topic: fc.stringMatching(/^[a-z/]{1,20}$/),
			payload: fc.uint8Array({ maxLength: 200 }),
			qos: fc.constantFrom(0, 1, 2),
			messageId: fc.integer({ min: 1, max: 65_535 }),
			properties: property,
		}),
		fc.record({
			cmd: fc.constantFrom("puback", "pubrec"),
			messageId: fc.integer({ min: 1, max: 65_535 }),
			reasonCode: fc.constantFrom(0, 0x10, 0x80, 0x97),
		}),
		fc.record({ cmd: fc.constantFrom("pubrel", "pubcomp"), messageId: fc.integer({ min: 1, max: 65_535 }), reasonCode: fc.constantFrom(0, 0x92) }),
		fc.record({
			cmd: fc.constant("suback"),
			messageId: fc.integer({ min: 1, max: 65_535 }),
			granted: fc.array(fc.constantFrom(0, 1, 2, 0x80, 0x9E), { minLength: 1, maxLength: 4 }),
		}),
		fc.constant({ cmd: "pingresp" }),
	);
	const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom("flip", "cut", "insert"), value: fc.integer({ min: 0, max: 255 }) });
	const streams = fc.tuple(fc.array(packet, { minLength: 1, maxLength: 5 }), fc.array(mutation, { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 })).map(
		([packets, mutations, cuts]) => {
			const bytes = packets.flatMap((p) =>
				generate(p.cmd === "publish" ? { ...p, payload: Buffer.from(p.payload), messageId: p.qos ? p.messageId : undefined } : p)
			);
			for (const m of mutations) {
				const at = m.at % bytes.length;
				if (m.kind === "flip")
					bytes[at] ^= 1 << (m.value & 7);
				else if (m.kind === "cut")
					bytes.splice(at, 1 + (m.value & 3));
				else
					bytes.splice(at, 0, m.value);
			}
			return { bytes, cuts: [...new Set(cuts.map((c) => c % (bytes.length || 1)))].sort((a, b) => a - b), mutated: mutations.length > 0 };
		},
	);
	it("never throws, keeps every offset inside its packet, agrees across splits, and names every error (2,000 cases)", () => {
		const tally = { valid: 0, error: 0 };
		fc.assert(
			fc.property(streams, ({ bytes, cuts, mutated }) => {
				const whole = framer();
				whole.push(bytes);
				const split = framer();
				let from = 0;
				for (const to of [...cuts, bytes.length]) {
					split.push(bytes.slice(from, to));
					from = to;
				}
				assert.deepEqual(split.out, whole.out);
				const last = whole.out.at(-1);
				if (last?.error) {
					assert.notEqual(last.error, "protocol error", "every error has a name");
					tally.error++;
				}
				else {
					if (!mutated)
						assert.ok(whole.out.length > 0);
					tally.valid++;
				}
			}),
			{ numRuns: 2_000, seed: 20261206 },
		);
		assert.ok(tally.valid > 0 && tally.error > 0, JSON.stringify(tally));
	});
});
