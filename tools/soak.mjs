// Soak: `npm run soak [-- messages]` (default 1,000,000). The client runs inside XS, sends QoS 0
// messages round through a local mosquitto to itself, and the XS heap is sampled after a full
// collection every few seconds. After warm-up (the first fifth) the heap must not grow while
// messages flow; the last sample, taken once the queue has drained, is shown apart.
import { startMosquitto } from "../test-host/brokers/mosquitto.js";
import { startEngine } from "../test-host/engine.js";
import { fileURLToPath } from "node:url";

const messages = Number(process.argv[2] ?? 1_000_000);
const broker = await startMosquitto();
let received = 0;
const engine = await startEngine("xs", {
	config: { port: broker.port, soakMessages: messages },
	onTrace(text) {
		const match = /soak: (\d+) received/.exec(text);
		if (match)
			received = Number(match[1]);
		else
			process.stdout.write(text);
	},
});
const start = Date.now();
await engine.run(fileURLToPath(new URL("soak-app.js", import.meta.url)));
const samples = [];
while (received < messages && Date.now() - start < 60 * 60_000) {
	await new Promise((resolve) => setTimeout(resolve, 3_000));
	const heap = await engine.heap();
	samples.push({ seconds: Math.round((Date.now() - start) / 1000), received, ...heap });
	console.log(
		`soak: ${String(samples.at(-1).seconds).padStart(4)} s  ${
			String(received).padStart(8)
		} messages  ${heap.slots} live slots  ${heap.snapshot} heap snapshot bytes`,
	);
}
await engine.close();
await broker.stop();

const settled = samples.filter((s) => s.received >= messages * 0.2 && s.received < messages);
const slots = settled.map((s) => s.slots), sizes = settled.map((s) => s.snapshot);
const growth = settled.length > 1 ? { slots: Math.max(...slots) - Math.min(...slots), bytes: Math.max(...sizes) - Math.min(...sizes) } : undefined;
const seconds = (Date.now() - start) / 1000;
console.log(
	`soak: ${received} of ${messages} messages in ${seconds.toFixed(0)} s (${
		Math.round(received / seconds)
	} msg/s inside XS); after warm-up the live heap varied by ${growth?.slots ?? "?"} slots and ${
		growth?.bytes ?? "?"
	} snapshot bytes across ${settled.length} samples; idle at the end: ${samples.at(-1)?.slots} slots`,
);
const ok = received === messages && growth && growth.slots <= 64 && growth.bytes <= 4096;
console.log(ok ? "soak: no heap growth" : "soak: FAILED (messages missing or heap growing)");
process.exit(ok ? 0 : 1);
