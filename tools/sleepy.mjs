// The sleepy sensor's cycle test: src/examples/sleepy wakes (its process starts on the same
// flash file), publishes one reading, waits for drained and traces "sleep"; this runner then
// ends the process, as deep sleep ends a device's program, and wakes it again. Some wakes are
// killed with SIGKILL at a random moment instead, and once the broker is restarted (with
// persistence). An MQTT.js publisher sends QoS 2 commands to the device while it sleeps, and an
// MQTT.js subscriber with a persistent session counts the readings. At the end every reading
// the app traced as accepted must have arrived (QoS 1 at least once, QoS 2 exactly once), and
// every command must have been delivered to the app exactly once.
//
//   npm run sleepy [-- --engine xs] [-- --cycles 200 --kill 0.25 --commands 20]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mqttjs from "mqtt";
import { startMosquitto } from "../test-host/brokers/mosquitto.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `cycles` wakes; resolves to the counts. `kill` is the share of wakes cut by SIGKILL at a
 * random moment (0 to 400 ms after the start); `commands` the number of QoS 2 commands sent,
 * spread over the cycles. `launch(config)` starts one wake of the app with that config (the
 * broker's port in it) on the same flash every time: by default on the host runtime in `engine`;
 * tools/device-check.mjs gives one that starts the lin build in mcsim.
 */
export async function sleepyCycles({ engine = "node", cycles = 200, kill = 0.25, commands = 20, log = () => {}, launch, clientid = `sleepy-${engine}` } = {}) {
	const broker = await startMosquitto({ persistence: true });
	const dir = mkdtempSync(join(tmpdir(), "sleepy-"));
	const prefix = "sleepy";
	const base = `${prefix}/${clientid}`;
	const config = { broker: "127.0.0.1", port: broker.port, clientid, prefix, sectors: 8, qos: 0, sleep: 1000, awake: 3000 };
	launch ??= (settings) =>
		spawn(process.execPath, [
			"--import",
			"./test-host/register.js",
			"tools/run-app.mjs",
			"--engine",
			engine,
			"--flash",
			join(dir, "storage.bin"),
			"--config",
			JSON.stringify(settings),
			"examples/sleepy/main",
		], { cwd: root, detached: true, stdio: ["ignore", "pipe", "inherit"] });
	const accepted = new Map(); // reading -> qos, as the app traced it
	const arrived = new Map(); // reading -> times
	const delivered = new Map(); // command -> times the app had it
	const subscriber = mqttjs.connect({
		host: "127.0.0.1",
		port: broker.port,
		clientId: `${clientid}-counter`,
		clean: false,
		protocolVersion: 4,
		reconnectPeriod: 200,
	});
	subscriber.on("message", (_topic, payload) => {
		const reading = payload.toString();
		arrived.set(reading, (arrived.get(reading) ?? 0) + 1);
	});
	const sender = mqttjs.connect({
		host: "127.0.0.1",
		port: broker.port,
		clientId: `${clientid}-sender`,
		clean: false,
		protocolVersion: 4,
		reconnectPeriod: 200,
	});
	let child, sent = 0, slept = 0, killed = 0, awakeMs = 0;
	try {
		await Promise.all([subscriber, sender].map((c) => new Promise((resolve, reject) => c.once("connect", resolve).once("error", reject))));
		await subscriber.subscribeAsync(`${base}/readings`, { qos: 2 });
		const wake = async (cut) => {
			child = launch(config); // first, as it may build the app
			const started = Date.now();
			let pending = "", asleep = false;
			child.stdout.on("data", (chunk) => {
				const lines = (pending + chunk).split("\n");
				pending = lines.pop(); // a line cut by the kill was never finished
				for (const line of lines) {
					let match;
					if ((match = /^accepted (\S+:(\d))$/.exec(line)))
						accepted.set(match[1], Number(match[2]));
					else if ((match = /^command (\S+)$/.exec(line)))
						delivered.set(match[1], (delivered.get(match[1]) ?? 0) + 1);
					else if (/^sleep \d+$/.test(line))
						asleep = true;
				}
			});
			const deadline = started + (cut === undefined ? 20_000 : cut);
			while (!asleep && Date.now() < deadline && child.exitCode === null)
				await pause(2);
			const running = child;
			if (running.exitCode === null && running.signalCode === null) {
				await new Promise((resolve) => {
					running.once("exit", resolve);
					try {
						process.kill(-running.pid, "SIGKILL");
					}
					catch { // it ended by itself between the check and the kill
						resolve();
					}
				});
			}
			if (asleep) {
				slept++;
				awakeMs += Date.now() - started;
			}
			else if (cut !== undefined)
				killed++;
			else
				throw new Error("sleepy: a wake neither slept nor was cut within 20 s: the app is stuck");
		};
		for (let cycle = 0; cycle < cycles; cycle++) {
			if (cycle && sent < commands && cycle % Math.max(1, Math.floor(cycles / commands)) === 0) // once the first wake subscribed
				await sender.publishAsync(`${base}/commands`, `c${++sent}`, { qos: 2 });
			if (cycle === Math.floor(cycles / 2)) {
				await broker.restart();
				log(`cycle ${cycle}: broker restarted`);
			}
			await wake(cycle && Math.random() < kill ? Math.floor(Math.random() * 400) : undefined);
			if (cycle % 20 === 19)
				log(`cycle ${cycle + 1}: ${accepted.size} readings accepted, ${slept} slept, ${killed} cut`);
		}
		// wakes without cuts until everything is through: what a cut left waits in the store, or at the broker
		const missing = () => [...accepted.keys()].filter((reading) => !arrived.has(reading));
		const undelivered = () => sent - delivered.size;
		let extra = 0;
		while ((missing().length || undelivered()) && extra++ < 20)
			await wake();
		await pause(500); // a late duplicate would show now
		const [one, two] = [...accepted.values()].reduce(([a, b], qos) => qos === 1 ? [a + 1, b] : [a, b + 1], [0, 0]);
		let duplicatesQos1 = 0, duplicatesQos2 = 0;
		for (const [reading, times] of arrived) {
			if (times > 1)
				reading.endsWith(":2") ? duplicatesQos2 += times - 1 : duplicatesQos1 += times - 1;
		}
		const commandsTwice = [...delivered.values()].filter((times) => times > 1).length;
		return {
			engine,
			cycles,
			slept,
			killed,
			extra: extra - (missing().length || undelivered() ? 1 : 0),
			acceptedQos1: one,
			acceptedQos2: two,
			missing: missing().length,
			duplicatesQos1,
			duplicatesQos2,
			commandsSent: sent,
			commandsDelivered: delivered.size,
			commandsTwice,
			meanAwakeMs: slept ? Math.round(awakeMs / slept) : 0,
		};
	}
	finally {
		if (child && child.exitCode === null && child.signalCode === null)
			process.kill(-child.pid, "SIGKILL");
		await subscriber.endAsync(true).catch(() => {});
		await sender.endAsync(true).catch(() => {});
		await broker.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

/** One line of what a run counted. */
export function summary(r) {
	return `${r.cycles} wakes (${r.slept} slept, ${r.killed} cut by SIGKILL, then ${r.extra} more), a broker restart; readings accepted ${r.acceptedQos1} QoS 1 + ${r.acceptedQos2} QoS 2, missing ${r.missing}, duplicates QoS 1 ${r.duplicatesQos1}, QoS 2 ${r.duplicatesQos2}; commands ${r.commandsDelivered}/${r.commandsSent} delivered, ${r.commandsTwice} twice; mean wake to sleep ${r.meanAwakeMs} ms (process start included)`;
}

export function passed(r) {
	return r.missing === 0 && r.duplicatesQos2 === 0 && r.commandsDelivered === r.commandsSent && r.commandsTwice === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({
		options: {
			engine: { type: "string", default: "node" },
			cycles: { type: "string", default: "200" },
			kill: { type: "string", default: "0.25" },
			commands: { type: "string", default: "20" },
		},
	});
	const result = await sleepyCycles({
		engine: values.engine,
		cycles: Number(values.cycles),
		kill: Number(values.kill),
		commands: Number(values.commands),
		log: (line) => console.log(line),
	});
	console.log(`${result.engine}: ${summary(result)}`);
	console.log(passed(result) ? "every reading accepted arrived, QoS 2 once; every command delivered once" : "FAILED");
	process.exit(passed(result) ? 0 : 1);
}
