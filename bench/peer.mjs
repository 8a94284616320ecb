// Cost per message inside XS next to Moddable's own MQTT client, read from the SDK checkout that
// $MODDABLE names (never copied into this repository). Used by bench/run.mjs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { startEngine } from "../test-host/engine.js";
import { specifierFor } from "../test-host/specifiers.js";

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

export function peerSource() {
	const path = process.env.MODDABLE && join(process.env.MODDABLE, "modules/network/mqtt/mqtt.js");
	return path && existsSync(path) ? path : undefined;
}

async function bundle(peer) {
	const result = await build({
		stdin: { contents: `import "../test-host/builtins.js"; globalThis.trace = () => {}; import "./xs-clients.js";`, resolveDir: here, loader: "js" },
		bundle: true,
		write: false,
		format: "iife",
		platform: "neutral",
		target: "es2022",
		logLevel: "silent",
		plugins: [{
			name: "memory-platform",
			setup(esbuild) {
				esbuild.onResolve({ filter: /^[^./]/ }, (args) => {
					if (args.path === "moddable-sdk:mqtt")
						return { path: peer };
					if (MEMORY[args.path])
						return { path: join(here, MEMORY[args.path]) };
					const file = specifierFor(args.path, "xs");
					return file ? { path: file } : undefined;
				});
			},
		}],
	});
	return result.outputFiles[0].text;
}

/** Rows of { what, ours, peer } in computrons and slots per message, or undefined without an SDK. */
export async function compareWithModdable(sizes = [100, 1000, 10_000], messages = 32) {
	const peer = peerSource();
	if (!peer)
		return undefined;
	const rows = [];
	for (const binary of [false, true]) {
		for (const size of sizes) {
			const engine = await startEngine("xs");
			await engine.evaluate(await bundle(peer));
			const measure = async (action) => {
				await engine.evaluate(`clients.setup(${JSON.stringify({ size, messages, binary })})`);
				const { slots } = await engine.heap();
				const meter = await engine.evaluate(`clients.${action}()`);
				return { compute: meter.compute / messages, slots: (meter.currentHeapCount - slots) / messages };
			};
			const kind = binary ? "ArrayBuffer" : "string";
			const none = { compute: 0, slots: 0 };
			rows.push({ what: `publish QoS 0, ${size} B ${kind}`, ours: await measure("publishOurs"), peer: await measure("publishPeer"), standIn: binary ? none : await measure("standIns") });
			rows.push({ what: `receive QoS 0, ${size} B as ${kind}`, ours: await measure("receiveOurs"), peer: await measure("receivePeer"), standIn: await measure("socketCopy") });
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
		console.log(`${row.what}: ours ${Math.round(row.ours.compute)} (${row.ours.slots.toFixed(1)} slots), Moddable ${Math.round(row.peer.compute)} (${row.peer.slots.toFixed(1)} slots), ${(row.ours.compute / row.peer.compute).toFixed(2)}x; stand-in ${Math.round(row.standIn.compute)}, ours without it ${((row.ours.compute - row.standIn.compute) / row.peer.compute).toFixed(2)}x`);
}
