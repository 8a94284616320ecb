// Bad input to every public function, in both engines: each gets an error that names the
// function, the argument and the rule (or the documented false), and the client keeps working.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import mqttjs from "mqtt";
import { ENGINES, startEngine } from "../engine.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { FaultBroker } from "../brokers/fault-broker.js";

const constructorCases = [
	[[5, 60], "TypeError", /mqtt.Client: clientid must be a string, got number/],
	[["id", -1], "RangeError", /keepalive must be an integer from 0 to 65535 seconds, got -1/],
	[["id", 70_000], "RangeError", /keepalive .* got 70000/],
	[["id", 1.5], "RangeError", /keepalive/],
	// a string of decimal digits is the number it spells, as NodeMCU's Lua has it; nothing else is
	[["id", "60s"], "RangeError", /keepalive must be an integer from 0 to 65535 seconds, got "60s"/],
	[["id", " 60"], "RangeError", /keepalive .* got " 60"/],
	[["id", "6e1"], "RangeError", /keepalive .* got "6e1"/],
	[["id", "0x3C"], "RangeError", /keepalive .* got "0x3C"/],
	[["id", "-1"], "RangeError", /keepalive .* got "-1"/],
	[["id", ""], "RangeError", /keepalive .* got ""/],
	[["id", "70000"], "RangeError", /keepalive .* got 70000/],
	[["id", "00000000060"], "RangeError", /keepalive .* got "00000000060"/],
	[["id", 60, null, null, "2"], "TypeError", /cleansession must be a boolean or 0\/1, got "2"/],
	[["id", 60, null, null, "true"], "TypeError", /cleansession must be a boolean or 0\/1, got "true"/],
	[["id", 60, null, null, 1, "16"], "RangeError", /max_message_length must be an integer from 32 .* got 16/],
	[["id", 60, null, null, 1, "1 KB"], "RangeError", /max_message_length .* got "1 KB"/],
	[["id", 60, null, null, 1, 1024, { window: "4" }], "RangeError", /options.window must be an integer from 1 to 255 .*got "4"/],
	[["id", 60, 7], "TypeError", /username must be a string, got number/],
	[["id", 60, null, "secret"], "RangeError", /password requires a non-empty username/],
	[["id", 60, "", "secret"], "RangeError", /password requires a non-empty username/],
	[["id", 60, "u", 5], "TypeError", /password must be a string, ArrayBuffer or typed array/],
	[["id", 60, "u", "p".repeat(65_536)], "RangeError", /mqtt.Client: password must be at most 65535 bytes, got 65536/],
	[["id", 60, null, null, 2], "TypeError", /cleansession must be a boolean or 0\/1, got 2/],
	[["", 60, null, null, 0], "RangeError", /clientid may be empty only with cleansession 1/],
	[["id", 60, null, null, 1, 16], "RangeError", /max_message_length must be an integer from 32/],
	[["id", 60, null, null, 1, 1e12], "RangeError", /max_message_length/],
	[["id", 60, null, null, 1, 1024, { window: 0 }], "RangeError", /options.window/],
	[["id", 60, null, null, 1, 1024, { queue: -1 }], "RangeError", /options.queue/],
	[
		["id", 60, null, null, 1, 1024, { reconnect: { min: 10, max: 5 } }],
		"RangeError",
		/options.reconnect.max must be an integer from 10 to 2147483647 ms, got 5/,
	],
	[["id", 60, null, null, 1, 1024, { reconnect: { min: 0 } }], "RangeError", /options.reconnect.min must be an integer from 1 to 2147483647 ms, got 0/],
	[["id", 60, null, null, 1, 1024, { ackTimeout: 50 }], "RangeError", /options.ackTimeout must be an integer from 100 to 2147483647 ms, got 50/],
	[["a\u0000b", 60], "RangeError", /mqtt.Client: clientid must not contain U\+0000 \(MQTT 1.5.3-2\)/],
	[["id", 60, "u\u0000"], "RangeError", /mqtt.Client: username must not contain U\+0000/],
	[["id", 60, "u".repeat(65_536)], "RangeError", /mqtt.Client: username must be at most 65535 bytes of UTF-8, got 65536/],
	[["é".repeat(32_768), 60], "RangeError", /mqtt.Client: clientid must be at most 65535 bytes of UTF-8, got 65536/],
	[
		["id", 60, null, null, 1, 1024, { window: 65_535 }],
		"RangeError",
		/options.window must be an integer from 1 to 255 \(each slot holds tables and a packet on a 32 KB heap\), got 65535/,
	],
	[["id", 60, null, null, 1, 1024, { queue: 65_535 }], "RangeError", /options.queue must be an integer from 1 to 255 .*got 65535/],
	[["id", 60, null, null, 1, 1024, { receiveMaximum: 0 }], "RangeError", /options.receiveMaximum must be an integer from 1 to 1024/],
	[
		["id", 60, null, null, 1, 1024, { tls: { clientCertificates: [] } }],
		"TypeError",
		/options.tls.clientCertificates must be a non-empty array of ArrayBuffers/,
	],
	[
		["id", 60, null, null, 1, 1024, { tls: { clientKey: { $bytes: [1] } } }],
		"RangeError",
		/options.tls.clientKey and options.tls.clientCertificates must be given together/,
	],
	[["id", 60, null, null, 1, 1024, { tls: { alpn: 443 } }], "TypeError", /options.tls.alpn must be a protocol name or an array of them/],
];

const methodCases = [
	["lwt", ["a/+", "x"], "RangeError", /lwt: topic must not contain the wildcards/],
	["lwt", ["a", {}], "TypeError", /lwt: message must be a string, ArrayBuffer or typed array, got object/],
	["lwt", ["a", "x", 3], "RangeError", /lwt: qos must be 0, 1 or 2, got 3/],
	["lwt", ["a", "x", 0, 2], "TypeError", /lwt: retain must be a boolean or 0\/1, got 2/],
	[
		"on",
		["mesage", null],
		"RangeError",
		/on: event must be one of connect, connfail, offline, message, overflow, puback, suback, unsuback, drained, got "mesage"/,
	],
	["on", ["message", 5], "TypeError", /on: handler must be a function, got number/],
	["connect", [""], "RangeError", /connect: host must be a host name or IP address string/],
	["connect", [42], "TypeError", /connect: host must be a host name or IP address string, got 42/],
	["connect", ["h", 0], "RangeError", /connect: port must be an integer from 1 to 65535, got 0/],
	["connect", ["h", 70_000], "RangeError", /connect: port .* got 70000/],
	["connect", ["h", "1883x"], "RangeError", /connect: port must be an integer from 1 to 65535, got "1883x"/],
	["connect", ["h", "+1883"], "RangeError", /connect: port .* got "\+1883"/],
	["connect", ["h", "1883.0"], "RangeError", /connect: port .* got "1883.0"/],
	["connect", ["h", "0"], "RangeError", /connect: port .* got 0/],
	["lwt", ["a", "x", "3"], "RangeError", /lwt: qos must be 0, 1 or 2, got "3"/],
	["lwt", ["a", "x", 0, "yes"], "TypeError", /lwt: retain must be a boolean or 0\/1, got "yes"/],
	["connect", ["h", 1883, "yes"], "TypeError", /connect: secure must be a boolean, got "yes"/],
	["connect", ["h", 1883, false, 5], "TypeError", /connect: onConnected must be a function/],
	["publish", ["a", "x", 0, 0], "Error", /publish: not connected/],
	["subscribe", ["a", 0], "Error", /subscribe: not connected/],
	["unsubscribe", ["a"], "Error", /unsubscribe: not connected/],
];

const connectedCases = [
	["publish", ["a/+", "x", 0, 0], "RangeError", /publish: topic must not contain the wildcards/],
	["publish", ["a/#", "x", 0, 0], "RangeError", /publish: topic must not contain the wildcards/],
	["publish", ["", "x", 0, 0], "RangeError", /publish: topic must not be empty/],
	["publish", [5, "x", 0, 0], "TypeError", /publish: topic must be a string/],
	["publish", ["a", "x", 3, 0], "RangeError", /publish: qos must be 0, 1 or 2, got 3/],
	["publish", ["a", "x", -1, 0], "RangeError", /publish: qos must be 0, 1 or 2, got -1/],
	["publish", ["a", "x", "1.0", 0], "RangeError", /publish: qos must be 0, 1 or 2, got "1.0"/],
	["publish", ["a", "x", "3", 0], "RangeError", /publish: qos must be 0, 1 or 2, got "3"/],
	["publish", ["a", "x", "", 0], "RangeError", /publish: qos must be 0, 1 or 2, got ""/],
	["publish", ["a", "x", 0, "2"], "TypeError", /publish: retain must be a boolean or 0\/1, got "2"/],
	["subscribe", ["a", " 1"], "RangeError", /subscribe: qos must be 0, 1 or 2, got " 1"/],
	["subscribe", [{ a: "one" }], "RangeError", /subscribe: qos of "a" must be 0, 1 or 2, got "one"/],
	["publish", ["a", "x"], "RangeError", /publish: qos must be 0, 1 or 2, got undefined/],
	["publish", ["a", 42, 0, 0], "TypeError", /publish: payload must be a string, ArrayBuffer or typed array, got number/],
	["publish", ["a", null, 0, 0], "TypeError", /publish: payload .* got null/],
	["publish", ["a", "x", 0, 5], "TypeError", /publish: retain must be a boolean or 0\/1, got 5/],
	["publish", ["a", "x\uD800", 0, 0], "RangeError", /publish: payload must be valid UTF-8/],
	["publish", ["a\uDC00", "x", 0, 0], "RangeError", /publish: topic must be valid UTF-8/],
	["publish", ["a".repeat(65_536), "x", 0, 0], "RangeError", /publish: topic must be at most 65535 bytes/],
	["publish", ["a", "x", 0, 0, "cb"], "TypeError", /publish: onPuback must be a function/],
	["subscribe", ["a/#/b", 0], "RangeError", /subscribe: topic wildcard # must be the last level/],
	["subscribe", ["a+", 0], "RangeError", /subscribe: topic wildcard \+ must occupy a whole level/],
	["subscribe", ["a", 3], "RangeError", /subscribe: qos must be 0, 1 or 2, got 3/],
	["subscribe", [{}], "RangeError", /subscribe: table must name at least one topic/],
	["subscribe", [{ "a/#/b": 0 }], "RangeError", /subscribe: topic "a\/#\/b" wildcard # must be the last level/],
	["subscribe", [{ a: 4 }], "RangeError", /subscribe: qos of "a" must be 0, 1 or 2, got 4/],
	["subscribe", [[["a"], "b"]], "TypeError", /subscribe: table entries must be \[topic, qos\] pairs/],
	["subscribe", [null], "TypeError", /subscribe: topic must be a topic string or a table of topics, got null/],
	["unsubscribe", [""], "RangeError", /unsubscribe: topic must not be empty/],
	["unsubscribe", [5], "TypeError", /unsubscribe: topic must be a topic string or a table of topics, got number/],
	["connect", ["127.0.0.1", 1883], "Error", /connect: already connected/],
];

for (const name of ENGINES) {
	describe(`bad input on ${name}`, () => {
		let broker, engine;
		before(async () => {
			broker = await startMosquitto();
			engine = await startEngine(name);
		});
		after(async () => {
			await engine?.close();
			await broker?.stop();
		});

		it("mqtt.Client rejects bad arguments, naming each", async () => {
			for (const [args, type, pattern] of constructorCases) {
				const error = await engine.newClientError(...args);
				assert.ok(error, `mqtt.Client(${JSON.stringify(args)}) should throw`);
				assert.equal(error.name, type, error.message);
				assert.match(error.message, pattern);
			}
		});

		it("connect(..., true) and options.tls in an image built without TLS say what to include", async () => {
			const plain = await startEngine(name, { tls: false });
			try {
				const error = await plain.newClientError("id", 60, null, null, 1, 1024, { tls: { verify: false } });
				assert.equal(error?.name, "Error");
				assert.match(error.message, /mqtt.Client: options.tls needs TLS in the image: include modules\/mqtt\/manifest_tls.json/);
				const client = await plain.newClient(`plain-${process.pid}`, 30);
				const result = await client.call("connect", "127.0.0.1", broker.port, true);
				assert.equal(result.error?.name, "Error");
				assert.match(result.error.message, /connect: secure needs TLS in the image: include modules\/mqtt\/manifest_tls.json/);
				assert.deepEqual(
					await client.call("connect", "127.0.0.1", broker.port, false, plain.fn("connected")),
					{ value: true },
					"a plain connection still works",
				);
				await client.next("connected");
				await client.call("close");
			}
			finally {
				await plain.close();
			}
		});

		it("methods reject bad arguments and calls in the wrong state, and the client still works", async () => {
			const client = await engine.newClient(`input-${process.pid}`, 30);
			for (const [method, args, type, pattern] of methodCases) {
				const result = await client.call(method, ...args);
				assert.ok(result.error, `${method}(${JSON.stringify(args)}) should throw`);
				assert.equal(result.error.name, type, result.error.message);
				assert.match(result.error.message, pattern);
			}
			assert.deepEqual(await client.call("close"), { value: false }, "close() when not connected is false");
			assert.deepEqual(await client.call("connect", "127.0.0.1", broker.port, false, engine.fn("connected")), { value: true });
			await client.next("connected");
			for (const [method, args, type, pattern] of connectedCases) {
				const result = await client.call(method, ...args);
				assert.ok(result.error, `${method}(${JSON.stringify(args).slice(0, 60)}) should throw`);
				assert.equal(result.error.name, type, result.error.message);
				assert.match(result.error.message, pattern);
			}
			const peer = mqttjs.connect({ host: "127.0.0.1", port: broker.port, reconnectPeriod: 0 });
			await new Promise((resolve) => peer.once("connect", resolve));
			await peer.subscribeAsync("still/works");
			const got = new Promise((resolve) => peer.once("message", (topic, payload) => resolve(payload.toString())));
			assert.deepEqual(await client.call("publish", "still/works", "yes", 1, true), { value: true }, "retain as a boolean is accepted");
			assert.equal(await got, "yes");
			peer.end(true);
			await client.call("close");
		});

		it("takes a string of decimal digits where NodeMCU's Lua would, and it means the number on the wire", async () => {
			const fault = await FaultBroker.start();
			try {
				// keepalive, cleansession and max_message_length as mcconfig's command line gives them
				const client = await engine.newClient(`digits-${process.pid}`, "45", null, null, "0", "64");
				assert.equal((await client.call("lwt", "will/t", "bye", "1", "1")).error, undefined);
				assert.equal((await client.call("on", "overflow", engine.fn("overflow"))).error, undefined);
				assert.deepEqual(await client.call("connect", "127.0.0.1", String(fault.port), false, engine.fn("connected")), { value: true });
				const conn = await fault.nextConnection();
				await conn.acceptConnect();
				await client.next("connected");
				const { keepalive, clean, will } = conn.connect;
				assert.deepEqual([keepalive, clean, will.qos, will.retain], [45, false, 1, true]);
				for (const [qos, retain] of [["1", "1"], ["0", "0"], ["2", "0"]]) {
					assert.deepEqual(await client.call("publish", "t", "x", qos, retain), { value: true });
					const packet = await conn.nextPacket();
					assert.deepEqual([packet.cmd, packet.qos, packet.retain], ["publish", Number(qos), retain === "1"], `publish qos ${qos} retain ${retain}`);
				}
				assert.deepEqual(await client.call("subscribe", "s", "2"), { value: true });
				assert.deepEqual((await conn.nextPacket()).subscriptions, [{ topic: "s", qos: 2 }]);
				assert.deepEqual(await client.call("subscribe", { u: "1" }), { value: true });
				assert.deepEqual((await conn.nextPacket()).subscriptions, [{ topic: "u", qos: 1 }]);
				conn.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(100, 0x61), qos: 0 });
				const [, topic] = await client.next("overflow");
				assert.equal(topic, "big", 'max_message_length "64" is 64 bytes');
				await client.call("close");
			}
			finally {
				await fault.close();
			}
		});
	});
}
