/*
 * The MQTT 5 example: the client made with protocolVersion 5 (manifest_v5.json in this folder's
 * manifest), reporting what the broker's CONNACK allows, publishing a reading with properties
 * through a topic alias, and answering requests on `<prefix>/<id>/request` at the response topic
 * and with the correlation data each request carries (MQTT 5's request/response, 4.10).
 */
import mqtt from "mqtt/client";
import type { MQTTClient5 } from "mqtt/client5";
import Timer from "timer";
import config from "mc/config";

const id = config.clientid || "device";
const base = `${config.prefix}/${id}`;
const client = mqtt.Client(config.clientid || null, 60, null, null, 1, null, { protocolVersion: 5, topicAliases: 4, reconnect: true });
let count = 0;

client.lwt(`${base}/online`, "0", 1, 1, { contentType: "text/plain" });
client.on("connect", (c: MQTTClient5, _sessionPresent: boolean, connack) => {
	trace(
		`connected over MQTT 5: maximum QoS ${connack.maximumQoS ?? 2}, topic aliases ${connack.topicAliasMaximum ?? 0}, receive maximum ${
			connack.receiveMaximum ?? 65535
		}\n`,
	);
	c.publish(`${base}/online`, "1", 1, 1);
	c.subscribe(`${base}/request`, { qos: 1, noLocal: true }, null, { subscriptionIdentifier: 1 });
});
client.on("connfail", (_c, reason) => trace(`connect failed: ${reason}\n`));
client.on("offline", (_c, reason) => trace(`offline${reason === undefined ? "" : `: the broker said 0x${reason.toString(16)}`}\n`));
client.on("message", (c, topic, data, properties) => {
	trace(`request on ${topic}: ${data}\n`);
	const reply = properties?.responseTopic;
	if (reply)
		c.publish(reply, `pong ${data ?? ""}`, 1, 0, null, properties.correlationData ? { correlationData: properties.correlationData } : undefined);
});

Timer.repeat(() => {
	count++;
	try { // QoS 0 readings: after the first, each goes with its topic's alias alone
		client.publish(`${base}/reading`, `{"count":${count}}`, 0, 0, null, { contentType: "application/json", messageExpiry: 60 });
	}
	catch (e) {
		trace(`not published: ${e}\n`); // not connected: a QoS 0 reading is not kept
	}
}, Number(config.interval));

client.connect(config.broker, Number(config.port), false);
