/*
 * The default device app: joins Wi-Fi, connects to the broker named in the manifest's config,
 * leaves a last will, listens for commands, reports its status every `interval` ms, and
 * retries with a timer whenever the connection fails or drops, as the NodeMCU documentation
 * recommends. Build: mcconfig -d -m -p esp ssid=<wifi> password=<secret> broker=<host>
 *
 * With `secure` (src/examples/secure/manifest.json builds it so) it connects over TLS, trusting
 * the CA in the resource named by `ca` or, when that is empty, the CAs built into the image;
 * a certificate's dates need a set clock, so it sets the clock by SNTP first when it is not.
 * With `cert` and `key` (resources: the device's certificate and its PKCS#8 key, DER) it proves
 * who it is, as managed brokers require (src/examples/mutual-tls); `alpn` names a protocol to
 * offer, e.g. x-amzn-mqtt-ca for AWS IoT Core on port 443.
 *
 * A `broker` given as a ws:// or wss:// URL connects over WebSocket, the port in the URL
 * (src/examples/websocket builds it so); wss:// also needs `secure` for the TLS settings above.
 */

import mqtt from "mqtt/client";
import type { MQTTClient, TLSOptions } from "mqtt/client";
import config from "mc/config";
import Net from "net";
import Resource from "Resource";
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import WiFi from "wifi";

const RETRY_MS = 10_000;
// No certificate in use was issued before this, and the ESP8266's clock starts in 1995.
const CLOCK_SET = Date.UTC(2025, 0, 1);
const prefix: string = config.prefix;
const secure = !!Number(config.secure);
const client = mqtt.Client(config.clientid || null, 60, null, null, 1, null, secure ? { tls: tlsOptions() } : undefined);
const base = `${prefix}/${config.clientid || "device"}`;
let status: Timer | undefined;
let retry: Timer | undefined;
let started = false;
let count = 0;

client.lwt(`${base}/state`, "offline", 1, 1);

client.on("message", (_client, topic, data) => {
	trace(`message ${topic}: ${data ?? "(empty)"}\n`);
	if (topic === `${base}/command` && data === "ping")
		_client.publish(`${base}/reply`, "pong", 1, 0);
});

client.on("offline", () => {
	trace("offline\n");
	stopStatus();
	retryLater();
});

function tlsOptions(): TLSOptions {
	const tls: TLSOptions = {};
	if (config.ca)
		tls.certificate = new Resource(config.ca).slice(0);
	if (config.cert) {
		tls.clientCertificates = [new Resource(config.cert).slice(0)];
		tls.clientKey = new Resource(config.key).slice(0);
	}
	if (config.alpn)
		tls.alpn = config.alpn;
	return tls;
}

function connect(): void {
	retry = undefined;
	if (secure && Date.now() < CLOCK_SET)
		return setClock();
	const url = config.broker.indexOf("/") >= 0; // ws://host[:port][/path] or wss://...: the port is in it
	trace(`connecting to ${config.broker}:${config.port}${secure ? " over TLS" : ""}\n`);
	try { // the port arrives as a string from mcconfig's command line (port=1883), which connect takes
		client.connect(config.broker, url ? null : config.port, url ? null : secure, connected, (_client: MQTTClient, reason: number) => {
			trace(`connect failed, reason ${reason}\n`);
			retryLater();
		});
	}
	catch (error) { // a bad value in mc/config: uncaught, a release build would show only "XS abort: unhandled exception"
		trace(`cannot connect: ${error}\n`);
	}
}

function setClock(): void {
	trace(`setting the clock from ${config.sntp}\n`);
	new SNTP({ host: config.sntp }, (message, value) => {
		if (message === SNTP.time) {
			Time.set(value!);
			trace("clock set\n");
			connect();
		}
		else if (message === SNTP.error) {
			trace(`no time from ${config.sntp}\n`);
			retryLater();
		}
	});
}

function connected(c: MQTTClient): void {
	trace("connected\n");
	c.subscribe({ [`${base}/command`]: 1 }, (_client: MQTTClient, id: number, granted: number[]) => {
		trace(`subscribed (packet ${id}, granted qos ${granted.join(",")})\n`);
	});
	c.publish(`${base}/state`, "online", 1, 1);
	status = Timer.repeat(() => {
		count++;
		if (!c.publish(`${base}/status`, `{"uptime":${count * Number(config.interval)},"count":${count}}`, 0, 0))
			trace("status dropped: send queue full\n");
	}, Number(config.interval));
}

function stopStatus(): void {
	if (status)
		Timer.clear(status);
	status = undefined;
}

function retryLater(): void {
	if (!retry)
		retry = Timer.set(connect, RETRY_MS);
}

function start(): void {
	if (started)
		return;
	started = true;
	connect();
}

// The SDK's network setup may already have joined the network named by `ssid`; otherwise join it here.
const online = !!Net.get("IP");
new WiFi(online ? undefined : { ssid: config.ssid, password: config.password }, message => {
	if (message === WiFi.gotIP)
		start();
	else if (message === WiFi.disconnected && started)
		trace("Wi-Fi lost; the client reports offline and retries\n");
});
if (online)
	start();
