/*
 * Store and forward: a sensor that must not lose a reading to a reset. Readings go out at QoS 1
 * and 2 through a store in the flash (mqtt/store), so what the broker has not acknowledged
 * survives a power cut and goes after the next CONNACK, before anything new; the session is
 * persistent (cleansession 0) so that the broker keeps QoS 2 exactly once across the reset.
 *
 * It publishes as fast as the client accepts, each reading "<boot>:<n>:<qos>" (boot: an id
 * of its own per start), tracing "accepted <reading>" once publish() has returned true, until a
 * retained "stop" arrives on <prefix>/<clientid>/stop. tools/power-cut.mjs kills it at random
 * moments and counts what arrives. Build: mcconfig -d -m -p esp ssid=... broker=...
 */

import mqtt from "mqtt/client";
import type { MQTTClient } from "mqtt/client";
import { Store } from "mqtt/store";
import Flash from "flash";
import config from "mc/config";
import Net from "net";
import Timer from "timer";
import WiFi from "wifi";

const id: string = config.clientid || "store-demo";
const base = `${config.prefix}/${id}`;
const readings = `${base}/readings`, stop = `${base}/stop`;
// Math.random is the ESP8266's hardware generator, but lin's unseeded rand(): the clock tells lin's boots apart
const boot = Math.floor(Math.random() * 0x7fffffff).toString(36) + Date.now().toString(36);
const store = new Store(new Flash("storage"), { sectors: Number(config.sectors) });
const client = mqtt.Client(id, 30, null, null, 0, null, { store, reconnect: { min: 500, max: 5000 }, window: 8, queue: 32 });
let n = 0;
let stopped = false;
let started = false;

client.on("connect", (c: MQTTClient, sessionPresent: boolean) => {
	trace(`connected, session present ${sessionPresent}\n`);
	c.subscribe(stop, 1);
	publishMore(c);
});
client.on("connfail", (_c: MQTTClient, reason: number) => trace(`connect failed, reason ${reason}\n`));
client.on("offline", () => trace("offline\n"));
client.on("message", (_c: MQTTClient, topic: string, data: string | undefined) => {
	if (topic === stop && data === "stop")
		stopped = true;
});
client.on("puback", publishMore); // room in the window or the store: go on

function publishMore(c: MQTTClient): void {
	while (!stopped) {
		const qos = n & 1 ? 2 : 1;
		const reading = `${boot}:${n}:${qos}`;
		if (!c.publish(readings, reading, qos, 0))
			return;
		trace(`accepted ${reading}\n`);
		n++;
	}
}

function start(): void {
	if (started)
		return;
	started = true;
	trace(`boot ${boot}\n`);
	client.connect(config.broker, Number(config.port), false);
}

const online = !!Net.get("IP");
new WiFi(online ? undefined : { ssid: config.ssid, password: config.password }, (message) => {
	if (message === WiFi.gotIP)
		start();
});
if (online)
	start();
// readings are taken while the network is not there yet: the store keeps them
else
	Timer.set(() => publishMore(client), 1000);
