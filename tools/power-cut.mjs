// The power-cut test: src/examples/store publishes QoS 1 and 2 readings through mosquitto
// while its process (Node, or Node with its XS worker) is killed with SIGKILL at random moments
// and started again on the same flash file, as a device on flaky power would be. An MQTT.js
// subscriber with a persistent session counts what arrives. At the end every reading the app
// traced as accepted must have arrived, and every QoS 2 reading exactly once.
//
//   npm run power-cut [-- --engine xs] [-- --qos1 5000 --qos2 5000 --kills 10]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mqttjs from "mqtt";
import { startMosquitto } from "../test-host/brokers/mosquitto.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs the test; resolves to its counts. `log` gets a line per kill. By default the app runs on
 * the host runtime in `engine` against a mosquitto started here; tools/device-check.mjs gives
 * its own `broker` and a `launch` that starts the SDK's lin build in mcsim (its config built in:
 * `clientid`, prefix "power-cut").
 */
export async function powerCut(
	{ engine = "node", qos1 = 5000, qos2 = 5000, kills = 10, log = () => {}, broker: given, launch, clientid = `power-cut-${engine}` } = {},
) {
	const broker = given ?? await startMosquitto();
	const dir = mkdtempSync(join(tmpdir(), "power-cut-"));
	const prefix = "power-cut";
	const base = `${prefix}/${clientid}`;
	const config = { broker: "127.0.0.1", port: broker.port, clientid, prefix, sectors: 8 };
	launch ??= () =>
		spawn(process.execPath, [
			"--import",
			"./test-host/register.js",
			"tools/run-app.mjs",
			"--engine",
			engine,
			"--flash",
			join(dir, "storage.bin"),
			"--config",
			JSON.stringify(config),
			"examples/store/main",
		], { cwd: root, detached: true, stdio: ["ignore", "pipe", "inherit"] });
	const accepted = new Map(); // reading -> qos, as the app traced it
	const arrived = new Map(); // reading -> times
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
	let child;
	try {
		await new Promise((resolve, reject) => {
			subscriber.once("connect", resolve);
			subscriber.once("error", reject);
		});
		await subscriber.subscribeAsync(`${base}/readings`, { qos: 2 });
		const counts = () => {
			let one = 0, two = 0;
			for (const qos of accepted.values())
				qos === 1 ? one++ : two++;
			return [one, two];
		};
		const start = () => {
			child = launch();
			let pending = "";
			child.stdout.on("data", (chunk) => {
				const lines = (pending + chunk).split("\n");
				pending = lines.pop(); // a line cut by the kill was never finished: its publish may not have returned
				for (const line of lines) {
					const match = /^accepted (\S+:(\d))$/.exec(line);
					if (match)
						accepted.set(match[1], Number(match[2]));
				}
			});
			return child;
		};
		const kill = (c) => new Promise((resolve) => {
			c.once("exit", resolve);
			process.kill(-c.pid, "SIGKILL");
		});
		// each run is killed after a random share of what is left, so that the kills fall
		// mid-stream: between a publish and its flash write, its send, its acknowledgement
		let cuts = 0, idle = 0;
		const target = qos1 + qos2;
		while (cuts < kills || counts()[0] < qos1 || counts()[1] < qos2) {
			const before = accepted.size;
			const share = Math.max(1, (target - before) / Math.max(1, kills - cuts));
			const quota = before + Math.ceil(share * (0.5 + Math.random()));
			const running = start();
			const deadline = Date.now() + 20_000;
			while (accepted.size < quota && Date.now() < deadline && running.exitCode === null)
				await new Promise((resolve) => setTimeout(resolve, 5));
			await kill(running);
			cuts++;
			idle = accepted.size === before ? idle + 1 : 0;
			if (idle === 3)
				throw new Error(`power-cut: three runs in a row accepted nothing (${accepted.size} accepted so far): the app is stuck`);
			log(`kill ${cuts}: ${accepted.size - before} readings accepted in this run; ${counts().join(" QoS 1 + ")} QoS 2 so far`);
		}
		await subscriber.publishAsync(`${base}/stop`, "stop", { qos: 1, retain: true });
		const last = start();
		const deadline = Date.now() + 120_000;
		const missing = () => [...accepted.keys()].filter((reading) => !arrived.has(reading));
		while (missing().length && Date.now() < deadline)
			await new Promise((resolve) => setTimeout(resolve, 250));
		await new Promise((resolve) => setTimeout(resolve, 500)); // a late duplicate would show now
		await kill(last);
		const [one, two] = counts();
		let duplicatesQos1 = 0, duplicatesQos2 = 0, unknown = 0;
		for (const [reading, times] of arrived) {
			const qos = Number(reading.slice(-1));
			if (times > 1)
				qos === 2 ? duplicatesQos2 += times - 1 : duplicatesQos1 += times - 1;
			if (!accepted.has(reading))
				unknown++; // accepted, then killed before the app could trace it
		}
		return {
			engine,
			kills: cuts,
			acceptedQos1: one,
			acceptedQos2: two,
			arrived: arrived.size,
			missing: missing().length,
			duplicatesQos1,
			duplicatesQos2,
			arrivedUntraced: unknown,
		};
	}
	finally {
		if (child && child.exitCode === null && child.signalCode === null)
			process.kill(-child.pid, "SIGKILL");
		await subscriber.endAsync(true).catch(() => {});
		if (!given)
			await broker.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

/** One line of what a run counted. */
export function summary(result) {
	return `${result.kills} kills; accepted ${result.acceptedQos1} QoS 1 + ${result.acceptedQos2} QoS 2; arrived ${result.arrived} distinct; missing ${result.missing}; duplicates QoS 1 ${result.duplicatesQos1}, QoS 2 ${result.duplicatesQos2}; arrived but killed before traced ${result.arrivedUntraced}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({
		options: {
			engine: { type: "string", default: "node" },
			qos1: { type: "string", default: "5000" },
			qos2: { type: "string", default: "5000" },
			kills: { type: "string", default: "10" },
		},
	});
	const result = await powerCut({
		engine: values.engine,
		qos1: Number(values.qos1),
		qos2: Number(values.qos2),
		kills: Number(values.kills),
		log: (line) => console.log(line),
	});
	console.log(`${result.engine}: ${summary(result)}`);
	const ok = result.missing === 0 && result.duplicatesQos2 === 0;
	console.log(ok ? "nothing accepted was lost, and QoS 2 arrived exactly once" : "FAILED");
	process.exit(ok ? 0 : 1);
}
