// The codec, byte for byte: every packet the client writes, every packet a server may send,
// the remaining-length boundaries, UTF-8, and mqtt-packet (an independent codec) as an oracle.
// Decoding through the session also runs byte by byte, split at every index, and glued.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import * as decoder from "../../build/host/modules/mqtt/codec.js";
import * as encoder from "../../build/host/modules/mqtt/encode.js";

const codec = { ...decoder, ...encoder };
import { Session } from "../../build/host/modules/mqtt/session.js";
import { FakeLink, Recorder } from "../support/fake-link.js";

const { Packet } = codec;
// Packet types (MQTT 3.1.1, 2.2.1) and the decoder's first two results (codec.ts): the module's
// names for them are const enums, written into its code as numbers, so they are not exports.
const PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7, PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14;
const NEED_MORE = 0, VALID = 1;
const ascii = (text) => [...text].map((c) => c.charCodeAt(0));

function fields(overrides = {}) {
	const f = {
		clientId: "id",
		keepalive: 60,
		cleanSession: true,
		username: undefined,
		password: undefined,
		willTopic: undefined,
		willPayload: undefined,
		willQos: 0,
		willRetain: false,
		...overrides,
	};
	f.clientIdBytes = codec.utf8Length(f.clientId);
	f.usernameBytes = f.username === undefined ? 0 : codec.utf8Length(f.username);
	f.willTopicBytes = f.willTopic === undefined ? 0 : codec.utf8Length(f.willTopic);
	return f;
}

function encodeConnect(f) {
	const out = new Uint8Array(codec.connectLength(f));
	assert.equal(codec.writeConnect(out, 0, f), out.length);
	return [...out];
}

function encodePublish(topic, payload, qos, retain, id) {
	return [...codec.encodePublish(new TextEncoder().encode(topic), Uint8Array.from(payload), qos, retain, id)];
}

function encodeSubscribe(id, topics, qos) {
	const sizes = topics.map(codec.utf8Length);
	const out = new Uint8Array(codec.subscribeLength(sizes, qos !== undefined));
	assert.equal(codec.writeSubscribe(out, 0, id, topics, sizes, qos), out.length);
	return [...out];
}

/** Decodes one complete packet the way the session does; a number is an error code. */
function decode(bytes) {
	const buffer = Uint8Array.from(bytes);
	const packet = new Packet();
	let result = codec.decodeHeader(buffer, 0, buffer.length, packet);
	if (result <= 0)
		return result;
	result = codec.checkHeader(packet);
	if (result < 0)
		return result;
	result = codec.decodeBody(buffer, 0, packet.length, packet);
	return result < 0 ? result : packet;
}

describe("encoding what the client sends", () => {
	it("CONNECT, clean session, no will or credentials", () => {
		assert.deepEqual(encodeConnect(fields()), [
			0x10,
			14, // CONNECT, remaining length 14
			0,
			4,
			...ascii("MQTT"), // protocol name
			4, // level 4 = 3.1.1
			0x02, // flags: clean session
			0,
			60, // keepalive 60 s
			0,
			2,
			...ascii("id"), // client id
		]);
	});
	it("CONNECT with will (QoS 1, retained), username and binary password, persistent session", () => {
		const f = fields({
			clientId: "c",
			keepalive: 10,
			cleanSession: false,
			willTopic: "w",
			willPayload: Uint8Array.of(0x78),
			willQos: 1,
			willRetain: true,
			username: "u",
			password: Uint8Array.of(1, 2),
		});
		assert.deepEqual(encodeConnect(f), [
			0x10,
			26,
			0,
			4,
			...ascii("MQTT"),
			4,
			0xEC, // username 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04
			0,
			10,
			0,
			1,
			...ascii("c"),
			0,
			1,
			...ascii("w"), // will topic
			0,
			1,
			0x78, // will message
			0,
			1,
			...ascii("u"), // username
			0,
			2,
			1,
			2, // password
		]);
	});
	it("CONNECT with an empty client id", () => {
		assert.deepEqual(encodeConnect(fields({ clientId: "" })), [0x10, 12, 0, 4, ...ascii("MQTT"), 4, 0x02, 0, 60, 0, 0]);
	});
	it("PUBLISH at QoS 0, 1 (retained) and 2 (empty payload)", () => {
		assert.deepEqual(encodePublish("a/b", ascii("hi"), 0, false, 0), [0x30, 7, 0, 3, ...ascii("a/b"), ...ascii("hi")]);
		assert.deepEqual(encodePublish("a/b", ascii("hi"), 1, true, 10), [
			0x33,
			9, // PUBLISH, QoS 1, retain
			0,
			3,
			...ascii("a/b"),
			0,
			10, // packet id
			...ascii("hi"),
		]);
		assert.deepEqual(encodePublish("a", [], 2, false, 0x1234), [0x34, 5, 0, 1, ...ascii("a"), 0x12, 0x34]);
	});
	it("DUP is set on an encoded PUBLISH for redelivery", () => {
		const bytes = Uint8Array.from(encodePublish("a", [1], 1, false, 3));
		codec.markDuplicate(bytes);
		assert.equal(bytes[0], 0x3A);
	});
	it("SUBSCRIBE with several topics and UNSUBSCRIBE", () => {
		assert.deepEqual(encodeSubscribe(1, ["a/#", "b"], [1, 2]), [
			0x82,
			12, // SUBSCRIBE, reserved flags 0b0010
			0,
			1, // packet id
			0,
			3,
			...ascii("a/#"),
			1,
			0,
			1,
			...ascii("b"),
			2,
		]);
		assert.deepEqual(encodeSubscribe(2, ["a"], undefined), [0xA2, 5, 0, 2, 0, 1, ...ascii("a")]);
	});
	it("acknowledgements, PINGREQ and DISCONNECT", () => {
		const out = new Uint8Array(4);
		for (const [type, first] of [[PUBACK, 0x40], [PUBREC, 0x50], [PUBREL, 0x62], [PUBCOMP, 0x70]]) {
			codec.writeAck(out, 0, type, 0x0105);
			assert.deepEqual([...out], [first, 2, 1, 5]);
		}
		const two = new Uint8Array(2);
		codec.writeEmpty(two, 0, PINGREQ);
		assert.deepEqual([...two], [0xC0, 0]);
		codec.writeEmpty(two, 0, DISCONNECT);
		assert.deepEqual([...two], [0xE0, 0]);
	});
});

describe("remaining length", () => {
	const cases = [
		[0, [0x00]],
		[127, [0x7F]],
		[128, [0x80, 0x01]],
		[16_383, [0xFF, 0x7F]],
		[16_384, [0x80, 0x80, 0x01]],
		[2_097_151, [0xFF, 0xFF, 0x7F]],
		[2_097_152, [0x80, 0x80, 0x80, 0x01]],
		[268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]],
	];
	for (const [length, bytes] of cases) {
		it(`${length} encodes as ${bytes.length} byte(s) and decodes back`, () => {
			const out = new Uint8Array(5);
			assert.equal(codec.writeFixedHeader(out, 0, 0x30, length), 1 + bytes.length);
			assert.deepEqual([...out.subarray(1, 1 + bytes.length)], bytes);
			assert.equal(codec.remainingLengthSize(length), bytes.length);
			const packet = new Packet();
			assert.equal(codec.decodeHeader(Uint8Array.of(0x30, ...bytes), 0, 1 + bytes.length, packet), 1 + bytes.length + length);
			assert.equal(packet.headerLength, 1 + bytes.length);
		});
	}
	it("a fifth length byte is malformed; an unfinished one asks for more", () => {
		const packet = new Packet();
		assert.equal(codec.errorName(codec.decodeHeader(Uint8Array.of(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), 0, 6, packet)), "malformed remaining length");
		assert.equal(codec.decodeHeader(Uint8Array.of(0x30, 0xFF, 0xFF), 0, 3, packet), NEED_MORE);
		assert.equal(codec.decodeHeader(Uint8Array.of(0x30), 0, 1, packet), NEED_MORE);
	});
});

describe("decoding what a server sends", () => {
	it("CONNACK: accepted, session present, refusal codes", () => {
		assert.deepEqual([decode([0x20, 2, 0, 0]).returnCode, decode([0x20, 2, 0, 0]).sessionPresent], [0, false]);
		assert.equal(decode([0x20, 2, 1, 0]).sessionPresent, true);
		for (let code = 1; code <= 5; code++)
			assert.equal(decode([0x20, 2, 0, code]).returnCode, code);
	});
	it("PUBLISH at QoS 0 and QoS 1 with DUP and retain", () => {
		const p0 = decode([0x30, 7, 0, 3, ...ascii("a/b"), ...ascii("hi")]);
		assert.deepEqual([p0.qos, p0.id, p0.topicOffset, p0.topicLength, p0.payloadOffset, p0.payloadLength], [0, 0, 4, 3, 7, 2]);
		const p1 = decode([0x3B, 8, 0, 3, ...ascii("a/b"), 0, 7, 0x78]);
		assert.deepEqual([p1.qos, p1.dup, p1.retain, p1.id, p1.payloadLength], [1, true, true, 7, 1]);
		const p2 = decode([0x34, 5, 0, 1, ...ascii("a"), 0x12, 0x34]);
		assert.deepEqual([p2.qos, p2.id, p2.payloadLength], [2, 0x1234, 0]);
	});
	it("acknowledgements, SUBACK codes, PINGRESP", () => {
		for (const first of [0x40, 0x50, 0x62, 0x70, 0xB0])
			assert.equal(decode([first, 2, 0, 9]).id, 9);
		const suback = decode([0x90, 6, 0, 1, 0, 1, 2, 0x80]);
		assert.deepEqual([suback.id, suback.payloadLength], [1, 4]);
		assert.equal(decode([0xD0, 0]).type, PINGRESP);
	});
	const errors = [
		["CONNACK with reserved acknowledge bits", [0x20, 2, 2, 0], "malformed connack"],
		["CONNACK code 6", [0x20, 2, 0, 6], "malformed connack"],
		["CONNACK with flags", [0x21, 2, 0, 0], "reserved flags set"],
		["CONNACK too long", [0x20, 3, 0, 0, 0], "wrong remaining length for packet type"],
		["PUBLISH at QoS 3", [0x36, 5, 0, 1, 0x61, 0, 1], "invalid qos"],
		["PUBLISH at QoS 0 with DUP", [0x38, 4, 0, 1, 0x61, 0x78], "reserved flags set"],
		["PUBLISH with a wildcard topic", [0x30, 4, 0, 1, 0x23, 0x78], "invalid topic name"],
		["PUBLISH with packet id 0", [0x32, 5, 0, 1, 0x61, 0, 0], "packet id 0"],
		["PUBLISH whose topic overruns it", [0x30, 3, 0, 5, 0x61], "wrong remaining length for packet type"],
		["PUBLISH with an empty topic", [0x30, 3, 0, 0, 0x78], "wrong remaining length for packet type"],
		["PUBREL without its flags", [0x60, 2, 0, 9], "reserved flags set"],
		["PUBACK with packet id 0", [0x40, 2, 0, 0], "packet id 0"],
		["PUBACK too short", [0x40, 1, 0], "wrong remaining length for packet type"],
		["SUBACK with code 3", [0x90, 3, 0, 1, 3], "invalid suback return code"],
		["SUBACK without codes", [0x90, 2, 0, 1], "wrong remaining length for packet type"],
		["PINGRESP with a body", [0xD0, 1, 0], "wrong remaining length for packet type"],
		["type 0", [0x00, 0], "unknown packet type"],
		["type 15", [0xF0, 0], "unknown packet type"],
		["CONNECT from a server", [0x10, 0], "packet a server never sends"],
		["SUBSCRIBE from a server", [0x82, 0], "packet a server never sends"],
		["UNSUBSCRIBE from a server", [0xA2, 0], "packet a server never sends"],
		["PINGREQ from a server", [0xC0, 0], "packet a server never sends"],
		["DISCONNECT from a server", [0xE0, 0], "packet a server never sends"],
	];
	for (const [name, bytes, error] of errors) {
		it(`rejects ${name}: ${error}`, () => {
			const result = decode(bytes);
			assert.ok(result < 0, `result ${result}`);
			assert.equal(codec.errorName(result), error);
		});
	}
	it("an oversized PUBLISH decodes from its first bytes (NEED_MORE until the packet id is in)", () => {
		const bytes = Uint8Array.from(encodePublish("topic", new Array(100).fill(1), 1, false, 5));
		const packet = new Packet();
		codec.decodeHeader(bytes, 0, bytes.length, packet);
		assert.equal(codec.decodeBody(bytes, 0, 6, packet), NEED_MORE);
		assert.equal(codec.decodeBody(bytes, 0, 12, packet), VALID);
		assert.deepEqual([packet.id, packet.payloadOffset, packet.payloadLength], [5, 11, 100]); // header 2, topic 2 + 5, id 2
	});
});

describe("UTF-8", () => {
	it("lengths and bytes for 1- to 4-byte characters", () => {
		for (const [text, bytes] of [["a", [0x61]], ["\u00e9", [0xC3, 0xA9]], ["\u20ac", [0xE2, 0x82, 0xAC]], ["\u{1F600}", [0xF0, 0x9F, 0x98, 0x80]]]) {
			assert.equal(codec.utf8Length(text), bytes.length);
			const out = new Uint8Array(bytes.length);
			assert.equal(codec.writeUtf8(out, 0, text), bytes.length);
			assert.deepEqual([...out], bytes);
			assert.deepEqual([...out], [...new TextEncoder().encode(text)]);
		}
	});
	it("lone surrogates are not encodable", () => {
		assert.equal(codec.utf8Length("a\uD800"), -1);
		assert.equal(codec.utf8Length("\uDC00b"), -1);
	});
});

describe("mqtt-packet as an oracle", () => {
	const parse = (bytes) => {
		const parser = mqttPacket.parser({ protocolVersion: 4 });
		const packets = [];
		parser.on("packet", (p) => packets.push(p));
		parser.on("error", (e) => packets.push({ error: e.message }));
		parser.parse(Buffer.from(bytes));
		return packets;
	};
	it("parses what we encode to the same fields", () => {
		const [connect] = parse(
			encodeConnect(
				fields({
					clientId: "dev\u00e9",
					keepalive: 120,
					cleanSession: false,
					willTopic: "lwt",
					willPayload: Uint8Array.of(0x6F),
					willQos: 2,
					willRetain: false,
					username: "user",
					password: ascii("pw"),
				}),
			),
		);
		assert.deepEqual(
			[
				connect.cmd,
				connect.clientId,
				connect.keepalive,
				connect.clean,
				connect.will.topic,
				connect.will.qos,
				connect.username,
				connect.password.toString(),
			],
			["connect", "dev\u00e9", 120, false, "lwt", 2, "user", "pw"],
		);
		const [publish] = parse(encodePublish("s/\u20ac", new Array(300).fill(7), 2, true, 65_535));
		assert.deepEqual(
			[publish.cmd, publish.topic, publish.qos, publish.retain, publish.messageId, publish.payload.length],
			["publish", "s/\u20ac", 2, true, 65_535, 300],
		);
		const [subscribe] = parse(encodeSubscribe(9, ["a/+", "#"], [0, 2]));
		assert.deepEqual(subscribe.subscriptions.map((s) => [s.topic, s.qos]), [["a/+", 0], ["#", 2]]);
		const [unsubscribe] = parse(encodeSubscribe(10, ["a/+"], undefined));
		assert.deepEqual(unsubscribe.unsubscriptions, ["a/+"]);
	});
	it("we decode what it generates", () => {
		const generated = (packet) => [...mqttPacket.generate(packet, { protocolVersion: 4 })];
		const publish = decode(generated({ cmd: "publish", topic: "x/y", payload: Buffer.alloc(20_000, 3), qos: 1, messageId: 42, retain: true, dup: true }));
		assert.deepEqual([publish.qos, publish.id, publish.retain, publish.dup, publish.payloadLength], [1, 42, true, true, 20_000]);
		assert.deepEqual([decode(generated({ cmd: "connack", returnCode: 4, sessionPresent: false })).returnCode], [4]);
		assert.equal(decode(generated({ cmd: "suback", messageId: 3, granted: [0, 1, 2, 128] })).payloadLength, 4);
		assert.equal(decode(generated({ cmd: "pubrel", messageId: 77 })).id, 77);
	});
});

/** A session that has received its CONNACK, over a fake link. */
export function connectedSession(options = {}) {
	const link = new FakeLink();
	const owner = new Recorder();
	const session = new Session(link, owner, {
		maxMessageLength: 1024,
		keepalive: 60,
		cleanSession: true,
		binary: false,
		window: 8,
		queueLength: 16,
		receiveMaximum: 32,
		ackTimeout: 60_000,
		...options,
	});
	session.connect(fields({ clientId: "t", cleanSession: options.cleanSession ?? true }), "broker", 1883, false);
	session.linkResolved("10.0.0.1");
	session.linkWritable(link.free);
	link.receive([0x20, 2, 0, 0]);
	return { link, owner, session };
}

describe("streaming through the session", () => {
	const stream = [
		...encodePublish("a/b", ascii("one"), 0, false, 0),
		...encodePublish("a/b", ascii("two"), 1, false, 5),
		...encodePublish("c", [], 2, true, 6),
		0x62,
		2,
		0,
		6, // PUBREL 6
		0xD0,
		0, // PINGRESP
		...encodePublish("a/b", new Array(500).fill(0x7A), 0, false, 0),
	];
	const expected = [["message", "a/b", "one"], ["message", "a/b", "two"], ["message", "c", undefined], ["message", "a/b", "z".repeat(500)]];
	const events = (owner) => owner.events.filter((e) => e[0] === "message").map((e) => e.slice(0, 3));

	it("whole, byte by byte, and split at every index give the same events and acks", () => {
		const whole = connectedSession();
		whole.link.receive(stream);
		assert.deepEqual(events(whole.owner), expected);
		const acks = whole.link.packets().filter((p) => p.cmd !== "connect").map((p) => [p.cmd, p.messageId]);
		assert.deepEqual(acks, [["puback", 5], ["pubrec", 6], ["pubcomp", 6]]);

		const trickle = connectedSession();
		for (const byte of stream)
			trickle.link.receive([byte]);
		assert.deepEqual(events(trickle.owner), expected);

		for (let split = 1; split < stream.length; split++) {
			const { link, owner } = connectedSession();
			link.receive(stream.slice(0, split));
			link.receive(stream.slice(split));
			assert.deepEqual(events(owner), expected, `split at ${split}`);
		}
	});
	it("glued to the CONNACK in one read (retained messages right after connect)", () => {
		const link = new FakeLink();
		const owner = new Recorder();
		const session = new Session(link, owner, {
			maxMessageLength: 1024,
			keepalive: 60,
			cleanSession: true,
			binary: false,
			window: 8,
			queueLength: 16,
			receiveMaximum: 32,
			ackTimeout: 60_000,
		});
		session.connect(fields(), "broker", 1883, false);
		session.linkResolved("10.0.0.1");
		session.linkWritable(link.free);
		link.receive([0x20, 2, 0, 0, ...stream]);
		assert.deepEqual(owner.names().slice(0, 1), ["connect"]);
		assert.deepEqual(events(owner), expected);
	});
});
