// The peer beside the client under test: an MQTT.js client that sees what ours sends through
// the broker, and the next message it gets on a topic.
import mqttjs from "mqtt";

export function observer(port, options = {}) {
	return new Promise((resolve, reject) => {
		const client = mqttjs.connect({ host: "127.0.0.1", port, protocolVersion: 4, reconnectPeriod: 0, ...options });
		client.once("connect", () => resolve(client));
		client.once("error", reject);
	});
}

export function nextMessage(client, wanted, timeout = 5000) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no message on ${wanted} within ${timeout} ms`)), timeout);
		const listener = (t, payload, packet) => {
			if (t !== wanted)
				return;
			clearTimeout(timer);
			client.off("message", listener);
			resolve({ payload, packet });
		};
		client.on("message", listener);
	});
}
