// Cost per message inside XS next to Moddable's own MQTT client, read from the SDK checkout that
// $MODDABLE names (never copied into this repository). Used by bench/run.mjs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEngine } from "../test-host/engine.js";
import { bundle } from "../test-host/xs/host.js";
import { perMessage } from "./per-message.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const MEMORY = {
	"embedded:io/socket/tcp": "memory/tcp.js",
	"timer": "memory/timer.js",
	"time": "memory/time.js",
	"net": "memory/net.js",
	"modules": "memory/modules.js",
	"socket": "memory/socket.js",
	"websocket": "memory/websocket.js",
};

function peerSource() {
	const path = process.env.MODDABLE && join(process.env.MODDABLE, "modules/network/mqtt/mqtt.js");
	return path && existsSync(path) ? path : undefined;
}

function bundleFor(peer) {
	const paths = { "moddable-sdk:mqtt": peer };
	for (const [specifier, file] of Object.entries(MEMORY))
		paths[specifier] = join(here, file);
	return bundle(`import "../test-host/builtins.js"; globalThis.trace = () => {}; import "./xs-clients.js";`, { resolveDir: here, paths });
}

/** Rows of { what, publish, size, ours, peer, standIn } in computrons and slots per message, or undefined without an SDK. */
export async function compareWithModdable(sizes = [100, 1000, 10_000], messages = 32) {
	const peer = peerSource();
	if (!peer)
		return undefined;
	const rows = [];
	const code = await bundleFor(peer); // the same for every row: a fresh worker each, one build
	for (const binary of [false, true]) {
		for (const size of sizes) {
			const engine = await startEngine("xs");
			await engine.evaluate(code);
			const measure = (action) => perMessage(engine, `clients.setup(${JSON.stringify({ size, messages, binary })})`, `clients.${action}()`, messages);
			const kind = binary ? "ArrayBuffer" : "string";
			const none = { compute: 0, slots: 0 };
			rows.push({
				what: `publish QoS 0, ${size} B ${kind}`,
				publish: true,
				size,
				ours: await measure("publishOurs"),
				peer: await measure("publishPeer"),
				standIn: binary ? none : await measure("standIns"),
			});
			rows.push({
				what: `receive QoS 0, ${size} B as ${kind}`,
				publish: false,
				size,
				ours: await measure("receiveOurs"),
				peer: await measure("receivePeer"),
				standIn: await measure("socketCopy"),
			});
			await engine.close();
		}
	}
	return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const rows = await compareWithModdable();
	if (!rows)
		console.log("set MODDABLE to a Moddable SDK checkout to compare with its mqtt.js");
	for (const row of rows ?? [])
		console.log(
			`${row.what}: ours ${Math.round(row.ours.compute)} (${row.ours.slots.toFixed(1)} slots), Moddable ${Math.round(row.peer.compute)} (${
				row.peer.slots.toFixed(1)
			} slots), ${(row.ours.compute / row.peer.compute).toFixed(2)}x; stand-in ${Math.round(row.standIn.compute)}, ours without it ${
				((row.ours.compute - row.standIn.compute) / row.peer.compute).toFixed(2)
			}x`,
		);
}
