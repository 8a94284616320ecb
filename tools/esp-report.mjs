// The ESP8266 section of BENCHMARKS.md and its summary rows, from the release builds that
// `tools/device-check.mjs --esp` leaves in its output folder (esp-mqttbasic, esp-main,
// esp-mqtt5, esp-secure, esp-store and, unless --no-consumer, esp-consumer): `--write` calls
// writeEspReport at its end. Also measures the floor of the bytecode: the host build of the
// client bundled into one module and compiled by the SDK's xsc, as mcconfig would.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measuredOn, table, writeSections } from "./sections.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const BYTECODE_BUDGET = 24 * 1024; // release .xsb of modules/mqtt
const IMAGES = [
	["mqttbasic", "Moddable `examples/network/mqtt/mqttbasic` (the peer: QoS 0 only, legacy socket, no TLS)"],
	["main", "the default app, `src/main.ts` (no TLS)"],
	["mqtt5", "the default app with `modules/mqtt/manifest_v5.json` (MQTT 5 in the image, unused)"],
	["secure", "the secure example, `src/examples/secure` (TLS, SNTP, one root CA)"],
	["store", "the store example, `src/examples/store` (`options.store`, Moddable's `flash`)"],
	["consumer", "a consumer app from the packed package (`test-host/fixtures/consumer`)"],
];

function find(dir, test) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		const found = entry.isDirectory() ? find(path, test) : test(entry.name) && path;
		if (found)
			return found;
	}
	return undefined;
}

/** main.bin, static RAM (.data + .rodata + .bss), IRAM (.text) and every module's .xsb of one build. */
export function imageSizes(output) {
	const bin = find(join(output, "bin"), (name) => name === "main.bin");
	const elf = find(join(output, "tmp"), (name) => name === "main.elf");
	const sizes = spawnSync("xtensa-lx106-elf-size", ["-A", elf], { encoding: "utf8" });
	if (sizes.status !== 0)
		throw new Error(`esp-report: xtensa-lx106-elf-size -A ${elf} failed: ${sizes.stderr}`);
	const section = (name) => Number(sizes.stdout.match(new RegExp(`^\\${name}\\s+(\\d+)`, "m"))?.[1] ?? 0);
	const xsb = {};
	const walk = (dir, prefix) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			if (entry.isDirectory())
				walk(join(dir, entry.name), `${prefix}${entry.name}/`);
			else if (entry.name.endsWith(".xsb"))
				xsb[`${prefix}${basename(entry.name, ".xsb")}`] = statSync(join(dir, entry.name)).size;
		}
	};
	walk(join(dirname(elf), "modules"), "");
	return { bin: statSync(bin).size, ram: section(".data") + section(".rodata") + section(".bss"), iram: section(".text"), xsb };
}

const n = (value) => value.toLocaleString("en-US");
const signed = (value) => (value < 0 ? `−${n(-value)}` : `+${n(value)}`);
const ours = (image) => Object.entries(image.xsb).filter(([name]) => name.startsWith("mqtt/"));
const bytecode = (image) => ours(image).reduce((total, [, size]) => total + size, 0);

/**
 * The section's text and summary rows from the images' sizes ({ mqttbasic, main, secure, store,
 * consumer? }), the SDK's version and the floor (the client's bytecode as one module, if measured).
 */
export function espSection(images, { sdk, toolchain, floor }) {
	const { mqttbasic: peer, main, secure, store, consumer, mqtt5 } = images;
	const binLimit = Math.floor(peer.bin * 1.1), ramLimit = peer.ram + 1024, iramLimit = peer.iram + 1024;
	const met = main.bin <= binLimit && main.ram <= ramLimit && main.iram <= iramLimit;
	const total = bytecode(main);
	const tls = secure.bin - main.bin, stored = store.bin - main.bin;
	const rows = [
		[IMAGES[0][1], n(peer.bin), n(peer.ram), n(peer.iram), `(its \`mqtt\`: ${n(peer.xsb.mqtt ?? 0)})`, "", ""],
		[
			IMAGES[1][1],
			`${n(main.bin)} (${(main.bin / peer.bin).toFixed(2)}×)`,
			`${n(main.ram)} (${signed(main.ram - peer.ram)})`,
			`${n(main.iram)} (${signed(main.iram - peer.iram)})`,
			n(total),
			".bin ≤ peer + 10 %, static RAM and IRAM ≤ peer + 1 KB",
			met ? "met" : "**missed**",
		],
		[
			IMAGES[3][1],
			n(secure.bin),
			n(secure.ram),
			n(secure.iram),
			n(bytecode(secure)),
			"report",
			`TLS is ${n(tls)} B of it (${(100 * tls / secure.bin).toFixed(1)} %), ${n(secure.ram - main.ram)} B static RAM, ${
				n(secure.iram - main.iram)
			} B IRAM; \`mqtt/secure\` is ${n(secure.xsb["mqtt/secure"] ?? 0)} B of its bytecode`,
		],
		[
			IMAGES[4][1],
			n(store.bin),
			n(store.ram),
			n(store.iram),
			n(bytecode(store)),
			"report",
			`the store, the flash module and the app: ${n(stored)} B of main.bin, ${n(store.ram - main.ram)} B static RAM; \`mqtt/store\` is ${
				n(store.xsb["mqtt/store"] ?? 0)
			} B of its bytecode`,
		],
	];
	if (mqtt5) {
		const v5 = mqtt5.bin - main.bin,
			v5Bytecode = ["mqtt/codec5", "mqtt/arguments5", "mqtt/session5", "mqtt/client5"].reduce((t, k) => t + (mqtt5.xsb[k] ?? 0), 0);
		rows.push([
			IMAGES[2][1],
			n(mqtt5.bin),
			n(mqtt5.ram),
			n(mqtt5.iram),
			n(bytecode(mqtt5)),
			".bin ≤ default app + 16 KB",
			`${v5 <= 16_384 ? "met" : "**missed**"}: MQTT 5 is ${n(v5)} B of main.bin, ${n(mqtt5.ram - main.ram)} B static RAM, ${
				n(mqtt5.iram - main.iram)
			} B IRAM; its four modules are ${n(v5Bytecode)} B of bytecode`,
		]);
	}
	if (consumer) {
		const same = consumer.ram === main.ram && consumer.iram === main.iram;
		rows.push([
			IMAGES[5][1],
			n(consumer.bin),
			n(consumer.ram),
			n(consumer.iram),
			n(bytecode(consumer)),
			"gets the ESP8266 settings",
			same ? "yes: the static RAM and IRAM of the default app" : "**no**: its static RAM or IRAM differs from the default app's",
		]);
	}
	const modules = ours(main).sort(([, a], [, b]) => b - a).map(([name, size]) => [`\`${name}\``, n(size)]);
	modules.push(["**total**", `**${n(total)}**`]);
	const over = total - BYTECODE_BUDGET;
	const body = [
		measuredOn(
			`release builds (\`mcconfig -m -p esp\`) with Moddable SDK ${sdk} and ${toolchain}, printed by \`npm run device-check -- --esp --write\`; Moddable's own MQTT example built in the same run with the same toolchain`,
		),
		"",
		table(["image", "main.bin:", "static RAM:", "IRAM:", ".xsb of modules/mqtt:", "budget", "met?"], rows),
		"",
		`The bytecode of \`modules/mqtt\` in the default app, per module, against the budget of ${n(BYTECODE_BUDGET)} B (24 KB): ${
			over > 0 ? `**missed** by ${n(over)} B` : "met"
		}.`,
		"",
		table(["module", "bytes:"], modules),
		"",
		floor === undefined
			? "The floor (the same code bundled into one module) was not measured: no host build (`npm run build`) or no `xsc`."
			: `The floor: bundled into one module, so that no name is repeated and no module imports another, the same code is ${
				n(floor)
			} B (the host build, whose \`identity\` differs from the ESP8266's by a few bytes); the split into modules costs ${n(total - floor)} B.`,
	].join("\n");
	const summary = [
		[
			"ESP8266 default app: main.bin, static RAM, IRAM",
			`${n(main.bin)}, ${n(main.ram)}, ${n(main.iram)} B`,
			"≤ peer + 10 %, + 1 KB, + 1 KB",
			`Moddable's mqttbasic: ${n(peer.bin)}, ${n(peer.ram)}, ${n(peer.iram)} B`,
			met ? "met" : "**missed**",
		],
		[
			"bytecode of `modules/mqtt` (release .xsb)",
			`${n(total)} B`,
			`≤ ${n(BYTECODE_BUDGET)} B`,
			`mqttbasic's \`mqtt\`: ${n(peer.xsb.mqtt ?? 0)} B (QoS 0 only)`,
			over > 0 ? `**missed** by ${n(over)} B` : "met",
		],
	];
	return { name: "esp", title: "ESP8266 images", body, summary };
}

/** The client's host build bundled into one module and compiled by xsc: the .xsb's size, or undefined. */
export async function bytecodeFloor(moddable) {
	const entry = join(root, "build/host/modules/mqtt/client.js");
	const xsc = join(moddable, "build/bin/lin/release/xsc");
	if (!existsSync(entry) || !existsSync(xsc))
		return undefined;
	const { build } = await import("esbuild");
	const dir = mkdtempSync(join(tmpdir(), "esp-floor-"));
	await build({
		entryPoints: [entry],
		bundle: true,
		format: "esm",
		outfile: join(dir, "mqtt.js"),
		logLevel: "silent",
		external: ["embedded:*", "modules", "net", "time", "timer"],
	});
	const compiled = spawnSync(xsc, [join(dir, "mqtt.js"), "-c", "-e", "-o", dir, "-r", "mqtt"], { encoding: "utf8" });
	if (compiled.status !== 0)
		throw new Error(`esp-report: xsc failed: ${compiled.stderr}`);
	return statSync(join(dir, "mqtt.xsb")).size;
}

/** Reads the esp builds under `out` and writes the section into BENCHMARKS.md. */
export async function writeEspReport(out, moddable = process.env.MODDABLE) {
	const images = {};
	for (const [name] of IMAGES) {
		if (existsSync(join(out, `esp-${name}`)))
			images[name] = imageSizes(join(out, `esp-${name}`));
	}
	const missing = ["mqttbasic", "main", "secure", "store"].filter((name) => !images[name]);
	if (missing.length) {
		console.error(`esp-report: no esp build of ${missing.join(", ")} in ${out}; BENCHMARKS.md left as it was`);
		return false;
	}
	const sdk = spawnSync("git", ["-C", moddable, "describe", "--tags"], { encoding: "utf8" }).stdout.trim() || "(version unknown)";
	const toolchain = spawnSync("xtensa-lx106-elf-gcc", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0] || "an unknown xtensa-lx106 gcc";
	writeSections([espSection(images, { sdk, toolchain: `\`${toolchain}\``, floor: await bytecodeFloor(moddable) })]);
	return true;
}
