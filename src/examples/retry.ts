/*
 * The connection-failure pattern from the NodeMCU documentation: on a failed attempt, try
 * again ten seconds later with a one-shot timer.
 */

import mqtt from "mqtt/client";
import type { MQTTClient } from "mqtt/client";
import config from "mc/config";
import Timer from "timer";

const client = mqtt.Client(null, 60);

function handleError(_client: MQTTClient, reason: number): void {
	trace(`connect failed (${reason}); retrying in 10 s\n`);
	Timer.set(connect, 10 * 1000);
}

function connect(): void {
	client.connect(config.broker, Number(config.port), false, () => trace("connected\n"), handleError);
}

connect();
