// A fleet: 500 clients with automatic reconnection on one mosquitto, which is restarted. With
// backoff and jitter the reconnects spread out instead of arriving at once; every client
// resubscribes from its connect handler, and every QoS 1 message published after the restart
// reaches every client.
import { it } from "mocha";
import assert from "node:assert/strict";
import mqttjs from "mqtt";
import { startEngine } from "../engine.js";
import { startMosquitto } from "../brokers/mosquitto.js";

const CLIENTS = 500;
const MESSAGES = 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

it(`${CLIENTS} clients reconnect with spread-out backoff after a broker restart and lose no QoS 1 message`, async () => {
	const broker = await startMosquitto({ extraConfig: ["max_connections -1"] });
	const engine = await startEngine("node");
	const clients = [];
	for (let i = 0; i < CLIENTS; i++) {
		const client = await engine.newClient(`fleet-${process.pid}-${i}`, 30, null, null, 1, 1024, { reconnect: { min: 1_000, max: 8_000 } });
		await client.call("on", "connect", engine.fn("connect"));
		await client.call("on", "offline", engine.fn("offline"));
		await client.call("on", "message", engine.fn("message"));
		await client.call("on", "suback", engine.fn("suback"));
		clients.push(client);
	}
	// the app's part: (re)subscribe whenever a session starts (clean sessions lose subscriptions)
	const connects = new Array(CLIENTS).fill(0);
	const reconnectedAt = [];
	let restartedAt = 0;
	const watch = clients.map(async (client, i) => {
		for (;;) {
			await client.next("connect", 100_000);
			connects[i]++;
			if (connects[i] === 2)
				reconnectedAt.push(Date.now() - restartedAt);
			await client.call("subscribe", "fleet/all", 1);
			await client.next("suback", 10_000);
			if (connects[i] === 2)
				return;
		}
	});
	for (const client of clients)
		await client.call("connect", "127.0.0.1", broker.port, false);
	while (connects.some((n) => n < 1))
		await sleep(50);

	restartedAt = Date.now();
	await broker.restart();
	await Promise.all(watch);

	const publisher = mqttjs.connect({ host: "127.0.0.1", port: broker.port, protocolVersion: 4, reconnectPeriod: 0 });
	await new Promise((resolve) => publisher.once("connect", resolve));
	for (let i = 0; i < MESSAGES; i++)
		await publisher.publishAsync("fleet/all", `m${i}`, { qos: 1 });
	const deadline = Date.now() + 30_000;
	const delivered = () => clients.reduce((sum, client) => sum + client.events.filter((e) => e.label === "message").length, 0);
	while (delivered() < CLIENTS * MESSAGES && Date.now() < deadline)
		await sleep(100);

	reconnectedAt.sort((a, b) => a - b);
	const at = (q) => reconnectedAt[Math.min(reconnectedAt.length - 1, Math.floor(q * reconnectedAt.length))];
	const buckets = new Map();
	for (const t of reconnectedAt)
		buckets.set(Math.floor(t / 250) * 250, (buckets.get(Math.floor(t / 250) * 250) ?? 0) + 1);
	const busiest = Math.max(...buckets.values());
	console.log(
		`fleet: ${CLIENTS} clients; reconnected after the restart in ${reconnectedAt[0]}..${reconnectedAt.at(-1)} ms `
			+ `(median ${at(0.5)}, 90th percentile ${at(0.9)}); busiest 250 ms window ${busiest} clients; `
			+ `resubscribed ${connects.filter((n) => n >= 2).length}/${CLIENTS}; delivered ${delivered()}/${CLIENTS * MESSAGES} QoS 1 messages`,
	);

	publisher.end(true);
	await engine.close();
	await broker.stop();

	assert.equal(reconnectedAt.length, CLIENTS, "every client reconnected");
	assert.ok(busiest < CLIENTS / 2, `reconnects spread out: at most ${busiest} in one 250 ms window`);
	assert.ok(at(0.9) - at(0.1) >= 200, "the reconnects span a window, not an instant");
	assert.equal(delivered(), CLIENTS * MESSAGES, "every QoS 1 message reached every client");
	for (const client of clients)
		assert.deepEqual(client.events.filter((e) => e.label === "message").map((e) => e.args[2]), Array.from({ length: MESSAGES }, (_, i) => `m${i}`));
}).timeout(120_000);
