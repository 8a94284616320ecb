// The benchmark that decides a battery's life (issue 23): how long one wake keeps the radio on
// to get a reading acknowledged, over a link with a fixed delay each way (the project's proxy,
// test-host/brokers/cut-proxy.js, in front of a local mosquitto), and what each wake writes to
// the flash. In one run: ours sending the held reading right behind CONNECT, ours waiting for
// CONNACK (options.waitConnack), and MQTT.js (connect, publish, wait for its callback).
//
//   npm run wake [-- --delay 50 --wakes 5 --wear 400] [-- --write]
//
// Time runs from the connect call to the reading's acknowledgement (our drained event, MQTT.js's
// publish callback), so it counts the exchanges after the socket opened: the proxy delays data,
// not the TCP handshake to itself, which on a real link adds one round trip to every row.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mqttjs from "mqtt";
import { startMosquitto } from "../test-host/brokers/mosquitto.js";
import { startCutProxy } from "../test-host/brokers/cut-proxy.js";
import { startEngine } from "../test-host/engine.js";
import { image } from "../test-host/node/image.js";
import { measuredOn, table, writeSections } from "../tools/sections.mjs";

const WAKES_PER_YEAR = 365 * 24 * 12; // one every 5 minutes
const ENDURANCE = 100_000; // program/erase cycles of the ESP-12's SPI NOR flash (Winbond W25Q32 datasheet)
const SECTORS = 8;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One wake of ours: a device started on `flash` takes a reading at QoS `qos`, connects, waits for drained. */
async function ourWake(flash, port, qos, waitConnack, clientId) {
	const engine = await startEngine("node", { flash });
	try {
		const c = await engine.newClient(clientId, 60, null, null, 0, null, {
			store: engine.store({ sectors: SECTORS }),
			...waitConnack ? { waitConnack } : undefined,
		});
		await c.call("on", "drained", engine.fn("drained"));
		const before = image.storage.programmed, erased = image.storage.erased;
		await c.call("publish", "wake/reading", "21.5", qos, 0);
		const start = performance.now();
		await c.call("connect", "127.0.0.1", port, false);
		await c.next("drained", 10_000);
		return { ms: performance.now() - start, flash: image.storage.programmed - before, erased: image.storage.erased - erased };
	}
	finally {
		await engine.close(); // no DISCONNECT: deep sleep cuts the program where it stands
	}
}

async function mqttjsWake(port, qos, clientId) {
	const start = performance.now();
	const client = mqttjs.connect({ host: "127.0.0.1", port, clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
	try {
		await new Promise((resolve, reject) => client.once("connect", resolve).once("error", reject));
		await client.publishAsync("wake/reading", "21.5", { qos });
		return { ms: performance.now() - start };
	}
	finally {
		client.end(true);
	}
}

export async function wakeBench({ delay = 50, wakes = 5, wear = 400, log = () => {} } = {}) {
	const broker = await startMosquitto();
	const proxy = await startCutProxy({ targetPort: broker.port, delay });
	const dir = mkdtempSync(join(tmpdir(), "wake-"));
	const rows = [];
	try {
		const variants = [
			["ours, the reading right behind CONNECT", 1, (i) => ourWake(join(dir, "a.bin"), proxy.port, 1, false, "wake-a")],
			["ours, waiting for CONNACK (waitConnack)", 1, (i) => ourWake(join(dir, "b.bin"), proxy.port, 1, true, "wake-b")],
			["MQTT.js: connect, then publish", 1, () => mqttjsWake(proxy.port, 1, "wake-c")],
			["ours, the reading right behind CONNECT", 2, (i) => ourWake(join(dir, "d.bin"), proxy.port, 2, false, "wake-d")],
			["ours, waiting for CONNACK (waitConnack)", 2, (i) => ourWake(join(dir, "e.bin"), proxy.port, 2, true, "wake-e")],
			["MQTT.js: connect, then publish", 2, () => mqttjsWake(proxy.port, 2, "wake-f")],
		];
		for (const [what, qos, wake] of variants) {
			const times = [], up = [], down = [];
			await wake(-1); // the first wake makes the session; the rest find it, as a sensor does
			for (let i = 0; i < wakes; i++) {
				const [u, d] = [proxy.bytesUp, proxy.bytesDown];
				times.push((await wake(i)).ms);
				up.push(proxy.bytesUp - u);
				down.push(proxy.bytesDown - d);
			}
			const ms = median(times), exchanges = Math.round(ms / (2 * delay));
			rows.push([what, `QoS ${qos}`, ms.toFixed(0), exchanges + 1, `${median(up)} / ${median(down)}`]);
			log(`${what}, QoS ${qos}: ${ms.toFixed(0)} ms, ${exchanges} exchanges after the socket opened`);
		}
		// the flash: many wakes on one store, no delay
		const flash = join(dir, "wear.bin");
		let programmed = 0, erased = 0;
		for (let i = 0; i < wear; i++) {
			const result = await ourWake(flash, broker.port, 1, false, "wake-wear");
			programmed += result.flash;
			erased += result.erased;
		}
		const perWake = programmed / wear, erasesPerSectorYear = erased / wear * WAKES_PER_YEAR / SECTORS;
		return { delay, wakes, wear, rows, perWake, erased, erasesPerSectorYear, years: ENDURANCE / erasesPerSectorYear, mosquitto: broker.version };
	}
	finally {
		await proxy.close();
		await broker.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

function body(r) {
	const machine = `${os.cpus().length} cores, Node ${process.version}, mosquitto ${r.mosquitto}, the Node engine; \`npm run wake -- --write\``;
	return `${measuredOn(machine)}

Time awake per reading: from the connect call to the reading's acknowledgement (our \`drained\`,
MQTT.js's publish callback), median of ${r.wakes} wakes after the one that made the session
(cleansession 0, a store of ${SECTORS} sectors for ours), through the project's proxy holding every
chunk ${r.delay} ms each way. Round trips count the TCP handshake, which the proxy does not delay,
as one. Bytes are on the wire between device and broker.

${table(["client", "QoS", "ms:", "round trips from the TCP connect:", "bytes up / down"], r.rows)}

The flash, over ${r.wear} wakes of one QoS 1 reading each on one store of ${SECTORS} sectors
(the sleepy example's cycle; each wake a new start on the same flash):
${r.perWake.toFixed(1)} bytes written per wake (the record of the reading, its commit, its sent
and done bits), ${r.erased} sector erases in all. At one wake every 5 minutes each sector is erased
${r.erasesPerSectorYear.toFixed(1)} times a year, so 100,000 erase cycles last about ${Math.round(r.years).toLocaleString("en-US")} years.
A QoS 2 command received while awake adds a 12-byte record and its delivered and done bits.

With TLS (read from Moddable 8.2.3's \`modules/crypt/ssl\`, not measured here): its TLS 1.2 full
handshake takes two round trips before the CONNECT can go, so a QoS 1 reading takes 4. It can
resume a session by its id (an abbreviated handshake, one round trip: 3 in all), but its cache
(\`ssl_cache.js\`) holds one session in RAM, which deep sleep loses: every wake of a sleepy sensor
pays the full handshake, and its RSA or ECDHE computation, unless the app gives the SDK a
\`ssl/cache\` module of its own that keeps the session in flash.`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({
		options: {
			delay: { type: "string", default: "50" },
			wakes: { type: "string", default: "5" },
			wear: { type: "string", default: "400" },
			write: { type: "boolean", default: false },
		},
	});
	const result = await wakeBench({ delay: Number(values.delay), wakes: Number(values.wakes), wear: Number(values.wear), log: (line) => console.log(line) });
	console.log(body(result));
	if (values.write) // no summary row: the summary holds its 10 already
		writeSections([{ name: "wake", title: "A battery sensor's wake", body: body(result) }]);
}
