// Measures, inside XS, the heap one client holds: `npm run memory`. Each row starts a fresh XS
// worker with tools/memory-app.js loaded, takes the live heap after a full collection, has the
// app create (and connect) a client, and takes it again once the client is ready. The
// difference is printed as XS slots and chunk bytes, converted to the ESP8266's 32-bit layout
// (16-byte slots), and set against the 32 KB XS heap of the ESP8266 build (modules/mqtt/manifest.json, esp).
// The host's stand-ins for the device's native socket and timer are XS objects here; their
// cost is measured the same way and taken off the device estimate. With --write the table and
// its summary rows go into BENCHMARKS.md (tools/sections.mjs).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startMosquitto } from "../test-host/brokers/mosquitto.js";
import { startEngine } from "../test-host/engine.js";
import { measuredOn, table, writeSections } from "./sections.mjs";

const HOST_SLOT = 32; // sizeof(txSlot) on a 64-bit host
const DEVICE_SLOT = 16; // on the ESP8266
const DEVICE_HEAP = 32_768; // creation.static of modules/mqtt/manifest.json for esp
const APP = fileURLToPath(new URL("memory-app.js", import.meta.url));

/** `command` in a fresh engine; the image holds WebSocket (manifest_ws.json) only when the command asks for it. */
async function held(broker, command) {
	let ready;
	const isReady = new Promise((resolve) => ready = resolve);
	const engine = await startEngine("xs", {
		config: { port: broker.port, wsPort: broker.wsPort },
		websocket: !!command.websocket,
		onTrace: (text) => text === "memory: ready\n" ? ready() : process.stderr.write(text),
	});
	try {
		await engine.run(APP);
		const before = await engine.heap();
		await engine.command(command);
		await isReady;
		await new Promise((resolve) => setTimeout(resolve, 100)); // let the last acknowledgements settle
		const after = await engine.heap();
		const slots = after.slots - before.slots;
		const chunks = after.snapshot - before.snapshot - slots * HOST_SLOT;
		return { slots, chunks, device: slots * DEVICE_SLOT + chunks };
	}
	finally {
		await engine.close();
	}
}

const standinsFor = new WeakMap(); // broker -> what the stand-ins of a connection hold: the same for every client, so measured once

/** What a client holds; `device` is the ESP8266 estimate, stand-ins taken off when connected. */
export async function measure(
	broker,
	{ maxMessageLength = 1024, subscriptions = 1, connect = true, sectors = 0, websocket = false, protocolVersion = 0 } = {},
) {
	const measured = await held(broker, { op: "memory.client", maxMessageLength, subscriptions, connect, sectors, websocket, protocolVersion });
	if (connect && !standinsFor.has(broker))
		standinsFor.set(broker, held(broker, { op: "memory.standins" }));
	const standins = connect ? await standinsFor.get(broker) : { slots: 0, chunks: 0, device: 0 };
	return { ...measured, measured: measured.device, standins: standins.device, device: measured.device - standins.device };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const broker = await startMosquitto({ websocket: true });
	const DEFAULTS = "connected, 1 subscription (defaults)";
	const WITH_STORE = "connected, 1 subscription, with a store of 8 sectors (options.store)";
	const OVER_WS = "connected over ws:// (manifest_ws.json), 1 subscription";
	const V5 = "connected, 1 subscription, MQTT 5 (protocolVersion 5, manifest_v5.json)";
	const rows = [
		["created, not connected (max_message_length 1024)", { connect: false }],
		[DEFAULTS, {}],
		["connected, 10 subscriptions", { subscriptions: 10 }],
		["connected, 1 subscription, max_message_length 16384", { maxMessageLength: 16_384 }],
		[WITH_STORE, { sectors: 8 }],
		[OVER_WS, { websocket: true }],
		[V5, { protocolVersion: 5 }],
	];
	const lines = [];
	const devices = {};
	for (const [name, options] of rows) {
		const { slots, chunks, measured, standins, device } = await measure(broker, options);
		devices[name] = device;
		lines.push([name, slots, chunks, measured, standins, device, `${(100 * device / DEVICE_HEAP).toFixed(1)} %`]);
	}
	const heap = table([
		"client",
		"XS slots:",
		"chunk bytes:",
		"measured, ESP8266 layout:",
		"host stand-ins:",
		"device estimate:",
		"share of the 32 KB XS heap:",
	], lines);
	// the Flash object is the host's stand-in here, a host object with a 12-byte chunk on the device
	const store = devices[WITH_STORE] - devices[DEFAULTS], target = 1024 + 4096;
	const storeLine = `The store (Store, its Flash, and the session's record table) beyond the client: ${store} B, ${
		store < 1024 ? "within" : "OVER"
	} the 1 KB budget.`;
	const ws = devices[OVER_WS] - devices[DEFAULTS];
	const wsLine = `WebSocket (its link, a 135-byte header buffer, the 528-byte frame buffer) beyond the client over TCP: ${ws} B.`;
	const v5 = devices[V5] - devices[DEFAULTS];
	const v5Line = `MQTT 5 beyond a 3.1.1 client with the same settings: ${v5} B, ${v5 <= 1024 ? "within" : "OVER"} the 1 KB budget (issue 25).`;
	console.log(`${heap}\n\n${storeLine}\n${wsLine}\n\n${v5Line}`);
	await broker.stop();
	if (process.argv.includes("--write")) {
		const xsnap = createRequire(import.meta.url)("@agoric/xsnap/package.json").version;
		const n = (value) => value.toLocaleString("en-US");
		writeSections([{
			name: "memory",
			title: "Heap of one client inside XS",
			body: `${
				measuredOn(`inside XS (\`@agoric/xsnap\` ${xsnap}) against mosquitto ${broker.version}; \`npm run memory -- --write\``)
			}\n\n${heap}\n\n${storeLine}\n${wsLine}\n\n${v5Line}`,
			summary: [
				[
					"heap of a connected client (defaults, one subscription)",
					`${n(devices[DEFAULTS])} B`,
					`≤ ${n(target)} B (max_message_length + 4 KB)`,
					"",
					devices[DEFAULTS] <= target ? "met" : "**missed**",
				],
				["heap the store adds (8 sectors)", `${n(store)} B`, "≤ 1,024 B", "", store < 1024 ? "met" : "**missed**"],
			],
		}]);
	}
}
