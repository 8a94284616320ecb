/*
 * The example from the NodeMCU mqtt documentation, line for line in TypeScript: a client with
 * a last will, handlers for every event, a connect that subscribes and publishes once the
 * session is up, a failure callback, and the close() that follows the connect.
 */

import mqtt from "mqtt/client";
import type { MQTTClient } from "mqtt/client";
import config from "mc/config";

// init mqtt client without logins, keepalive timer 120 s
const m = mqtt.Client("clientid", 120);

// Broker will publish a message with qos = 0, retain = 0, data = "offline"
// to topic "/lwt" if the client does not send keepalive packets
m.lwt("/lwt", "offline", 0, 0);

m.on("connect", () => trace("connected\n"));
m.on("offline", () => trace("offline\n"));

m.on("message", (_client, topic, data) => {
	trace(`${topic}:\n`);
	if (data !== undefined)
		trace(`${data}\n`);
});

m.on("overflow", (_client, topic, data) => {
	trace(`${topic} partial overflowed message: ${data}\n`);
});

m.connect(config.broker, Number(config.port), false, (client: MQTTClient) => {
	trace("connected\n");
	// Subscribe and publish only once the connection is established.
	client.subscribe("/topic", 0, () => trace("subscribe success\n"));
	client.publish("/topic", "hello", 0, 0, () => trace("sent\n"));
}, (_client: MQTTClient, reason: number) => {
	trace(`failed reason: ${reason}\n`);
});

// As in NodeMCU, close() acts on an established connection only: here the attempt is still
// under way, so it returns false and the connection goes ahead.
m.close();
// you can call m.connect again
