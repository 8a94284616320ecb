/*
 * A battery sensor: it wakes from deep sleep (on the ESP8266 a reset), takes a reading, joins
 * Wi-Fi, connects, publishes the reading, waits until the broker has it (the client's drained
 * event) and sleeps again. The reading is kept in the flash (mqtt/store) from the moment it is
 * taken, and goes right behind CONNECT (MQTT 3.1.1 3.1.4), so it is acknowledged two round trips
 * after the TCP connect (QoS 1; QoS 2 takes three). The session is persistent (cleansession 0),
 * so commands sent to the device while it sleeps wait at the broker and are delivered once, the
 * QoS 2 ones too across a sleep (the store keeps the ids awaiting PUBREL).
 *
 * After `awake` ms it sleeps anyway, drained or not: what the broker has not acknowledged waits
 * in the store for the next wake. It traces "accepted <reading>" once publish() has returned true,
 * "command <data>" for each command and "sleep <ms>" as it goes to sleep (sleep.ts, or
 * sleep-esp.js on the ESP8266); tools/sleepy.mjs reads those. Build: mcconfig -d -m -p esp ssid=... broker=...
 */

import mqtt from "mqtt/client";
import type { MQTTClient } from "mqtt/client";
import { Store } from "mqtt/store";
import Flash from "flash";
import config from "mc/config";
import Net from "net";
import Timer from "timer";
import WiFi from "wifi";
import sleep from "./sleep.js";

const id: string = config.clientid || "sleepy";
const base = `${config.prefix}/${id}`;
const period = Number(config.sleep), limit = Number(config.awake);
// Math.random is the ESP8266's hardware generator, but lin's unseeded rand(): the clock tells lin's boots apart
const boot = Math.floor(Math.random() * 0x7fffffff).toString(36) + Date.now().toString(36);
const qos = Number(config.qos) === 2 || (!Number(config.qos) && (Date.now() & 1)) ? 2 : 1; // qos 0 in the config: either, by the clock (lin's rand() is unseeded)
const store = new Store(new Flash("storage"), { sectors: Number(config.sectors) });
const client = mqtt.Client(id, 60, null, null, 0, null, { store, window: 4, queue: 8 });
let asleep = false;
let subscribing = false;

function goToSleep(why: string): void {
	if (asleep)
		return;
	asleep = true;
	trace(`${why}\n`);
	sleep(period);
}

client.on("connect", (c: MQTTClient, sessionPresent: boolean) => {
	if (sessionPresent) // the broker kept the subscription, and the commands sent while the device slept
		return;
	subscribing = true; // a new session: this wake lasts until its SUBACK too
	c.subscribe(`${base}/commands`, 2, (c2: MQTTClient) => {
		subscribing = false;
		if (!c2.unacked)
			goToSleep("drained, subscribed");
	});
});
client.on("connfail", (_c: MQTTClient, reason: number) => goToSleep(`connect failed, reason ${reason}`));
client.on("offline", () => goToSleep("offline"));
client.on("message", (_c: MQTTClient, _topic: string, data: string | undefined) => trace(`command ${data}\n`));
client.on("drained", () => {
	if (!subscribing)
		goToSleep("drained");
});

const reading = `${boot}:${qos}`; // the reading itself would go here; its name makes it countable
if (client.publish(`${base}/readings`, reading, qos, 0))
	trace(`accepted ${reading}\n`);
// the store is full of readings the broker has not had: they go first
else
	trace(`store full, ${client.unacked} readings wait\n`);
Timer.set(() => goToSleep(`awake ${limit} ms`), limit);

let started = false;
function start(): void {
	if (!started) {
		started = true;
		client.connect(config.broker, Number(config.port), false);
	}
}
const online = !!Net.get("IP");
new WiFi(online ? undefined : { ssid: config.ssid, password: config.password }, (message) => {
	if (message === WiFi.gotIP)
		start();
});
if (online)
	start();
