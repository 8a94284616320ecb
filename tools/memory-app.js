// The device side of tools/memory.mjs, run inside XS: a client held the way a device app holds
// it, with handlers that are plain functions of the app, so that nothing of the test harness
// is counted. Each command builds one thing and keeps it alive until the worker ends.
import TCP from "embedded:io/socket/tcp";
import Timer from "timer";
import mqtt from "mqtt/client";
import Modules from "modules";
import client5 from "mqtt/client5"; // found by mqtt.Client as an image with manifest_v5.json finds it
import { Store } from "mqtt/store";
import Flash from "flash";
import config from "mc/config";
import { on } from "../test-host/xs/channel.js";

const kept = [];
Modules.hostProvide("mqtt/client5", client5);

function message() {}
function ready() {
	trace("memory: ready\n");
}

on("memory.client", ({ maxMessageLength, subscriptions, connect, sectors, websocket, protocolVersion }) => {
	const options = sectors ? { store: new Store(new Flash("storage"), { sectors }) } : protocolVersion ? { protocolVersion } : undefined;
	const client = mqtt.Client("memory", 60, null, null, 1, maxMessageLength, options);
	kept.push(client);
	if (!connect)
		return ready();
	client.on("message", message);
	client.connect(...(websocket ? [`ws://127.0.0.1:${config.wsPort}/mqtt`] : ["127.0.0.1", config.port, false]), () => {
		const table = {};
		for (let i = 0; i < subscriptions; i++)
			table[`memory/topic/${i}`] = 1;
		client.subscribe(table, ready);
	});
});

// What the host's stand-ins for the device's native socket and timer cost: on the device both
// are host objects whose state lives outside the XS heap.
on("memory.standins", () => {
	// callbacks that exist already: the client's own are counted with the client
	kept.push(new TCP({ address: "127.0.0.1", port: config.port, onReadable: message, onWritable: message, onError: message }));
	kept.push(Timer.set(ready, 0x7FFFFFFF)); // pending, as the transport's one timer is while connected
	ready();
});
