// Nothing accepted is lost: 10,000 QoS 1 and 10,000 QoS 2 messages go from our client, through
// a proxy that cuts the link several times and a mosquitto that is restarted once (persistence
// on), to a subscriber with its own persistent session. Every QoS 1 message must arrive at
// least once and every QoS 2 message exactly once.
import { it } from "mocha";
import assert from "node:assert/strict";
import mqttjs from "mqtt";
import { ENGINES, startEngine } from "../engine.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { startCutProxy } from "../brokers/cut-proxy.js";

const PER_QOS = 10_000;
const CUTS_EVERY = 3_000;
const RESTART_AT = 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (const name of ENGINES)
	it(`${name}: ${PER_QOS} QoS 1 and ${PER_QOS} QoS 2 messages survive link cuts and a broker restart`, async () => {
		const broker = await startMosquitto({ persistence: true });
		const proxy = await startCutProxy({ targetPort: broker.port });
		const engine = await startEngine(name);

		const received = { 1: new Uint16Array(PER_QOS), 2: new Uint16Array(PER_QOS) };
		const subscriber = mqttjs.connect({
			host: "127.0.0.1",
			port: broker.port,
			clientId: `no-loss-sub-${process.pid}`,
			clean: false,
			protocolVersion: 4,
			reconnectPeriod: 100,
		});
		subscriber.on("error", () => {});
		subscriber.on("message", (topic, payload, packet) => {
			const index = Number(payload.toString());
			received[packet.qos][index]++;
		});
		await new Promise((resolve) => subscriber.once("connect", resolve));
		await subscriber.subscribeAsync("no-loss/#", { qos: 2 });

		const client = await engine.newClient(`no-loss-pub-${process.pid}`, 5, null, null, 0, 1024, {
			window: 16,
			queue: 64,
			reconnect: { min: 50, max: 500 },
		});
		await client.call("on", "puback", engine.fn("puback"));
		await client.call("on", "offline", engine.fn("offline"));
		await client.call("connect", "127.0.0.1", proxy.port, false, engine.fn("connected"), engine.fn("failed"));
		await client.next("connected");

		let accepted = 0, refused = 0, notConnected = 0, restarted = false;
		const total = 2 * PER_QOS;
		for (let n = 0; n < total;) {
			const qos = n < PER_QOS ? 1 : 2;
			const index = n % PER_QOS;
			const result = await client.call("publish", `no-loss/${qos}`, String(index), qos, 0);
			if (result.value === true) {
				n++;
				accepted++;
				if (accepted % CUTS_EVERY === 0)
					proxy.cutAll();
				if (accepted === RESTART_AT && !restarted) {
					restarted = true;
					await broker.restart();
				}
				continue;
			}
			if (result.value === false)
				refused++;
			else
				notConnected++; // "publish: not connected" while the link is down: try the same message again
			await sleep(result.value === false ? 1 : 20);
		}

		const deadline = Date.now() + 120_000;
		const complete = () => received[1].every((count) => count >= 1) && received[2].every((count) => count >= 1);
		while (!complete() && Date.now() < deadline)
			await sleep(200);
		await sleep(500); // let any late duplicate show itself

		const qos1Missing = received[1].filter((count) => count === 0).length;
		const qos1Duplicates = received[1].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
		const qos2Missing = received[2].filter((count) => count === 0).length;
		const qos2Duplicates = received[2].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
		const offline = client.events.filter((e) => e.label === "offline").length;
		console.log(
			`no-loss on ${name}: accepted ${accepted} (refused while the queue was full ${refused}, while offline ${notConnected}); `
				+ `link cuts ${proxy.cuts}, broker restarts 1, client offline ${offline} times; `
				+ `QoS 1: ${PER_QOS - qos1Missing}/${PER_QOS} received, ${qos1Duplicates} duplicates; `
				+ `QoS 2: ${PER_QOS - qos2Missing}/${PER_QOS} received, ${qos2Duplicates} duplicates`,
		);

		subscriber.end(true);
		await client.call("close");
		await engine.close();
		await proxy.close();
		await broker.stop();

		assert.ok(proxy.cuts >= 5, `the link was cut ${proxy.cuts} times`);
		assert.equal(qos1Missing, 0, "every QoS 1 message arrives at least once");
		assert.equal(qos2Missing, 0, "every QoS 2 message arrives");
		assert.equal(qos2Duplicates, 0, "no QoS 2 message arrives twice");
	}).timeout(240_000);
