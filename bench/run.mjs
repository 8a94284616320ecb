// Benchmarks, each measured next to its peer in the same run and reported as a ratio:
//   npm run bench [-- --write]   (prints the table; --write puts the sections this run measured,
//                                 and their summary rows, into BENCHMARKS.md: tools/sections.mjs)
// 1. host throughput through a local mosquitto: our client on Node vs MQTT.js vs raw sockets
// 2. cost per message inside XS: computrons and slots allocated (xsnap's meter)
// 3. RAM held by one client inside XS (tools/memory.mjs)
// 4. codec operations per second vs mqtt-packet
// 5. flash proxy: minified size of modules/mqtt
// 6. MQTT over WebSocket: XS cost against TCP, host throughput against MQTT.js over ws://
import { spawnSync } from "node:child_process";
import net from "node:net";
import os from "node:os";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";
import mqttjs from "mqtt";
import mqttPacket from "mqtt-packet";
import mqtt from "mqtt/client";
import * as decoder from "../build/host/modules/mqtt/codec.js";
import * as encoder from "../build/host/modules/mqtt/encode.js";
import { encodePublish5 } from "../build/host/modules/mqtt/codec5.js";
import { startMosquitto } from "../test-host/brokers/mosquitto.js";
import { startEngine } from "../test-host/engine.js";
import { measure } from "../tools/memory.mjs";
import { bundle } from "../test-host/xs/host.js";
import { compareWithModdable } from "./peer.mjs";
import { perMessage } from "./per-message.mjs";
import { measuredOn, table, writeSections } from "../tools/sections.mjs";

const codec = { ...decoder, ...encoder };

const QOS0_MESSAGES = Number(process.env.BENCH_QOS0 ?? 100_000);
const QOS1_MESSAGES = Number(process.env.BENCH_QOS1 ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// Payload sizes and message counts (QoS 0, QoS 1) of the throughput rows.
const SIZES = [[100, QOS0_MESSAGES, QOS1_MESSAGES], [1024, QOS0_MESSAGES / 5, QOS1_MESSAGES / 4], [16_384, QOS0_MESSAGES / 50, QOS1_MESSAGES / 20]];
const rows = [];
/** A row of the table; `extra` carries what the summary of BENCHMARKS.md needs from it. */
const row = (group, measurement, ours, peer, peerName, unit, note = "", extra = {}) =>
	rows.push({ group, measurement, ours, peer, peerName, unit, note, ...extra });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- 1. throughput ---------------------------------------------------------------------------

/** Counts PUBLISH packets of a known size arriving on a raw socket; acks QoS 1 like a client must. */
async function rawSubscriber(port, topic, qos, count, packetLength, payloadLength) {
	const socket = net.connect({ host: "127.0.0.1", port });
	socket.setNoDelay(true);
	await new Promise((resolve) => socket.once("connect", resolve));
	socket.write(mqttPacket.generate({ cmd: "connect", clientId: `raw-sub-${qos}`, protocolVersion: 4, clean: true, keepalive: 60 }));
	socket.write(mqttPacket.generate({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos }] }));
	let pending = Buffer.alloc(0), seen = 0, handshake = 4 + 5, first = 0, last = 0;
	const done = new Promise((resolve) => {
		socket.on("data", (data) => {
			pending = pending.length ? Buffer.concat([pending, data]) : data;
			if (handshake) {
				const n = Math.min(handshake, pending.length);
				pending = pending.subarray(n);
				handshake -= n;
			}
			const whole = Math.floor(pending.length / packetLength);
			if (qos) {
				const acks = Buffer.alloc(whole * 4);
				for (let i = 0; i < whole; i++) {
					const at = i * packetLength + packetLength - payloadLength - 2;
					acks.set([0x40, 2, pending[at], pending[at + 1]], i * 4);
				}
				socket.write(acks);
			}
			pending = pending.subarray(whole * packetLength);
			if (whole && !first)
				first = performance.now(); // the first PUBLISH, as the clients' subscribers time it
			seen += whole;
			if (seen >= count) {
				last = performance.now();
				resolve();
			}
		});
	});
	return {
		ready: sleep(200),
		done: done.then(() => {
			socket.destroy();
			return { first, last };
		}),
	};
}

async function rawPublisher(port, topic, qos, count, payload) {
	const socket = net.connect({ host: "127.0.0.1", port });
	socket.setNoDelay(true);
	await new Promise((resolve) => socket.once("connect", resolve));
	socket.write(mqttPacket.generate({ cmd: "connect", clientId: `raw-pub-${qos}`, protocolVersion: 4, clean: true, keepalive: 60 }));
	socket.on("data", () => {}); // CONNACK, PUBACKs: not waited for
	const batch = [];
	for (let i = 0; i < count; i++) {
		batch.push(mqttPacket.generate({ cmd: "publish", topic, payload, qos, messageId: qos ? (i % 65_535) + 1 : undefined }));
		if (batch.length === 1000 || i === count - 1) {
			if (!socket.write(Buffer.concat(batch.splice(0))))
				await new Promise((resolve) => socket.once("drain", resolve));
		}
	}
	return socket;
}

async function throughputRaw(broker, qos, count, payload) {
	const topic = `bench/raw/${qos}`;
	const packetLength = mqttPacket.generate({ cmd: "publish", topic, payload, qos, messageId: qos ? 1 : undefined }).length;
	const subscriber = await rawSubscriber(broker.port, topic, qos, count, packetLength, payload.length);
	await subscriber.ready;
	const publisher = await rawPublisher(broker.port, topic, qos, count, payload);
	const { first, last } = await subscriber.done;
	publisher.destroy();
	return count / ((last - first) / 1000);
}

/** Where a client connects: mosquitto's TCP port, or the WebSocket listener in front of it. */
const mqttjsTarget = (broker, ws) => (ws ? `ws://127.0.0.1:${broker.wsPort}/mqtt` : `mqtt://127.0.0.1:${broker.port}`);

async function throughputMqttjs(broker, qos, count, payload, ws = false) {
	const topic = `bench/mqttjs/${qos}`;
	const subscriber = mqttjs.connect(mqttjsTarget(broker, ws), { protocolVersion: 4, reconnectPeriod: 0 });
	await new Promise((resolve) => subscriber.once("connect", resolve));
	await subscriber.subscribeAsync(topic, { qos });
	let seen = 0, first = 0, last = 0;
	const done = new Promise((resolve) => subscriber.on("message", () => {
		if (!first)
			first = performance.now();
		if (++seen === count) {
			last = performance.now();
			resolve();
		}
	}));
	const publisher = mqttjs.connect(mqttjsTarget(broker, ws), { protocolVersion: 4, reconnectPeriod: 0 });
	await new Promise((resolve) => publisher.once("connect", resolve));
	for (let i = 0; i < count; i++) {
		publisher.publish(topic, payload, { qos });
		if (i % 1000 === 999)
			await new Promise((resolve) => setImmediate(resolve));
	}
	await done;
	subscriber.end(true);
	publisher.end(true);
	return count / ((last - first) / 1000);
}

/** connect()'s arguments for our client: mosquitto's TCP port, or the WebSocket listener in front of it. */
const ourTarget = (broker, ws) => (ws ? [`ws://127.0.0.1:${broker.wsPort}/mqtt`] : ["127.0.0.1", broker.port, false]);

async function throughputOurs(broker, qos, count, payload, ws = false) {
	const topic = `bench/ours/${qos}`;
	const subscriber = mqtt.Client(`bench-sub-${qos}`, 60, null, null, 1, Math.max(1024, payload.length + 64), { binary: true });
	let seen = 0, first = 0, last = 0, resolveDone;
	const done = new Promise((resolve) => {
		resolveDone = resolve;
	});
	subscriber.on("message", () => {
		if (!first)
			first = performance.now();
		if (++seen === count) {
			last = performance.now();
			resolveDone();
		}
	});
	await new Promise((resolve) => subscriber.connect(...ourTarget(broker, ws), () => subscriber.subscribe(topic, qos, resolve)));

	const publisher = mqtt.Client(`bench-pub-${qos}`, 60, null, null, 1, 1024, { queue: 255, window: 255 });
	await new Promise((resolve) => publisher.connect(...ourTarget(broker, ws), resolve));
	let sent = 0, waiting;
	publisher.on("puback", () => { // room in the queue again
		const wake = waiting;
		waiting = undefined;
		wake?.();
	});
	const bytes = new Uint8Array(payload);
	while (sent < count) {
		if (publisher.publish(topic, bytes, qos, 0))
			sent++;
		else
			await new Promise((resolve) => {
				waiting = resolve;
			});
	}
	await done;
	subscriber.close();
	publisher.close();
	return count / ((last - first) / 1000);
}

const median = (values) => values.slice().sort((x, y) => x - y)[values.length >> 1];

/**
 * The broker's speed drifts on a shared machine, so the three publishers take turns, round after
 * round, each ratio is taken within its round, and the medians are reported.
 */
async function throughput(broker) {
	for (const [size, qos0, qos1] of SIZES) {
		const payload = Buffer.alloc(size, 0x61);
		for (const [qos, count] of [[0, qos0], [1, qos1]]) {
			const limits = [], ours = [], peers = [];
			for (let round = 0; round < ROUNDS; round++) {
				limits.push(await throughputRaw(broker, qos, count, payload));
				ours.push(await throughputOurs(broker, qos, count, payload));
				peers.push(await throughputMqttjs(broker, qos, count, payload));
			}
			const oursOfLimit = ours.map((value, i) => value / limits[i]), peerOfLimit = peers.map((value, i) => value / limits[i]);
			const range = (values) => `${Math.min(...values).toFixed(2)}..${Math.max(...values).toFixed(2)}`;
			const lwip = size > 2920
				? "; the host models lwIP's 2,920-byte send buffer, which our publisher writes through as the device does and MQTT.js does not"
				: "";
			row(
				"host throughput",
				`QoS ${qos}, ${count} x ${size} B, msg/s at the subscriber, median of ${ROUNDS} rounds`,
				median(ours),
				median(peers),
				"MQTT.js",
				"msg/s",
				`raw sockets ${Math.round(median(limits))} msg/s; of that limit, round by round: ours ${median(oursOfLimit).toFixed(2)} (${
					range(oursOfLimit)
				}), MQTT.js ${median(peerOfLimit).toFixed(2)} (${range(peerOfLimit)})${lwip}`,
				{ size, qos, share: median(oursOfLimit), peerShare: median(peerOfLimit) },
			);
		}
	}
}

/**
 * Both clients through the WebSocket listener in front of mosquitto (test-host/brokers/ws-front.js,
 * in this process), taking turns round after round; the ratio is taken within each round.
 */
async function throughputWebSocket(broker) {
	for (const [size, count0, count1] of [[100, QOS0_MESSAGES / 5, QOS1_MESSAGES / 4], [1024, QOS0_MESSAGES / 10, QOS1_MESSAGES / 8]]) {
		const payload = Buffer.alloc(size, 0x61);
		for (const [qos, count] of [[0, count0], [1, count1]]) {
			const ratios = [], ours = [], peers = [];
			for (let round = 0; round < ROUNDS; round++) {
				ours.push(await throughputOurs(broker, qos, count, payload, true));
				peers.push(await throughputMqttjs(broker, qos, count, payload, true));
				ratios.push(ours.at(-1) / peers.at(-1));
			}
			row(
				"host throughput over WebSocket",
				`QoS ${qos}, ${count} x ${size} B over ws://, msg/s at the subscriber, median of ${ROUNDS} rounds`,
				median(ours),
				median(peers),
				"MQTT.js over ws://",
				"msg/s",
				`ours / MQTT.js round by round: ${
					ratios.map((r) => r.toFixed(2)).join(", ")
				}; both through the ws-package listener in front of mosquitto, which runs in the benchmark's process`,
				{ size, qos },
			);
		}
	}
}

// ---- 2. cost inside XS -----------------------------------------------------------------------

/**
 * The client's session runs inside XS over an in-memory link (bench/xs-session.js), so the meter
 * counts the client's work and allocations, not the host bridge's. Slots allocated are XS's
 * slot count at the end of a delivery minus the count right after a full collection; a batch
 * small enough for no collection to run in between.
 */
async function xsCost() {
	const engine = await startEngine("xs");
	const here = new URL(".", import.meta.url).pathname;
	await engine.evaluate(await bundle(`import ${JSON.stringify(`${here}xs-session.js`)};`));
	const run = (setup, action, messages) => perMessage(engine, `bench.setup(${JSON.stringify(setup)})`, action, messages);
	const RECEIVE = 200, PUBLISH = 64;
	for (const size of [16, 100, 1000]) {
		for (const qos of [0, 1]) {
			const ours = await run({ size, qos, messages: RECEIVE }, "bench.receive()", RECEIVE);
			const peer = await run({ size, qos, messages: RECEIVE }, "bench.decodeOnly()", RECEIVE);
			const payload = await run({ size, qos, messages: RECEIVE }, "bench.payloadOnly()", RECEIVE);
			row(
				"XS cost",
				`receive QoS ${qos}, ${size} B payload, per message`,
				ours.compute,
				peer.compute,
				"decode header + payload string only",
				"computrons",
				`slots allocated per message: ours ${ours.slots.toFixed(1)}, peer ${peer.slots.toFixed(1)}, the payload string alone ${
					payload.slots.toFixed(1)
				} (target: ours no more than that)`,
			);
		}
		for (const qos of [0, 1]) {
			const ours = await run({ size, qos, messages: PUBLISH }, `bench.publish(${qos})`, PUBLISH);
			row(
				"XS cost",
				`publish QoS ${qos}, ${size} B payload, per message`,
				ours.compute,
				undefined,
				"",
				"computrons",
				`slots allocated per message: ${ours.slots.toFixed(1)} (the packet buffer it keeps until acknowledged)`,
			);
		}
	}
	await v5Rows(run);
	await storeRows(engine, run);
	await engine.close();
}

/**
 * What MQTT over WebSocket adds inside XS: the same session, publishing or receiving the same
 * messages, over mqtt/websocket's link (frames masked on the way out, each received PUBLISH in a
 * frame of its own) and over the bare in-memory link.
 */
async function webSocketRows() {
	const engine = await startEngine("xs");
	const here = new URL(".", import.meta.url).pathname;
	await engine.evaluate(await bundle(`import ${JSON.stringify(`${here}xs-session.js`)};`));
	const run = (setup, action, messages) => perMessage(engine, `bench.setup(${JSON.stringify(setup)})`, action, messages);
	const MESSAGES = 64;
	for (const size of [100, 1000]) {
		for (const [what, action] of [["publish", (qos) => `bench.publish(${qos})`], ["receive", () => "bench.receive()"]]) {
			for (const qos of [0, 1]) {
				const tcp = await run({ size, qos, messages: MESSAGES }, action(qos), MESSAGES);
				const ws = await run({ size, qos, messages: MESSAGES, websocket: true }, action(qos), MESSAGES);
				const standIn = (await engine.evaluate("bench.xorOnly()")).compute / MESSAGES;
				const device = ws.compute - standIn;
				const verdict = size === 100 ? `; target ≤ 1.15×: ${device / tcp.compute <= 1.15 ? "met" : "**missed**"}` : "";
				row(
					"XS over WebSocket",
					`${what} QoS ${qos}, ${size} B payload, per message`,
					device,
					tcp.compute,
					"the same session over TCP",
					"computrons",
					`over WebSocket measured ${Math.round(ws.compute)}, less ${
						Math.round(standIn)
					} for masking by the stand-in of Moddable's native logical module; slots allocated per message: over WebSocket ${
						ws.slots.toFixed(1)
					}, over TCP ${tcp.slots.toFixed(1)}${verdict}`,
					{ size, qos, what },
				);
			}
		}
	}
	await engine.close();
}

/**
 * What MQTT 5 costs a message next to 3.1.1 in the same run (issue 25's budgets: 1.2× at
 * 100 B): the same session, stream and publishes, over Session5 with no properties.
 */
async function v5Rows(run) {
	const RECEIVE = 200, PUBLISH = 64, size = 100;
	for (const qos of [0, 1]) {
		const v5 = await run({ size, qos, messages: RECEIVE, v5: true }, "bench.receive()", RECEIVE);
		const v3 = await run({ size, qos, messages: RECEIVE }, "bench.receive()", RECEIVE);
		row(
			"MQTT 5",
			`receive QoS ${qos}, ${size} B payload, per message`,
			v5.compute,
			v3.compute,
			"MQTT 3.1.1, same session",
			"computrons",
			`budget ≤ 1.2×; slots allocated per message: MQTT 5 ${v5.slots.toFixed(1)}, 3.1.1 ${v3.slots.toFixed(1)}`,
			{ v5: "receive", qos },
		);
	}
	for (const qos of [0, 1]) {
		const v5 = await run({ size, qos, messages: PUBLISH, v5: true }, `bench.publish(${qos})`, PUBLISH);
		const v3 = await run({ size, qos, messages: PUBLISH }, `bench.publish(${qos})`, PUBLISH);
		row(
			"MQTT 5",
			`publish QoS ${qos}, ${size} B payload, per message`,
			v5.compute,
			v3.compute,
			"MQTT 3.1.1, same session",
			"computrons",
			`budget ≤ 1.2×; slots allocated per message: MQTT 5 ${v5.slots.toFixed(1)}, 3.1.1 ${v3.slots.toFixed(1)}`,
			{ v5: "publish", qos },
		);
	}
	// what a topic alias saves on the wire: the same QoS 0 PUBLISH with its 40-byte topic, and with the alias alone
	const topic = new TextEncoder().encode("sensors/building-7/floor-3/room-12/temp/"), payload = new Uint8Array(size);
	const full = encodePublish5(topic, payload, 0, false, 0, 0, undefined).length,
		aliased = encodePublish5(new Uint8Array(0), payload, 0, false, 0, 1, undefined).length;
	row(
		"MQTT 5",
		`PUBLISH QoS 0 of ${size} B at a ${topic.length}-byte topic, with a topic alias alone`,
		aliased,
		full,
		"the same PUBLISH with its topic",
		"bytes",
		`${full - aliased} bytes saved per message once the alias is set (the first message carries topic and alias: 3 bytes more)`,
	);
}

/**
 * What options.store costs: each publish's whole exchange (publish, then PUBACK, or PUBREC and
 * PUBCOMP) with the store and without it, inside XS, with the flash stand-in's own JavaScript
 * taken off (on the device the flash calls are native); then the flash wear over 1,000 messages.
 */
async function storeRows(engine, run) {
	const MESSAGES = 64, ENDURANCE = 100_000; // program/erase cycles of the ESP-12's SPI NOR flash (Winbond W25Q32 datasheet)
	const use = async () => {
		const before = engine.traces.length;
		await engine.evaluate("trace(JSON.stringify(bench.flashUse()))");
		return JSON.parse(engine.traces.slice(before).join(""));
	};
	for (const size of [100, 1000]) {
		for (const qos of [1, 2]) {
			const plain = await run({ size, qos, messages: MESSAGES }, `bench.exchange(${qos})`, MESSAGES);
			const stored = await run({ size, qos, messages: MESSAGES, sectors: 16 }, `bench.exchange(${qos})`, MESSAGES);
			const flash = await use();
			const standIn = (await engine.evaluate("bench.flashOnly()")).compute / MESSAGES;
			row(
				"store",
				`QoS ${qos} publish and its acknowledgements, ${size} B payload, per message`,
				stored.compute - standIn,
				plain.compute,
				"the same client without a store",
				"computrons",
				`both: publish, write, read the broker's acknowledgements; with the store also ${(flash.calls / MESSAGES).toFixed(1)} flash calls and ${
					(flash.written / MESSAGES).toFixed(0)
				} flash bytes written per message (the record, its commit, sent${qos === 2 ? ", released" : ""} and done bits); measured ${
					Math.round(stored.compute)
				} less ${Math.round(standIn)} for the stand-in flash, which is native modSPIWrite on the device`,
			);
		}
	}
	for (const qos of [1, 2]) {
		await run({ size: 100, qos, messages: 1000, sectors: 8 }, `bench.exchange(${qos})`, 1000);
		const { written, erased } = await use();
		const perSector = 1000 / Math.max(erased, 1);
		const years = ENDURANCE * 8 * perSector / (60 * 24 * 365);
		row(
			"store wear",
			`1,000 QoS ${qos} messages of 100 B, 8 sectors`,
			written,
			undefined,
			"",
			"flash bytes written",
			`${erased} sectors erased (one per ${perSector.toFixed(0)} messages); at one message a minute each of the 8 sectors is erased every ${
				(8 * perSector / 60 / 24).toFixed(1)
			} days, so ${ENDURANCE.toLocaleString("en-US")} erase cycles last about ${years.toFixed(0)} years`,
		);
	}
}

/** Next to Moddable's own client (bench/peer.mjs), when $MODDABLE names an SDK checkout. */
async function moddablePeer() {
	const rows_ = await compareWithModdable();
	if (!rows_) {
		row(
			"XS vs Moddable",
			"publish and receive per message (not measured)",
			undefined,
			undefined,
			"Moddable mqtt.js",
			"computrons",
			"set MODDABLE to a Moddable SDK checkout (Moddable's Getting Started guide, or npx xs-dev setup) to measure these rows",
		);
		return;
	}
	for (const { what, publish, size, ours, peer, standIn } of rows_) {
		const device = ours.compute - standIn.compute;
		const target = publish ? (size === 100 ? 2 : 1.5) : (size === 100 ? undefined : 1);
		const verdict = target === undefined ? "" : `; target ${target}x: ${device / peer.compute <= target ? "met" : "**missed**"}`;
		const standInWhat = publish ? "checking and encoding the string (isWellFormed, ArrayBuffer.fromString)" : "the socket copying the bytes in";
		const measured = standIn.compute
			? `ours measured ${Math.round(ours.compute)}, less ${
				Math.round(standIn.compute)
			} for ${standInWhat}, native on the device and done by a metered stand-in here`
			: "both write the caller's bytes as they are, no stand-in involved";
		row(
			"XS vs Moddable",
			`${what}, per message`,
			device,
			peer.compute,
			"Moddable mqtt.js (QoS 0 only)",
			"computrons",
			`${measured}; each side through its public API over an in-memory socket of its kind; slots allocated per message: ours ${
				ours.slots.toFixed(1)
			}, peer ${peer.slots.toFixed(1)}${verdict}`,
			{ publish, size, target },
		);
	}
}

// ---- 3. RAM ----------------------------------------------------------------------------------

async function ram(broker) {
	for (const [maxMessageLength, subscriptions] of [[1024, 1], [1024, 10], [16_384, 1], [16_384, 10]]) {
		const { device, measured, standins, slots, chunks } = await measure(broker, { maxMessageLength, subscriptions });
		const target = maxMessageLength + 4096;
		row(
			"RAM in XS",
			`connected, max_message_length ${maxMessageLength}, ${subscriptions} subscription(s)`,
			device,
			target,
			"target: max_message_length + 4 KB",
			"bytes (ESP8266 layout)",
			`${slots} slots, ${chunks} chunk bytes = ${measured} B, less ${standins} B of host stand-ins for the native socket and timer; ${
				(device / target).toFixed(2)
			} of the target`,
		);
	}
}

// ---- 4. codec --------------------------------------------------------------------------------

function opsPerSecond(fn, ms = 400) {
	for (let i = 0; i < 2000; i++)
		fn();
	let n = 0;
	const end = performance.now() + ms;
	while (performance.now() < end) {
		for (let i = 0; i < 200; i++)
			fn();
		n += 200;
	}
	return n / (ms / 1000);
}

function codecRows() {
	for (const size of [100, 10_240]) {
		const topic = "bench/codec/topic";
		const payload = new Uint8Array(size).fill(0x61);
		// the same work on both sides: the topic string encoded and a new buffer for each packet
		const encodeOurs = () => codec.encodePublish(new Uint8Array(ArrayBuffer.fromString(topic)), payload, 1, false, 7);
		const packet = { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, messageId: 7 };
		const encodePeer = () => mqttPacket.generate(packet);
		row(
			"codec",
			`encode PUBLISH, ${size} B payload`,
			opsPerSecond(encodeOurs),
			opsPerSecond(encodePeer),
			"mqtt-packet",
			"ops/s",
			"both: a string topic encoded as UTF-8 and a new buffer holding the whole packet, every time",
		);

		const buffer = encodeOurs();
		const decoded = new codec.Packet();
		// the same result on both sides: the packet's fields, the topic as a string, the payload as a view
		const decodeOurs = () => {
			codec.decodeHeader(buffer, 0, buffer.length, decoded);
			codec.checkHeader(decoded);
			codec.decodeBody(buffer, 0, decoded.length, decoded);
			String.fromArrayBuffer(buffer.buffer, decoded.topicOffset, decoded.topicLength);
			buffer.subarray(decoded.payloadOffset, decoded.payloadOffset + decoded.payloadLength);
		};
		const parser = mqttPacket.parser({ protocolVersion: 4 });
		parser.on("packet", () => {});
		const wire = Buffer.from(buffer);
		const decodePeer = () => parser.parse(wire);
		row(
			"codec",
			`decode PUBLISH, ${size} B payload`,
			opsPerSecond(decodeOurs),
			opsPerSecond(decodePeer),
			"mqtt-packet",
			"ops/s",
			"both: header, topic as a string, payload as a view of the input (mqtt-packet's is a Buffer slice)",
		);
	}
}

// ---- 5. flash proxy --------------------------------------------------------------------------

async function flash() {
	const ours = await build({
		entryPoints: ["build/host/modules/mqtt/client.js"],
		bundle: true,
		minify: true,
		write: false,
		format: "esm",
		platform: "neutral",
		external: ["timer", "time", "net", "modules", "embedded:*"],
		logLevel: "silent",
	});
	const peer = await build({
		stdin: {
			contents: "export { default as parser } from 'mqtt-packet/parser.js'; export { default as generate } from 'mqtt-packet/generate.js';",
			resolveDir: process.cwd(),
		},
		bundle: true,
		minify: true,
		write: false,
		format: "esm",
		platform: "node",
		logLevel: "silent",
	});
	const size = (result) => result.outputFiles[0].contents.length;
	row("flash proxy", "minified JavaScript of modules/mqtt (whole client)", size(ours), size(peer), "mqtt-packet (codec only) + its dependencies", "bytes");
}

// ---- table -----------------------------------------------------------------------------------

function format(value) {
	if (value === undefined)
		return "";
	return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(1);
}

// ---- BENCHMARKS.md ---------------------------------------------------------------------------

/**
 * The sections of BENCHMARKS.md that this run measured, with their summary rows. The RAM rows
 * are not among them: tools/memory.mjs writes the heap's section.
 */
function sections(machine) {
	const of = (...groups) => rows.filter((r) => groups.includes(r.group) && r.ours !== undefined);
	const ratio = (r) => r.ours / r.peer;
	const verdict = (met) => (met ? "met" : "**missed**");
	const section = (
		name,
		title,
		list,
		summary,
		also = "",
	) => (list.length ?
		[{
			name,
			title,
			summary,
			body: `${measuredOn(`${machine}${also}; \`npm run bench -- --write\``)}\n\n${
				table(
					["measurement", "ours:", "peer:", "peer is", "ours / peer:", "unit", "note"],
					list.map((r) => [r.measurement, format(r.ours), format(r.peer), r.peerName, r.peer ? ratio(r).toFixed(2) : "", r.unit, r.note]),
				)
			}`,
		}] :
		[]);
	const throughputRows = of("host throughput");
	const moddableRows = of("XS vs Moddable");
	const band = (list) => {
		const low = Math.min(...list.map(ratio)).toFixed(2), high = Math.max(...list.map(ratio)).toFixed(2);
		return low === high ? `${low}×` : `${low}× to ${high}×`;
	};
	const targets = [
		["publish, 100 B (string and ArrayBuffer)", (r) => r.publish && r.size === 100, 2],
		["publish, 1 KB and 10 KB", (r) => r.publish && r.size > 100, 1.5],
		["receive, 1 KB and 10 KB", (r) => !r.publish && r.size > 100, 1],
	];
	return [
		...section(
			"throughput",
			"Throughput on the host, next to MQTT.js",
			throughputRows,
			throughputRows.filter((r) => r.size === 100).map((
				r,
			) => [
				`host throughput, QoS ${r.qos}, 100 B: share of raw sockets' rate`,
				r.share.toFixed(2),
				"≥ 0.90",
				`MQTT.js: ${r.peerShare.toFixed(2)}`,
				verdict(r.share >= 0.9),
			]),
		),
		...section(
			"moddable",
			"Cost per message inside XS, next to Moddable's client",
			moddableRows,
			targets.map(([what, test, target]) => {
				const list = moddableRows.filter(test);
				return [
					`XS computrons per QoS 0 message, ${what}`,
					band(list),
					`≤ ${target}×`,
					"Moddable's `mqtt.js` (QoS 0 only)",
					verdict(list.every((r) => ratio(r) <= target)),
				];
			}),
			`, Moddable's client from SDK ${sdk}`,
		),
		...section("xs", "Cost per message inside XS", of("XS cost")),
		...section(
			"websocket",
			"MQTT over WebSocket, next to TCP and to MQTT.js",
			of("XS over WebSocket", "host throughput over WebSocket"),
			(() => {
				const list = of("XS over WebSocket").filter((r) => r.size === 100);
				return list.length
					? [[
						"XS computrons per message over ws:// against TCP, 100 B, publish and receive, QoS 0 and 1",
						band(list),
						"≤ 1.15×",
						"the same session over TCP",
						verdict(list.every((r) => ratio(r) <= 1.15)),
					]]
					: [];
			})(),
		),
		...section("mqtt5", "MQTT 5 next to 3.1.1", of("MQTT 5")), // no summary row: the summary holds ten, each row says its budget
		...section("store", "What the store costs", of("store", "store wear")),
		...section("codec", "Codec speed, next to mqtt-packet", of("codec")),
		...section("flash", "Size of the JavaScript, next to mqtt-packet", of("flash proxy")),
	];
}

const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
const broker = await startMosquitto({ extraConfig: ["max_inflight_messages 0"], websocket: true });
const xsnap = createRequire(import.meta.url)("@agoric/xsnap/package.json").version;
const sdk = process.env.MODDABLE && spawnSync("git", ["-C", process.env.MODDABLE, "describe", "--tags"], { encoding: "utf8" }).stdout?.trim();
const machine = `${os.cpus().length} cores, ${cpu}, Node ${process.version}, mosquitto ${broker.version}, XS from \`@agoric/xsnap\` ${xsnap}`;
console.log(`machine: ${machine}`);
const only = process.env.BENCH_ONLY?.split(",");
const want = (name) => !only || only.includes(name);
if (want("throughput"))
	await throughput(broker);
if (want("websocket")) {
	await webSocketRows();
	await throughputWebSocket(broker);
}
if (want("codec"))
	codecRows();
if (want("flash"))
	await flash();
if (want("ram"))
	await ram(broker);
if (want("xs"))
	await xsCost();
if (want("moddable"))
	await moddablePeer();
await broker.stop();

console.log("");
console.log("| group | measurement | ours | peer | peer is | ours / peer | unit | note |");
console.log("|---|---|---:|---:|---|---:|---|---|");
for (const r of rows) {
	const ratio = r.peer ? (r.ours / r.peer).toFixed(2) : "";
	console.log(`| ${r.group} | ${r.measurement} | ${format(r.ours)} | ${format(r.peer)} | ${r.peerName} | ${ratio} | ${r.unit} | ${r.note} |`);
}
if (process.argv.includes("--write"))
	writeSections(sections(machine));
process.exit(0);
