/*
 * Reconnecting with no retry code of the app's: with options.reconnect the client tries again by
 * itself after each failed attempt or lost session, waiting a time drawn at random below a
 * ceiling that doubles from `retryMin` up to `retryMax` ms ("full jitter"). Each failed attempt
 * is traced with the time since start; once connected it publishes a retained "online" on
 * <prefix>/<clientid>/state. tools/device-check.mjs runs it in mcsim with no broker for two
 * minutes, counts the attempts, then starts the broker. Build: mcconfig -d -m -p esp ssid=... broker=...
 */

import mqtt from "mqtt/client";
import type { MQTTClient } from "mqtt/client";
import config from "mc/config";
import Net from "net";
import Time from "time";
import WiFi from "wifi";

const id: string = config.clientid || "reconnect-demo";
const client = mqtt.Client(id, 30, null, null, 1, null, { reconnect: { min: Number(config.retryMin), max: Number(config.retryMax) } });
const start = Time.ticks;
let failed = 0;
let started = false;

client.on("connect", (c: MQTTClient) => {
	trace(`connected after ${failed} failed attempts, at ${Time.ticks - start} ms\n`);
	c.publish(`${config.prefix}/${id}/state`, "online", 1, 1);
});
client.on("connfail", (_c: MQTTClient, reason: number) => trace(`attempt ${++failed} failed, reason ${reason}, at ${Time.ticks - start} ms\n`));
client.on("offline", () => trace("offline\n"));

function connect(): void {
	if (started)
		return;
	started = true;
	client.connect(config.broker, Number(config.port), false);
}

const online = !!Net.get("IP");
new WiFi(online ? undefined : { ssid: config.ssid, password: config.password }, (message) => {
	if (message === WiFi.gotIP)
		connect();
});
if (online)
	connect();
