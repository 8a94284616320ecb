// The NodeMCU API against a real mosquitto (and the scripted fault broker where mosquitto
// cannot produce the case), driven through the public API in both engines: Node and XS.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { ENGINES, startEngine } from "../engine.js";
import { value } from "../support/results.js";
import { nextMessage, observer } from "../support/peer.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { FaultBroker, closedPort } from "../brokers/fault-broker.js";
import { startCutProxy } from "../brokers/cut-proxy.js";

const HOST = "127.0.0.1";
let unique = 0;
function topic(name) {
	return `t/${process.pid}/${++unique}/${name}`;
}

function text(bytes) {
	return new TextDecoder().decode(bytes);
}

for (const name of ENGINES) {
	describe(`NodeMCU API on ${name}`, () => {
		let broker, engine, peer;

		before(async () => {
			broker = await startMosquitto({ tls: true });
			engine = await startEngine(name);
			peer = await observer(broker.port);
		});
		after(async () => {
			peer?.end(true);
			await engine?.close();
			await broker?.stop();
		});

		async function connected(args = [], options) {
			const client = await engine.newClient(`c${process.pid}-${++unique}`, 30, ...args, ...(options ? [options] : []));
			value(await client.call("connect", HOST, broker.port, false, engine.fn("connected"), engine.fn("failed")));
			await client.next("connected");
			return client;
		}

		it("really runs in the engine it names", async () => {
			const probe = await engine.probe();
			// xsnap's issueCommand exists only inside XS; Node's process only under Node
			assert.equal(probe.issueCommand, name === "xs");
			assert.equal(probe.process, name === "node");
			if (name === "xs")
				assert.ok(engine.meter.compute > 0, "XS's meter counted the probe's computrons");
		});

		it("publishes QoS 0, 1 and 2 with string, ArrayBuffer and typed-array payloads", async () => {
			const client = await connected();
			const t = topic("pub");
			await peer.subscribeAsync(`${t}/#`, { qos: 2 });
			for (const [qos, payload, expected] of [
				[0, "hello", "hello"],
				[1, engine.bytes(new TextEncoder().encode("bytes")), "bytes"],
				[2, engine.view(new Uint8Array([0x68, 0xC3, 0xA9])), "h\u00e9"],
			]) {
				const got = nextMessage(peer, `${t}/${qos}`);
				assert.equal(value(await client.call("publish", `${t}/${qos}`, payload, qos, 0, engine.fn(`puback${qos}`))), true);
				const { payload: bytes, packet } = await got;
				assert.equal(text(bytes), expected);
				assert.equal(packet.qos, qos);
				const [, id] = await client.next(`puback${qos}`);
				assert.equal(id, qos ? await client.get("packetId") : 0);
			}
			await client.call("close");
		});

		it("receives QoS 0, 1 and 2, a zero-length payload as undefined, and binary as ArrayBuffer when asked", async () => {
			const client = await connected();
			const binary = await connected([null, null, 1, 1024], { binary: true });
			const t = topic("in");
			value(await client.call("on", "message", engine.fn("message")));
			value(await binary.call("on", "message", engine.fn("message")));
			value(await client.call("subscribe", `${t}/#`, 2, engine.fn("suback")));
			value(await binary.call("subscribe", `${t}/#`, 2, engine.fn("suback")));
			const [, , granted] = await client.next("suback");
			assert.deepEqual(granted, [2]);
			await binary.next("suback");
			for (const qos of [0, 1, 2])
				await peer.publishAsync(`${t}/${qos}`, `m${qos}`, { qos });
			await peer.publishAsync(`${t}/empty`, "", { qos: 1 });
			await peer.publishAsync(`${t}/bin`, Buffer.from([0, 0xFF, 0x80]), { qos: 1 });
			await peer.publishAsync(`${t}/zero`, "a\u0000é\u0000", { qos: 1 }); // zero bytes inside UTF-8: kept whole, as XS 8.2.3 keeps them
			const seen = [];
			for (let i = 0; i < 6; i++)
				seen.push((await client.next("message")).slice(1));
			assert.deepEqual(seen.slice(0, 3).map(([tp, data]) => [tp, data]), [[`${t}/0`, "m0"], [`${t}/1`, "m1"], [`${t}/2`, "m2"]]);
			assert.deepEqual(seen[3], [`${t}/empty`, undefined]);
			assert.equal(seen[4][1].length, 3, "invalid UTF-8 arrives as one character per byte");
			assert.deepEqual([...seen[4][1]].map((c) => c.charCodeAt(0)), [0, 0xFF, 0x80]);
			assert.equal(seen[5][1], "a\u0000é\u0000");
			for (let i = 0; i < 4; i++)
				await binary.next("message");
			const [, , bin] = await binary.next("message");
			assert.deepEqual([...bin.bytes], [0, 0xFF, 0x80]);
			const [, , zero] = await binary.next("message");
			assert.deepEqual([...zero.bytes], [0x61, 0, 0xC3, 0xA9, 0]);
			await client.call("close");
			await binary.call("close");
		});

		it("in string mode, what XS 8.2.3's String.fromArrayBuffer lets through arrives decoded; the rest one character per byte", async () => {
			const client = await connected();
			const t = topic("utf8");
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("subscribe", `${t}/#`, 0, engine.fn("suback")));
			await client.next("suback");
			// XS checks only that a lead byte (C0-DF, E0-EF, F0-FF) has its continuation bytes: the
			// overlong forms and the surrogates pass, decoded from their bits (README, "Payloads that are not UTF-8")
			const cases = [
				[[0x41, 0xC0, 0x80], "A\u0000"], // the overlong U+0000
				[[0xC1, 0x81], "A"], // an overlong "A"
				[[0xE0, 0x80, 0x80], "\u0000"],
				[[0xED, 0xA0, 0x80], "\uD800"], // a surrogate
				[[0x41, 0x80], "A\u0080"], // a continuation byte without a lead: per byte
				[[0x41, 0xC3], "A\u00C3"], // a lead byte cut short: per byte
				[[0xC3, 0x41], "\u00C3A"], // a lead byte without its continuation: per byte
				[[0xC3, 0xA9], "é"],
			];
			for (const [i, [bytes, expected]] of cases.entries()) {
				await peer.publishAsync(`${t}/${i}`, Buffer.from(bytes), { qos: 0 });
				const [, , data] = await client.next("message");
				assert.equal(data, expected, `bytes ${bytes.map((b) => b.toString(16))}`);
			}
			await client.call("close");
		});

		it("subscribes to a table of topics in one SUBSCRIBE and reports the granted QoS per topic", async () => {
			const client = await connected();
			const t = topic("table");
			value(await client.call("subscribe", { [`${t}/a`]: 0, [`${t}/b`]: 1, [`${t}/c`]: 2 }, engine.fn("suback")));
			const [, id, granted] = await client.next("suback");
			assert.ok(id > 0);
			assert.deepEqual(granted, [0, 1, 2]);
			value(await client.call("unsubscribe", { [`${t}/a`]: 0, [`${t}/b`]: "x" }, engine.fn("unsuback")));
			const [, unsubId] = await client.next("unsuback");
			assert.ok(unsubId > 0);
			await client.call("close");
		});

		it("a callback given to publish, subscribe or unsubscribe replaces its event's handler for every later acknowledgement, as README's API table says", async () => {
			const client = await connected();
			const t = topic("alias");
			const labels = () => client.events.map((e) => e.label).filter((label) => label !== "connected");
			for (const event of ["puback", "suback", "unsuback"])
				await client.call("on", event, engine.fn(`on ${event}`));
			value(await client.call("subscribe", `${t}/a`, 1, engine.fn("first suback")));
			await client.next("first suback");
			value(await client.call("subscribe", `${t}/b`, 1)); // no callback: the last one stays the handler
			const [, second] = await client.next("first suback");
			assert.equal(second, await client.get("packetId"));
			value(await client.call("unsubscribe", `${t}/a`, engine.fn("first unsuback")));
			await client.next("first unsuback");
			value(await client.call("unsubscribe", `${t}/b`));
			await client.next("first unsuback");
			value(await client.call("publish", t, "x", 1, 0, engine.fn("first puback")));
			await client.next("first puback");
			value(await client.call("publish", t, "y", 1, 0));
			await client.next("first puback");
			assert.deepEqual(labels(), ["first suback", "first suback", "first unsuback", "first unsuback", "first puback", "first puback"]);
			await client.call("on", "suback", engine.fn("on suback again")); // and on() replaces it back
			value(await client.call("subscribe", `${t}/c`, 0));
			await client.next("on suback again");
			await client.call("close");
		});

		it("delivers its will when the connection dies without DISCONNECT", async () => {
			const proxy = await startCutProxy({ targetPort: broker.port });
			const will = topic("will");
			await peer.subscribeAsync(will, { qos: 1 });
			const client = await engine.newClient(`will-${process.pid}-${++unique}`, 30);
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("lwt", will, "gone", 1, 0));
			value(await client.call("connect", HOST, proxy.port, false, engine.fn("connected")));
			await client.next("connected");
			const got = nextMessage(peer, will);
			proxy.cutAll();
			assert.equal(text((await got).payload), "gone");
			await client.next("offline");
			await client.call("close");
			await proxy.close();
		});

		it("connects over TLS with the test CA and fails with -5 on a name the certificate does not cover", async () => {
			const client = await engine.newClient(`tls-${++unique}`, 30, null, null, 1, 8192, {
				tls: { certificate: engine.bytes(broker.caDer) },
				queue: 64,
				window: 32,
			});
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("connect", "localhost", broker.tlsPort, true, engine.fn("connected"), engine.fn("failed")));
			await client.next("connected", 10_000);
			const t = topic("tls");
			await peer.subscribeAsync(t, { qos: 1 });
			const got = nextMessage(peer, t);
			value(await client.call("publish", t, "secret", 1, 0));
			assert.equal(text((await got).payload), "secret");

			// a burst of small records: each costs the TLS socket more than its bytes, so the
			// client must count the overhead or the socket throws "would block"
			const seen = [];
			const all = new Promise((resolve) => peer.on("message", (at, payload) => {
				if (at === t && seen.push(text(payload)) === 50)
					resolve();
			}));
			for (let i = 0; i < 50; i++)
				assert.equal(value(await client.call("publish", t, `m${i}`, 1, 0)), true);
			await all;
			assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => `m${i}`));

			// incoming QoS 1 in a burst: the PUBACKs go out in one turn, each as its own record
			const back = topic("tls-back");
			value(await client.call("subscribe", back, 1, engine.fn("suback")));
			await client.next("suback");
			for (let i = 0; i < 60; i++)
				peer.publish(back, `r${i}`, { qos: 1 });
			for (let i = 0; i < 60; i++)
				assert.equal((await client.next("message", 10_000))[2], `r${i}`);

			// a message bigger than one TLS record and than the socket's send space, both ways
			const big = "b".repeat(6000);
			value(await client.call("publish", t, big, 1, 0));
			peer.publish(back, big, { qos: 1 });
			const [, at, data] = await client.next("message", 10_000);
			assert.equal(at, back);
			assert.equal(data, big);
			await client.call("close");
			// the documented -5 for every TLS failure, with the cause traced once
			const causes = (from, pattern) => engine.traces.slice(from).filter((line) => pattern.test(line)).length;
			let from = engine.traces.length;
			const untrusted = await engine.newClient(`tls-${++unique}`, 30);
			value(await untrusted.call("connect", "localhost", broker.tlsPort, true, engine.fn("connected"), engine.fn("failed")));
			const [, reason] = await untrusted.next("failed", 10_000);
			assert.equal(reason, -5);
			assert.equal(causes(from, /mqtt: connection failed: certificate not trusted/), 1);
			from = engine.traces.length;
			const misnamed = await engine.newClient(`tls-${++unique}`, 30, null, null, 1, null, {
				tls: { certificate: engine.bytes(broker.caDer), serverName: "elsewhere.example" },
			});
			value(await misnamed.call("connect", "127.0.0.1", broker.tlsPort, true, engine.fn("connected"), engine.fn("failed")));
			assert.equal((await misnamed.next("failed", 10_000))[1], -5);
			assert.equal(causes(from, /mqtt: connection failed: the broker's name is not in its certificate's subjectAltName/), 1);
		});

		it("reports -5 when nobody listens and -3 when the name does not resolve, once each", async () => {
			const client = await engine.newClient(`nf-${++unique}`, 30);
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("connect", HOST, await closedPort(), false, engine.fn("connected"), engine.fn("failed")));
			assert.deepEqual((await client.next("failed")).slice(1), [-5]);
			value(await client.call("connect", "no-such-host.invalid", 1883, engine.fn("connected"), engine.fn("failed")));
			assert.deepEqual((await client.next("failed", 10_000)).slice(1), [-3]);
			await new Promise((r) => setTimeout(r, 200));
			assert.deepEqual(client.events.map((e) => e.label), ["failed", "failed"]);
		});

		for (const code of [1, 2, 3, 4, 5]) {
			it(`reports CONNACK refusal ${code} through the failure callback only`, async () => {
				const fault = await FaultBroker.start();
				const client = await engine.newClient(`r-${++unique}`, 30);
				value(await client.call("on", "offline", engine.fn("offline")));
				value(await client.call("connect", HOST, fault.port, false, engine.fn("connected"), engine.fn("failed")));
				const conn = await fault.nextConnection();
				await conn.acceptConnect({ returnCode: code });
				assert.deepEqual((await client.next("failed")).slice(1), [code]);
				await new Promise((r) => setTimeout(r, 200));
				assert.deepEqual(client.events.map((e) => e.label), ["failed"]);
				await fault.close();
			});
		}

		it("reports -4 when the first packet is not a CONNACK and -2 when no answer comes", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`x-${++unique}`, 30);
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected"), engine.fn("failed")));
			let conn = await fault.nextConnection();
			await conn.nextPacket();
			conn.send({ cmd: "pingresp" });
			assert.deepEqual((await client.next("failed")).slice(1), [-4]);
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected"), engine.fn("failed")));
			conn = await fault.nextConnection();
			await conn.nextPacket();
			assert.deepEqual((await client.next("failed", 8000)).slice(1), [-2]);
			await fault.close();
		});

		it("rejects unknown events, traces a throwing handler and keeps working", async () => {
			const client = await connected();
			const bad = await client.call("on", "mesage", engine.fn("x"));
			assert.equal(bad.error?.name, "RangeError");
			assert.match(bad.error.message, /on: event must be one of/);
			value(await client.call("on", "message", engine.fn("message", { throws: "boom" })));
			const t = topic("throw");
			await peer.subscribeAsync(t);
			value(await client.call("subscribe", t, 0, engine.fn("suback")));
			await client.next("suback");
			const echoed = new Promise((resolve) => { // the peer is subscribed too: its own copies must be in first
				const seen = (from, payload) => {
					if (from === t && String(payload) === "two") {
						peer.off("message", seen);
						resolve();
					}
				};
				peer.on("message", seen);
			});
			await peer.publishAsync(t, "one");
			await peer.publishAsync(t, "two");
			await client.next("message");
			await client.next("message");
			await echoed;
			assert.ok(engine.traces.some((line) => /message handler threw: .*boom/.test(line)), engine.traces.join(""));
			const got = nextMessage(peer, t);
			value(await client.call("publish", t, "still alive", 0, 0));
			assert.equal(text((await got).payload), "still alive");
			await client.call("close");
		});

		it("hands an oversized message to overflow in part, acks it, and delivers the next one", async () => {
			const client = await connected([null, null, 1, 64]);
			const t = topic("big");
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("on", "overflow", engine.fn("overflow")));
			value(await client.call("subscribe", t, 1, engine.fn("suback")));
			await client.next("suback");
			await peer.publishAsync(t, "x".repeat(500), { qos: 1 });
			await peer.publishAsync(t, "small", { qos: 1 });
			const [, overflowTopic, part] = await client.next("overflow");
			assert.equal(overflowTopic, t);
			assert.ok(part.length > 0 && part.length < 64 && /^x+$/.test(part), `partial payload ${part}`);
			assert.deepEqual((await client.next("message")).slice(1), [t, "small"]);
			await client.call("close");
		});

		it("pings after keepalive seconds and goes offline when no PINGRESP comes", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`ka-${++unique}`, 1);
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected")));
			const conn = await fault.nextConnection();
			await conn.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			const start = Date.now();
			assert.equal((await conn.nextPacket(3000)).cmd, "pingreq");
			assert.ok(Date.now() - start >= 800, "PINGREQ came after about one keepalive");
			await client.next("offline", 4000);
			await conn.waitClosed(2000);
			await fault.close();
		});

		it("close() sends DISCONNECT, fires offline once, and connect works again", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`close-${++unique}`, 30);
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected")));
			let conn = await fault.nextConnection();
			await conn.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			assert.equal(value(await client.call("close")), true);
			assert.equal((await conn.nextPacket()).cmd, "disconnect");
			await client.next("offline");
			await conn.waitClosed(2000);
			assert.equal(value(await client.call("close")), false);
			value(await client.call("connect", HOST, fault.port, false));
			conn = await fault.nextConnection();
			await conn.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			await new Promise((r) => setTimeout(r, 100));
			assert.equal(client.events.filter((e) => e.label === "offline").length, 1);
			await client.call("close");
			await fault.close();
		});

		it("close() during a connect attempt returns false and the attempt goes on to its one connect, as in NodeMCU", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`attempt-${++unique}`, 30);
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected"), engine.fn("failed")));
			assert.equal(value(await client.call("close")), false, "close() before the socket is up");
			const conn = await fault.nextConnection();
			await conn.nextPacket();
			assert.equal(value(await client.call("close")), false, "close() while waiting for CONNACK");
			conn.send({ cmd: "connack", returnCode: 0, sessionPresent: false });
			await client.next("connected");
			await new Promise((r) => setTimeout(r, 100));
			assert.deepEqual(client.events.map((e) => e.label), ["connected"]);
			assert.equal(value(await client.call("close")), true, "and close() ends the session it became");
			await fault.close();
		});

		it("connect() in the same turn as close() starts once DISCONNECT is out: offline, then connect", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`again-${++unique}`, 30);
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected"), engine.fn("failed")));
			const first = await fault.nextConnection();
			await first.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			assert.deepEqual(value(await client.calls(["close"], ["connect", HOST, fault.port, false])), [true, true]);
			assert.equal((await first.nextPacket()).cmd, "disconnect");
			const second = await fault.nextConnection();
			await second.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			assert.deepEqual(client.events.map((e) => e.label), ["connected", "offline", "connected"]);
			await client.call("close");
			await fault.close();
		});

		it("closes the link and goes offline on a malformed packet, without throwing into the app", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`mal-${++unique}`, 30);
			value(await client.call("on", "offline", engine.fn("offline")));
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected")));
			const conn = await fault.nextConnection();
			await conn.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			conn.sendBytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]); // a fifth remaining-length byte
			await client.next("offline");
			await conn.waitClosed(2000);
			await fault.close();
		});

		it("validates topics, QoS and payloads with errors that name the argument", async () => {
			const client = await connected();
			const cases = [
				["publish", ["a/+", "x", 0, 0], /publish: topic must not contain the wildcards/],
				["publish", ["", "x", 0, 0], /publish: topic must not be empty/],
				["publish", ["a", "x", 3, 0], /publish: qos must be 0, 1 or 2, got 3/],
				["publish", ["a", 5, 0, 0], /publish: payload must be a string/],
				["subscribe", ["a/#/b", 0], /subscribe: topic wildcard # must be the last level/],
				["subscribe", ["a/b+", 0], /subscribe: topic wildcard \+ must occupy a whole level/],
				["lwt", ["a/#", "x"], /lwt: topic must not contain the wildcards/],
				["publish", ["a".repeat(65_536), "x", 0, 0], /publish: topic must be at most 65535 bytes/],
			];
			for (const [method, args, pattern] of cases) {
				const result = await client.call(method, ...args);
				assert.ok(result.error, `${method}(${args.join(", ").slice(0, 40)}) should throw`);
				assert.match(result.error.message, pattern);
			}
			const t = topic("after");
			await peer.subscribeAsync(t);
			const got = nextMessage(peer, t);
			value(await client.call("publish", t, "ok", 0, 0));
			await got;
			await client.call("close");
		});

		it("keeps a bounded window in flight, refuses when the queue is full, and acks the broker at once", async () => {
			const fault = await FaultBroker.start();
			const client = await engine.newClient(`win-${++unique}`, 30, null, null, 1, 1024, { window: 4, queue: 8 });
			value(await client.call("on", "message", engine.fn("message")));
			value(await client.call("connect", HOST, fault.port, false, engine.fn("connected")));
			const conn = await fault.nextConnection();
			await conn.acceptConnect({ returnCode: 0 });
			await client.next("connected");
			const results = [];
			for (let i = 0; i < 14; i++)
				results.push(value(await client.call("publish", "w/t", `m${i}`, 1, 0, engine.fn("puback"))));
			assert.deepEqual(results, [...Array(12).fill(true), false, false], "4 in flight + 8 queued, then full");
			const sent = [];
			for (let i = 0; i < 4; i++)
				sent.push(await conn.nextPacket());
			assert.deepEqual(sent.map((p) => p.payload.toString()), ["m0", "m1", "m2", "m3"]);
			await assert.rejects(conn.nextPacket(300), "nothing beyond the window");
			conn.send({ cmd: "publish", topic: "w/in", payload: "from broker", qos: 1, messageId: 77 });
			const ack = await conn.nextPacket();
			assert.deepEqual([ack.cmd, ack.messageId], ["puback", 77], "our ack does not wait behind our own unacked publishes");
			await client.next("message");
			conn.send({ cmd: "puback", messageId: sent[0].messageId });
			assert.deepEqual((await client.next("puback")).slice(1), [sent[0].messageId]);
			assert.equal((await conn.nextPacket()).payload.toString(), "m4");
			await client.call("close");
			await fault.close();
		});

		it("writes a packet larger than the socket's send space in pieces", async () => {
			const client = await connected([null, null, 1, 1024]);
			const t = topic("big-out");
			await peer.subscribeAsync(t, { qos: 1 });
			const big = "b".repeat(20_000);
			const got = nextMessage(peer, t);
			value(await client.call("publish", t, big, 1, 0, engine.fn("puback")));
			assert.equal(text((await got).payload), big);
			await client.next("puback");
			await client.call("close");
		});
	});
}
