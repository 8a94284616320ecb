// The main job: runs the default device app (src/main.ts) on the host runtime against a
// mosquitto this command starts on loopback and stops afterwards. A second client (MQTT.js)
// plays the operator: it watches the device's topics, sends it a "ping" command, and checks
// the device's last will when the device is switched off.
//
//   npm start [-- --engine xs] [-- --seconds 10]
import mqttjs from "mqtt";
import { startMosquitto } from "../test-host/brokers/mosquitto.js";
import { startEngine } from "../test-host/engine.js";

const args = process.argv.slice(2);
const option = (name, fallback) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? args[i + 1] : fallback;
};
const engineName = option("engine", "node");
const seconds = Number(option("seconds", 8));
const clientid = "demo-device";
const base = `nodemcu-mqtt/${clientid}`;

function log(line) {
	console.log(`[operator] ${line}`);
}

const broker = await startMosquitto();
log(`mosquitto ${broker.version ?? ""} listening on 127.0.0.1:${broker.port}`);
const seen = { state: [], status: 0, reply: 0 };
const operator = mqttjs.connect({ host: "127.0.0.1", port: broker.port, protocolVersion: 4, reconnectPeriod: 0 });
await new Promise((resolve, reject) => {
	operator.once("connect", resolve);
	operator.once("error", reject);
});
operator.on("message", (topic, payload) => {
	const text = payload.toString();
	log(`${topic} ${text}`);
	if (topic === `${base}/state`)
		seen.state.push(text);
	else if (topic === `${base}/status`)
		seen.status++;
	else if (topic === `${base}/reply` && text === "pong")
		seen.reply++;
});
await operator.subscribeAsync(`${base}/#`, { qos: 1 });

const engine = await startEngine(engineName, {
	config: { broker: "127.0.0.1", port: broker.port, clientid, interval: 1000 },
	onTrace: (text) => process.stdout.write(`[device/${engineName}] ${text}`),
});
await engine.run("main");

const deadline = Date.now() + seconds * 1000;
let pinged = false;
while (Date.now() < deadline) {
	await new Promise((resolve) => setTimeout(resolve, 250));
	if (!pinged && seen.state.includes("online")) {
		pinged = true;
		log(`sending command "ping" to ${base}/command`);
		await operator.publishAsync(`${base}/command`, "ping", { qos: 1 });
	}
}

log("switching the device off without a goodbye");
await engine.close();
const willDeadline = Date.now() + 5000;
while (seen.state.at(-1) !== "offline" && Date.now() < willDeadline)
	await new Promise((resolve) => setTimeout(resolve, 100));

operator.end(true);
await broker.stop();

const ok = seen.state[0] === "online" && seen.reply > 0 && seen.status >= 3 && seen.state.at(-1) === "offline";
log(`state messages: ${seen.state.join(" -> ")}; status reports: ${seen.status}; pong replies: ${seen.reply}`);
log(ok ? "the device app worked end to end" : "the device app did NOT do what it should");
process.exit(ok ? 0 : 1);
