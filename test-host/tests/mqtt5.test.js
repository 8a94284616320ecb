// MQTT 5 (options.protocolVersion 5, manifest_v5.json) through the public API in both engines:
// against mosquitto speaking v5, with mqtt.js v5 as the peer that sees what we send and sends us
// properties; and against the scripted fault broker for what mosquitto never does (limits in
// CONNACK, bad properties, aliases it chooses, reason codes that end an exchange).
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { ENGINES, startEngine } from "../engine.js";
import { value } from "../support/results.js";
import { nextMessage, observer } from "../support/peer.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { FaultBroker, closedPort } from "../brokers/fault-broker.js";

const HOST = "127.0.0.1";
const V5 = { protocolVersion: 5 };
let unique = 0;
const topic = (name) => `t5/${process.pid}/${++unique}/${name}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (const name of ENGINES) {
	describe(`MQTT 5 on ${name}, against mosquitto`, () => {
		let broker, engine, peer;

		before(async () => {
			broker = await startMosquitto();
			engine = await startEngine(name);
			peer = await observer(broker.port, { protocolVersion: 5 });
		});
		after(async () => {
			peer?.end(true);
			await engine?.close();
			await broker?.stop();
		});

		async function connected(options = {}, id = `v5-${process.pid}-${++unique}`) {
			const client = await engine.newClient(id, 30, null, null, 1, 1024, { ...V5, ...options });
			value(await client.call("connect", HOST, broker.port, false, engine.fn("connected"), engine.fn("failed")));
			const [, sessionPresent, connack] = await client.next("connected");
			assert.equal(sessionPresent, false);
			return { client, connack };
		}

		it("connects at protocol level 5 and hands the CONNACK's reason code and properties to the connect handler", async () => {
			const { client, connack } = await connected({ userProperties: [["site", "lab"]] });
			assert.equal(connack.reasonCode, 0);
			assert.equal(typeof connack.topicAliasMaximum, "number", "mosquitto announces its topic alias maximum");
			assert.equal(value(await client.call("close")), true);
		});

		it("publishes every message property, user properties in order, and the peer sees them", async () => {
			const { client } = await connected();
			const t = topic("props");
			await peer.subscribeAsync(t, { qos: 1 });
			const got = nextMessage(peer, t);
			value(
				await client.call("publish", t, "{}", 1, 0, engine.fn("puback"), {
					payloadFormat: 1,
					messageExpiry: 300,
					contentType: "application/json",
					responseTopic: `${t}/reply`,
					correlationData: engine.bytes(Uint8Array.of(1, 2, 3)),
					userProperties: [["a", "1"], ["b", "2"], ["a", "3"]],
				}),
			);
			const { packet } = await got;
			const p = packet.properties;
			assert.deepEqual(
				[p.payloadFormatIndicator, p.contentType, p.responseTopic, [...p.correlationData]],
				[true, "application/json", `${t}/reply`, [1, 2, 3]],
			);
			assert.ok(p.messageExpiryInterval <= 300 && p.messageExpiryInterval > 290);
			assert.deepEqual({ ...p.userProperties }, { a: ["1", "3"], b: "2" });
			const [, id, reason] = await client.next("puback");
			assert.deepEqual([id > 0, reason], [true, 0], "PUBACK's reason code reaches the handler");
			await client.call("close");
		});

		it("receives a message's properties and the subscription identifier that matched", async () => {
			const { client } = await connected();
			const t = topic("in");
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("subscribe", t, 1, engine.fn("suback"), { subscriptionIdentifier: 42, userProperties: [["s", "1"]] }));
			const [, , granted] = await client.next("suback");
			assert.deepEqual(granted, [1]);
			await peer.publishAsync(t, "hello", {
				qos: 1,
				properties: {
					contentType: "text/plain",
					responseTopic: "r",
					correlationData: Buffer.of(9),
					userProperties: { x: "1", y: "2" },
					payloadFormatIndicator: true,
					messageExpiryInterval: 60,
				},
			});
			const [, tp, data, props] = await client.next("message");
			assert.deepEqual([tp, data], [t, "hello"]);
			assert.deepEqual(
				[props.contentType, props.responseTopic, [...props.correlationData.bytes], props.payloadFormat, props.subscriptionIdentifiers],
				["text/plain", "r", [9], 1, [42]],
			);
			assert.deepEqual(props.userProperties, [["x", "1"], ["y", "2"]]);
			assert.ok(props.messageExpiry > 0 && props.messageExpiry <= 60);
			await peer.publishAsync(t, "bare", { qos: 0 });
			const bare = await client.next("message");
			assert.equal(bare[2], "bare");
			assert.deepEqual(bare[3].subscriptionIdentifiers, [42], "only what the broker adds");
			await client.call("close");
		});

		it("subscription options: No Local keeps our own publishes from us, Retain Handling 2 sends no retained message", async () => {
			const { client } = await connected();
			const t = topic("opts");
			value(await client.call("on", "message", engine.fn("message")));
			await peer.publishAsync(`${t}/kept`, "retained", { qos: 1, retain: true });
			value(
				await client.call(
					"subscribe",
					{ [`${t}/kept`]: { qos: 1, retainHandling: 2 }, [`${t}/mine`]: { qos: 1, noLocal: true }, [`${t}/theirs`]: 1 },
					engine.fn("suback"),
				),
			);
			const [, , granted] = await client.next("suback");
			assert.deepEqual(granted, [1, 1, 1]);
			value(await client.call("publish", `${t}/mine`, "echo?", 1, 0));
			await peer.publishAsync(`${t}/theirs`, "marker", { qos: 1 });
			const [, tp, data] = await client.next("message");
			assert.deepEqual([tp, data], [`${t}/theirs`, "marker"], "neither our own publish nor the retained message came first");
			await peer.publishAsync(`${t}/kept`, "", { qos: 1, retain: true });
			await client.call("close");
		});

		it("UNSUBACK's reason codes: 0 for a subscription, 0x11 for none", async () => {
			const { client } = await connected();
			const t = topic("unsub");
			value(await client.call("subscribe", `${t}/a`, 0, engine.fn("suback")));
			await client.next("suback");
			value(await client.call("unsubscribe", [[`${t}/a`, 0], [`${t}/b`, 0]], engine.fn("unsuback"), { userProperties: [["u", "v"]] }));
			const [, id, codes] = await client.next("unsuback");
			assert.ok(id > 0);
			assert.deepEqual(codes, [0, 0x11]);
			await client.call("close");
		});

		it("topic aliases out: QoS 0 publishes to a 40-byte topic arrive whole at the peer", async () => {
			const { client, connack } = await connected({ topicAliases: 4 });
			assert.ok(connack.topicAliasMaximum > 0);
			const t = topic("alias").padEnd(40, "x");
			await peer.subscribeAsync(t, { qos: 0 });
			const seen = [];
			peer.on("message", (tp, payload) => {
				if (tp === t)
					seen.push(payload.toString());
			});
			for (let i = 0; i < 5; i++)
				value(await client.call("publish", t, `m${i}`, 0, 0));
			for (let i = 0; seen.length < 5 && i < 50; i++)
				await sleep(20);
			assert.deepEqual(seen, ["m0", "m1", "m2", "m3", "m4"]);
			await client.call("close");
		});

		it("mosquitto's max_packet_size arrives as CONNACK's maximum packet size, and a larger publish is refused locally", async () => {
			const small = await startMosquitto({ extraConfig: ["max_packet_size 200"] });
			try {
				const client = await engine.newClient(`v5-small-${process.pid}`, 30, null, null, 1, 1024, V5);
				value(await client.call("connect", HOST, small.port, false, engine.fn("connected")));
				const [, , connack] = await client.next("connected");
				assert.equal(connack.maximumPacketSize, 200);
				const refused = await client.call("publish", "t", "x".repeat(300), 1, 0);
				assert.match(refused.error.message, /^publish: payload makes a packet of \d+ bytes, more than the broker's maximum packet size \(200\)/);
				assert.equal(value(await client.call("publish", "t", "x".repeat(100), 1, 0, engine.fn("puback"))), true);
				const [, , reason] = await client.next("puback");
				assert.equal(reason, 0x10, "PUBACK's reason: no matching subscribers");
				await client.call("close");
			}
			finally {
				await small.stop();
			}
		});

		it("close(4) asks the broker to publish the will all the same", async () => {
			const { client } = await engine.newClient(`v5-will-${process.pid}`, 30, null, null, 1, 1024, V5).then(async (c) => ({ client: c }));
			const t = topic("will");
			value(await client.call("lwt", t, "gone", 1, 0, { willDelay: 0, contentType: "text/plain" }));
			value(await client.call("connect", HOST, broker.port, false, engine.fn("connected")));
			await client.next("connected");
			await peer.subscribeAsync(t, { qos: 1 });
			const got = nextMessage(peer, t);
			assert.equal(value(await client.call("close", 4, { reasonString: "bye" })), true);
			const { payload, packet } = await got;
			assert.deepEqual([payload.toString(), packet.properties?.contentType], ["gone", "text/plain"]);
		});
	});

	describe(`MQTT 5 on ${name}, against the fault broker`, () => {
		let broker, engine;

		before(async () => {
			broker = await FaultBroker.start({ protocolVersion: 5 });
			engine = await startEngine(name);
		});
		after(async () => {
			await engine?.close();
			await broker?.close();
		});

		/** A v5 client connected to the fault broker, which answers CONNECT with these CONNACK properties. */
		async function session(connack = {}, options = {}) {
			const client = await engine.newClient(`f5-${++unique}`, 30, null, null, 1, 256, { ...V5, ...options });
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("connect", HOST, broker.port, false, engine.fn("connected"), engine.fn("failed")));
			const conn = await broker.nextConnection();
			const connect = await conn.acceptConnect({ properties: connack });
			await client.next("connected");
			return { client, conn, connect };
		}

		it("CONNECT carries level 5, our receive maximum, maximum packet size, topic alias maximum and session expiry", async () => {
			const { client, connect } = await session({}, { topicAliases: 3, receiveMaximum: 7, sessionExpiry: 120 });
			assert.equal(connect.protocolVersion, 5);
			assert.deepEqual(
				[
					connect.properties.receiveMaximum,
					connect.properties.maximumPacketSize,
					connect.properties.topicAliasMaximum,
					connect.properties.sessionExpiryInterval,
				],
				[7, 256, 3, 120],
			);
			await client.call("close");
		});

		it("a refusal in CONNACK is one connfail with its reason code and reason string", async () => {
			const client = await engine.newClient(`f5-${++unique}`, 30, null, null, 1, 256, V5);
			value(await client.call("connect", HOST, broker.port, false, engine.fn("connected"), engine.fn("failed")));
			const conn = await broker.nextConnection();
			await conn.acceptConnect({ returnCode: 0x87, properties: { reasonString: "not you" } });
			const [, reason, props] = await client.next("failed");
			assert.deepEqual([reason, props.reasonString], [0x87, "not you"]);
		});

		it("a failure before any CONNACK is connfail with its NodeMCU reason alone; a bare DISCONNECT is offline with its reason alone", async () => {
			const lone = await engine.newClient(`f5-${++unique}`, 30, null, null, 1, 256, V5);
			value(await lone.call("connect", HOST, await closedPort(), false, engine.fn("connected"), engine.fn("failed")));
			assert.deepEqual((await lone.next("failed")).slice(1), [-5]);
			const { client, conn } = await session();
			conn.send({ cmd: "disconnect", reasonCode: 0x8B });
			assert.deepEqual((await client.next("offline")).slice(1), [0x8B]);
		});

		it("the server's Receive Maximum is the send window: a second QoS 1 publish waits for the first's PUBACK", async () => {
			const { client, conn } = await session({ receiveMaximum: 1 });
			value(await client.calls(["publish", "a", "1", 1, 0], ["publish", "a", "2", 1, 0]));
			const first = await conn.nextPacket();
			assert.equal(first.cmd, "publish");
			await assert.rejects(conn.nextPacket(300), /no packet/);
			conn.send({ cmd: "puback", messageId: first.messageId, reasonCode: 0 });
			const second = await conn.nextPacket();
			assert.equal(second.payload.toString(), "2");
			await client.call("close");
		});

		it("the server's limits refuse a publish locally with a clear error: maximum packet size, maximum QoS, retain", async () => {
			const { client } = await session({ maximumPacketSize: 64, maximumQoS: 1, retainAvailable: false });
			const big = await client.call("publish", "t", "x".repeat(100), 0, 0);
			assert.equal(big.error.name, "RangeError");
			assert.match(big.error.message, /^publish: payload makes a packet of \d+ bytes, more than the broker's maximum packet size \(64\)/);
			assert.match((await client.call("publish", "t", "x", 2, 0)).error.message, /^publish: qos must be at most the broker's maximum QoS 1, got 2/);
			assert.match(
				(await client.call("publish", "t", "x", 0, 1)).error.message,
				/^publish: retain must be 0: the broker does not keep retained messages/,
			);
			assert.equal(value(await client.call("publish", "t", "x", 1, 0)), true);
			await client.call("close");
		});

		it("the server's Keep Alive replaces ours for the connection: PINGREQ after 1 s, not 30", async () => {
			const { client, conn } = await session({ serverKeepAlive: 1 });
			const ping = await conn.nextPacket(2500);
			assert.equal(ping.cmd, "pingreq");
			conn.send({ cmd: "pingresp" });
			await client.call("close");
		});

		it("what the server lacks is refused at subscribe: wildcards, subscription identifiers, shared subscriptions", async () => {
			const { client } = await session({
				wildcardSubscriptionAvailable: false,
				subscriptionIdentifiersAvailable: false,
				sharedSubscriptionAvailable: false,
			});
			assert.match(
				(await client.call("subscribe", "a/#", 0)).error.message,
				/^subscribe: topic "a\/#" has a wildcard, which the broker does not support/,
			);
			assert.match(
				(await client.call("subscribe", "a", 0, null, { subscriptionIdentifier: 1 })).error.message,
				/^subscribe: properties.subscriptionIdentifier is not supported by the broker/,
			);
			assert.match(
				(await client.call("subscribe", "$share/g/a", 0)).error.message,
				/^subscribe: topic "\$share\/g\/a" is a shared subscription, which the broker does not support/,
			);
			assert.equal(value(await client.call("subscribe", "a", 0)), true);
			await client.call("close");
		});

		it("a message larger than max_message_length reaches overflow in part, with its properties", async () => {
			const { client, conn } = await session();
			value(await client.call("on", "overflow", engine.fn("overflow")));
			conn.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(600, 0x61), qos: 0, properties: { contentType: "text/plain" } });
			conn.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(600, 0x62), qos: 0 });
			const [, topic, data, props] = await client.next("overflow");
			assert.deepEqual([topic, data.length > 200 && data.length < 256, data[0], props.contentType], ["big", true, "a", "text/plain"]);
			const [, , bare, none] = await client.next("overflow");
			assert.deepEqual([bare[0], none], ["b", undefined]);
			await client.call("close");
		});

		it("inbound topic aliases: an alias set with a topic stands for it in later messages", async () => {
			const { client, conn } = await session({}, { topicAliases: 2 });
			conn.send({ cmd: "publish", topic: "long/topic/name", payload: Buffer.from("one"), qos: 0, properties: { topicAlias: 2 } });
			conn.send({ cmd: "publish", topic: "", payload: Buffer.from("two"), qos: 0, properties: { topicAlias: 2 } });
			const one = await client.next("message"), two = await client.next("message");
			assert.deepEqual([one.slice(1, 3), two.slice(1, 3)], [["long/topic/name", "one"], ["long/topic/name", "two"]]);
			await client.call("close");
		});

		it("outbound topic aliases: the first QoS 0 publish sets one, the next ones carry it alone; QoS 1 never does", async () => {
			const { client, conn } = await session({ topicAliasMaximum: 5 }, { topicAliases: 2 });
			const t = "s".repeat(40);
			value(await client.calls(["publish", t, "p", 0, 0], ["publish", t, "p", 0, 0], ["publish", t, "p", 1, 0]));
			const first = await conn.nextPacket(), second = await conn.nextPacket(), third = await conn.nextPacket();
			assert.deepEqual([first.topic, first.properties?.topicAlias], [t, 1]);
			assert.deepEqual([second.topic, second.properties?.topicAlias], ["", 1]);
			assert.deepEqual([third.topic, third.properties?.topicAlias], [t, undefined]);
			const size = (packet) => mqttPacket.generate(packet, { protocolVersion: 5 }).length; // byte-exact with ours (codec5.test.js)
			assert.equal(size({ ...first, properties: {} }) - size(second), 37, "40 topic bytes fewer, an alias property of 3 more");
			await client.call("close");
		});

		it("a PUBREC with a failure reason ends the QoS 2 exchange: puback with the reason, no PUBREL", async () => {
			const { client, conn } = await session();
			value(await client.call("publish", "q2", "x", 2, 0, engine.fn("puback")));
			const publish = await conn.nextPacket();
			conn.send({ cmd: "pubrec", messageId: publish.messageId, reasonCode: 0x97, properties: { reasonString: "quota" } });
			const [, id, reason, props] = await client.next("puback");
			assert.deepEqual([id, reason, props.reasonString], [publish.messageId, 0x97, "quota"]);
			await assert.rejects(conn.nextPacket(300), /no packet/);
			await client.call("close");
		});

		it("a server's DISCONNECT with a reason string: one offline with the reason and its properties", async () => {
			const { client, conn } = await session();
			conn.send({ cmd: "disconnect", reasonCode: 0x9C, properties: { reasonString: "maintenance", serverReference: "other:1883" } });
			const [, reason, props] = await client.next("offline");
			assert.deepEqual([reason, props.reasonString, props.serverReference], [0x9C, "maintenance", "other:1883"]);
			await conn.waitClosed();
		});

		const bad = [
			["a single-use property twice", [0x30, 11, 0, 1, 0x61, 6, 0x01, 0, 0x01, 1, 0x02, 0, 0x78], 0x82],
			["a property of the wrong type for the packet (session expiry in PUBLISH)", [0x30, 10, 0, 1, 0x61, 5, 0x11, 0, 0, 0, 1, 0x78], 0x82],
			["a property length past the packet", [0x30, 5, 0, 1, 0x61, 9, 0x78], 0x81],
			["topic alias 0", [0x30, 8, 0, 1, 0x61, 3, 0x23, 0, 0, 0x78], 0x94],
			["a topic alias above our maximum", [0x30, 8, 0, 1, 0x61, 3, 0x23, 0, 9, 0x78], 0x94],
			["an alias never set", [0x30, 7, 0, 0, 3, 0x23, 0, 1, 0x78], 0x94],
			["a PUBACK reason code a server may not send", [0x40, 3, 0, 1, 0x92], 0x81],
			["a second CONNACK", [0x20, 3, 0, 0, 0], 0x82],
		];
		for (const [what, bytes, reason] of bad) {
			it(`${what}: DISCONNECT ${reason.toString(16)} and one offline`, async () => {
				const { client, conn } = await session({}, { topicAliases: 2 });
				conn.sendBytes(bytes);
				const packet = await conn.nextPacket();
				assert.deepEqual([packet.cmd, packet.reasonCode], ["disconnect", reason]);
				await client.next("offline");
				await conn.waitClosed();
				await sleep(50);
				assert.equal(client.events.filter((e) => e.label === "offline").length, 1);
				assert.equal(client.events.filter((e) => e.label === "message").length, 0);
			});
		}
	});

	describe(`MQTT 5 on ${name}: opt-in`, () => {
		it("an image without manifest_v5.json refuses protocolVersion 5 saying what to include; other versions are refused by name", async () => {
			const engine = await startEngine(name, { v5: false });
			try {
				const made = await engine.newClientError("x", 30, null, null, 1, 1024, V5);
				assert.match(made.message, /needs MQTT 5 in the image: include modules\/mqtt\/manifest_v5.json/);
				const three = await engine.newClientError("x", 30, null, null, 1, 1024, { protocolVersion: 3 });
				assert.equal(three.message, "mqtt.Client: options.protocolVersion must be 4 (MQTT 3.1.1) or 5, got 3");
			}
			finally {
				await engine.close();
			}
		});
		it("property arguments are checked by name and rule", async () => {
			const engine = await startEngine(name);
			try {
				const client = await engine.newClient("x", 30, null, null, 1, 1024, V5);
				const lwt = await client.call("lwt", "w", "m", 0, 0, { payloadFormat: 2 });
				assert.equal(lwt.error.message, "lwt: properties.payloadFormat must be 0 (bytes) or 1 (UTF-8), got 2");
				const unknown = await client.call("lwt", "w", "m", 0, 0, { topicAlias: 1 });
				assert.match(unknown.error.message, /^lwt: properties has no property "topicAlias"/);
				const users = await client.call("lwt", "w", "m", 0, 0, { userProperties: [["a"]] });
				assert.equal(users.error.message, "lwt: properties.userProperties[0] must be a [name, value] pair");
				const expiry = await client.call("close", 0, { sessionExpiry: 10 });
				assert.equal(
					expiry.error.message,
					"close: properties.sessionExpiry must be 0 when the session was opened with session expiry 0 (MQTT 3.14.2-2)",
				);
				const reason = await client.call("close", 0x80);
				assert.equal(reason.error.message, "close: reason must be 0 (normal) or 4 (with the will), got 128");
				const long = "x".repeat(65_536);
				const bad = [
					[["publish", "t", "m", 0, 0, null, "p"], "TypeError", "publish: properties must be an object, got string"],
					[["publish", "t", "m", 0, 0, null, [1]], "TypeError", "publish: properties must be an object, got an array"],
					[
						["publish", "t", "m", 0, 0, null, { messageExpiry: -1 }],
						"RangeError",
						"publish: properties.messageExpiry must be an integer from 0 to 4294967295 seconds, got -1",
					],
					[["publish", "t", "m", 0, 0, null, { contentType: 5 }], "TypeError", "publish: properties.contentType must be a string, got number"],
					[
						["publish", "t", "m", 0, 0, null, { contentType: "a\uD800" }],
						"RangeError",
						"publish: properties.contentType must be valid UTF-8 (lone surrogate)",
					],
					[
						["publish", "t", "m", 0, 0, null, { contentType: long }],
						"RangeError",
						"publish: properties.contentType must be at most 65535 bytes of UTF-8, got 65536",
					],
					[
						["publish", "t", "m", 0, 0, null, { contentType: "a\u0000" }],
						"RangeError",
						"publish: properties.contentType must not contain U+0000 (MQTT 1.5.4-2)",
					],
					[["publish", "t", "m", 0, 0, null, { responseTopic: "r/#" }], "RangeError", /^publish: properties.responseTopic /],
					[
						["publish", "t", "m", 0, 0, null, { correlationData: 5 }],
						"TypeError",
						/^publish: properties.correlationData must be a string, ArrayBuffer or typed array/,
					],
					[
						["publish", "t", "m", 0, 0, null, { willDelay: 5 }],
						"RangeError",
						/^publish: properties has no property "willDelay" \(MQTT 5's message properties/,
					],
					[
						["publish", "t", "m", 0, 0, null, { userProperties: "a" }],
						"TypeError",
						"publish: properties.userProperties must be an array of [name, value] pairs",
					],
					[
						["publish", "t", "m", 0, 0, null, { userProperties: [[1, "v"]] }],
						"TypeError",
						"publish: properties.userProperties[0] name must be a string, got number",
					],
					[
						["publish", "t", "m", 0, 0, null, { userProperties: [["n", null]] }],
						"TypeError",
						"publish: properties.userProperties[0] value must be a string, got object",
					],
					[
						["lwt", "w", "m", 0, 0, { willDelay: -1 }],
						"RangeError",
						"lwt: properties.willDelay must be an integer from 0 to 4294967295 seconds, got -1",
					],
					[["subscribe", "t", { qos: 3 }], "RangeError", "subscribe: qos.qos must be 0, 1 or 2, got 3"],
					[["subscribe", "t", { noLocal: "yes" }], "TypeError", 'subscribe: qos.noLocal must be a boolean or 0/1, got "yes"'],
					[["subscribe", "t", { retainAsPublished: 2 }], "TypeError", "subscribe: qos.retainAsPublished must be a boolean or 0/1, got 2"],
					[["subscribe", "t", { retainHandling: 3 }], "RangeError", "subscribe: qos.retainHandling must be 0, 1 or 2, got 3"],
					[["subscribe", { t: { qos: 1, retainHandling: 5 } }], "RangeError", /^subscribe: qos of "t".retainHandling must be 0, 1 or 2, got 5/],
					[
						["subscribe", "t", 0, null, { subscriptionIdentifier: 0 }],
						"RangeError",
						"subscribe: properties.subscriptionIdentifier must be an integer from 1 to 268435455, got 0",
					],
					[["subscribe", "t", 0, null, { reasonString: "x" }], "RangeError", /^subscribe: properties has no property "reasonString"/],
					[
						["unsubscribe", "t", null, { subscriptionIdentifier: 1 }],
						"RangeError",
						/^unsubscribe: properties has no property "subscriptionIdentifier" \(MQTT 5's: userProperties\)/,
					],
					[["close", 0, { reasonString: 1 }], "TypeError", "close: properties.reasonString must be a string, got number"],
					[["close", 0, { willDelay: 1 }], "RangeError", /^close: properties has no property "willDelay"/],
				];
				for (const [args, name, message] of bad) {
					const { error } = await client.call(...args);
					assert.equal(error?.name, name, JSON.stringify(args));
					if (typeof message === "string")
						assert.equal(error.message, message);
					else
						assert.match(error.message, message);
				}
				const connectUsers = await engine.newClientError("x", 30, null, null, 1, 1024, { ...V5, userProperties: [["a", 1]] });
				assert.equal(connectUsers.message, "mqtt.Client: options.userProperties[0] value must be a string, got number");
				const aliases = await engine.newClientError("x", 30, null, null, 1, 1024, { ...V5, topicAliases: 65 });
				assert.match(aliases.message, /^mqtt.Client: options.topicAliases must be an integer from 0 to 64/);
				const fine = await engine.newClient("y", 30, null, null, 0, 1024, { ...V5, sessionExpiry: 60 });
				assert.equal(
					value(await fine.call("close", 4, { sessionExpiry: 10, reasonString: "r", userProperties: [["a", "b"]], contentType: undefined })),
					false,
					"checked, then false: no session to close",
				);
			}
			finally {
				await engine.close();
			}
		});
	});
}
