// The device apps in src/ run unchanged on the host runtime, in both engines, against mosquitto.
import { after, before, describe, it } from "mocha";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import mqttjs from "mqtt";
import { ENGINES, startEngine } from "../engine.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { closedPort } from "../brokers/fault-broker.js";
import { until } from "../support/results.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the engine's traces to match `pattern`. */
function traced(engine, pattern, timeout = 5000) {
	return until(() => engine.traces.join("").match(pattern), () => `a trace matching ${pattern}; traces: ${engine.traces.join("")}`, timeout);
}

describe("the API documentation's examples", () => {
	let broker, peer;
	before(async () => {
		broker = await startMosquitto({ tls: true });
		peer = mqttjs.connect({ host: "127.0.0.1", port: broker.port, protocolVersion: 4, reconnectPeriod: 0 });
		await new Promise((resolve) => peer.once("connect", resolve));
	});
	after(async () => {
		peer?.end(true);
		await broker?.stop();
	});

	for (const name of ENGINES) {
		it(`nodemcu-docs on ${name}: subscribes, publishes "hello" and receives it`, async () => {
			await peer.subscribeAsync("/topic");
			const got = new Promise((resolve) => peer.once("message", (topic, payload) => resolve(`${topic} ${payload}`)));
			const engine = await startEngine(name, { config: { broker: "127.0.0.1", port: broker.port } });
			await engine.run("examples/nodemcu-docs");
			assert.equal(await got, "/topic hello");
			await traced(engine, /subscribe success\n/);
			await traced(engine, /sent\n/);
			await traced(engine, /\/topic:\nhello\n/);
			await engine.close();
		});

		it(`topics on ${name}: one SUBSCRIBE for a table, granted QoS per topic, then one UNSUBSCRIBE`, async () => {
			const engine = await startEngine(name, { config: { broker: "127.0.0.1", port: broker.port } });
			await engine.run("examples/topics");
			await traced(engine, /subscribe success \(packet \d+\): granted 0, 1, 2\n/);
			await traced(engine, /unsubscribe success\n/);
			await engine.close();
		});

		it(`the default app over TLS on ${name}: ${name === "xs" ? "a device whose clock is unset sets it by SNTP first, then" : "the clock is set, so it"} connects trusting the CA resource`, async () => {
			const resources = mkdtempSync(join(tmpdir(), "resources-"));
			writeFileSync(join(resources, "ca.der"), broker.caDer);
			const clientid = `secure-${name}`;
			await peer.subscribeAsync(`nodemcu-mqtt/${clientid}/status`);
			const status = new Promise((resolve) => peer.on("message", (topic) => topic.endsWith(`${clientid}/status`) && resolve()));
			const engine = await startEngine(name, {
				config: { broker: "127.0.0.1", port: broker.tlsPort, secure: 1, ca: "ca.der", clientid, interval: 200 },
				resources,
				clock: name === "xs" ? "unset" : undefined,
			});
			await engine.run("main");
			const expected = name === "xs"
				? /setting the clock from pool\.ntp\.org\nclock set\nconnecting to 127\.0\.0\.1:\d+ over TLS\nconnected\n/
				: /^connecting to 127\.0\.0\.1:\d+ over TLS\nconnected\n/;
			try {
				await traced(engine, expected);
				await Promise.race([status, sleep(5000).then(() => assert.fail("no status message from the app within 5 s"))]);
			}
			finally {
				await engine.close();
			}
		});

		it(`the default app with a client certificate on ${name}: a broker that requires one takes it`, async () => {
			const resources = mkdtempSync(join(tmpdir(), "resources-"));
			writeFileSync(join(resources, "ca.der"), broker.caDer);
			writeFileSync(join(resources, "device.der"), broker.client.certificate);
			writeFileSync(join(resources, "device-key.der"), broker.client.key);
			const clientid = `mutual-${name}`;
			await peer.subscribeAsync(`nodemcu-mqtt/${clientid}/status`);
			const status = new Promise((resolve) => peer.on("message", (topic) => topic.endsWith(`${clientid}/status`) && resolve()));
			const engine = await startEngine(name, {
				config: {
					broker: "localhost",
					port: broker.mtlsPort,
					secure: 1,
					ca: "ca.der",
					cert: "device.der",
					key: "device-key.der",
					clientid,
					interval: 200,
				},
				resources,
			});
			await engine.run("main");
			try {
				await traced(engine, /over TLS\nconnected\n/);
				await Promise.race([status, sleep(5000).then(() => assert.fail("no status message from the app within 5 s"))]);
			}
			finally {
				await engine.close();
			}
		});

		it(`the default app on ${name} takes port=1883 as mcconfig gives it, a string, and traces a bad one instead of aborting`, async () => {
			for (const [port, pattern] of [
				[String(broker.port), /connected\n/],
				["18x83", /cannot connect: RangeError: connect: port must be an integer from 1 to 65535, got "18x83"\n/],
			]) {
				const engine = await startEngine(name, { config: { broker: "127.0.0.1", port, clientid: `port-${name}`, interval: 60_000 } });
				try {
					await engine.run("main");
					await traced(engine, pattern);
				}
				finally {
					await engine.close();
				}
			}
		});

		it(`MC_CONFIG reaches the app on ${name}, as mcconfig's key=value arguments do on a device`, async () => {
			process.env.MC_CONFIG = JSON.stringify({ broker: "127.0.0.1", port: await closedPort() });
			try {
				const engine = await startEngine(name);
				await engine.run("examples/retry");
				await traced(engine, /connect failed \(-5\); retrying in 10 s\n/);
				await engine.close();
			}
			finally {
				delete process.env.MC_CONFIG;
			}
		});

		it(`retry on ${name}: a failed connect reports its reason and schedules a retry`, async () => {
			const engine = await startEngine(name, { config: { broker: "127.0.0.1", port: await closedPort() } });
			await engine.run("examples/retry");
			await traced(engine, /connect failed \(-5\); retrying in 10 s\n/);
			await engine.close();
		});
	}
});
