// The soak's device side, run inside XS by tools/soak.mjs: one client publishes QoS 0 messages
// to a topic it subscribes to, as fast as its queue allows, until `soakMessages` went round.
import mqtt from "mqtt/client";
import config from "mc/config";

const total = config.soakMessages;
const payload = new Uint8Array(100).fill(0x73);
const client = mqtt.Client("soak", 60, null, null, 1, 1024, { queue: 64, window: 32 });
let sent = 0, received = 0;

function pump() {
	while (sent < total && client.publish("soak/loop", payload, 0, 0))
		sent++;
}

client.on("message", () => {
	received++;
	if (received % 10_000 === 0 || received === total)
		trace(`soak: ${received} received\n`);
});
client.on("puback", pump);
client.on("offline", () => trace("soak: offline\n"));
client.connect("127.0.0.1", config.port, false, () => client.subscribe("soak/loop", 0, pump));
