/*
 * Subscribing to several topics in one SUBSCRIBE, as the NodeMCU documentation recommends,
 * then unsubscribing from them in one UNSUBSCRIBE. The suback handler shows the QoS the
 * broker granted per topic; 128 marks a refusal.
 */

import mqtt from "mqtt/client";
import type { MQTTClient } from "mqtt/client";
import config from "mc/config";

const m = mqtt.Client(null, 60);
m.on("message", (_client, topic, data) => trace(`${topic}: ${data ?? ""}\n`));

m.connect(config.broker, Number(config.port), false, (client: MQTTClient) => {
	// subscribe to topic/0 at QoS 0, topic/1 at QoS 1 and topic2 at QoS 2
	client.subscribe({ "topic/0": 0, "topic/1": 1, "topic2": 2 }, (_c: MQTTClient, id: number, granted: number[]) => {
		trace(`subscribe success (packet ${id}): granted ${granted.join(", ")}\n`);
		client.unsubscribe({ "topic/0": 0, "topic/1": 0, "topic2": "anything" }, () => trace("unsubscribe success\n"));
	});
});
