// Measures, inside XS, the heap one client holds: `npm run memory`. Each row creates clients
// in a fresh XS worker, measures the live heap after a full collection before and after, and
// prints the difference as XS slots and chunk bytes, converted to the ESP8266's 32-bit layout
// (16-byte slots) and set against the 32 KB XS heap of the ESP8266 build (targets/esp8266).
// The bridge objects that stand in for the device's native socket and timer are counted too,
// so the figures are an upper bound for the device.
import { startMosquitto } from "../test-host/brokers/mosquitto.js";
import { startEngine } from "../test-host/engine.js";

const HOST_SLOT = 32;	// sizeof(txSlot) on a 64-bit host
const DEVICE_SLOT = 16;	// on the ESP8266
const DEVICE_HEAP = 32_768;	// creation.static of targets/esp8266/manifest.json

export async function measure(broker, { maxMessageLength = 1024, subscriptions = 1, connect = true } = {}) {
	const engine = await startEngine("xs");
	try {
		const before = await engine.heap();
		const client = await engine.newClient("memory", 60, null, null, 1, maxMessageLength);
		if (connect) {
			await client.call("on", "message", engine.fn("message"));
			await client.call("connect", "127.0.0.1", broker.port, false, engine.fn("connected"));
			await client.next("connected");
			const table = {};
			for (let i = 0; i < subscriptions; i++)
				table[`memory/topic/${i}`] = 1;
			await client.call("subscribe", table, engine.fn("suback"));
			await client.next("suback");
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const after = await engine.heap();
		const slots = after.slots - before.slots;
		const chunks = after.snapshot - before.snapshot - slots * HOST_SLOT;
		return { slots, chunks, device: slots * DEVICE_SLOT + chunks };
	}
	finally {
		await engine.close();
	}
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const broker = await startMosquitto();
	const rows = [
		["created, not connected (max_message_length 1024)", { connect: false }],
		["connected, 1 subscription (defaults)", {}],
		["connected, 10 subscriptions", { subscriptions: 10 }],
		["connected, 1 subscription, max_message_length 16384", { maxMessageLength: 16_384 }],
	];
	console.log("| client | XS slots | chunk bytes | ESP8266 bytes | share of the 32 KB XS heap |");
	console.log("|---|---:|---:|---:|---:|");
	for (const [name, options] of rows) {
		const { slots, chunks, device } = await measure(broker, options);
		console.log(`| ${name} | ${slots} | ${chunks} | ${device} | ${(100 * device / DEVICE_HEAP).toFixed(1)} % |`);
	}
	await broker.stop();
}
