// Checks the device build with a real Moddable SDK (not part of `npm test`: the SDK comes from
// no package registry). Run it whenever modules/, src/ or a manifest changes.
//
//   MODDABLE=~/moddable node tools/device-check.mjs [--esp] [--no-consumer] [--only NAME,...] [--out DIR]
//
// Each numbered check below has a NAME; --only runs just those named (e.g. --only outage):
// default, secure, mutual-tls, websocket, store, sleepy, consumer, outage, mqtt5, esp.
//
// 1. default: builds the default app for `lin` and runs it in mcsim (on a virtual display when there is
//    none) against the test mosquitto: `online` retained, status messages, `ping` answered
//    with `pong`, reconnection after a broker restart, the will on a hard kill.
// 2. secure, mutual-tls: builds the secure example (src/examples/secure) for `lin` with the test CA as a resource,
//    and the mutual-TLS one (src/examples/mutual-tls) with a client certificate and key against
//    a mosquitto that requires one, and checks that each connects over TLS and publishes.
// 2b. websocket: builds src/examples/websocket for `lin` against the WebSocket listener in front
//    of the test mosquitto (ws://): `online`, status messages, `ping` answered, the will on a
//    hard kill (wss:// is checked on the host only: the test certificate names 127.0.0.1 by an IP
//    subjectAltName, which Moddable's TLS does not match, and "localhost" does not resolve in mcsim).
// 3. store: builds the store example (src/examples/store) for `lin` and runs tools/power-cut.mjs on it:
//    mcsim killed with SIGKILL at least 10 times while it publishes 5,000 QoS 1 and 5,000 QoS 2
//    readings, restarted on the same flash file; nothing accepted lost, QoS 2 exactly once.
// 3b. sleepy: builds the sleepy sensor (src/examples/sleepy) for `lin` and runs tools/sleepy.mjs on
//    it: 200 wakes of mcsim on one flash file, ended when the app says it sleeps or killed at a
//    random moment, a broker restart; every reading arrives (QoS 2 once), every command once.
// 4. consumer: packs the package (npm pack), installs it in a fresh app as the README says
//    (test-host/fixtures/consumer), builds that for `lin` and checks that it exchanges a message.
// 5. outage: builds src/examples/reconnect (options.reconnect, backoff 1 to 4 s) for `lin` and
//    runs it with no broker for 120 s (--outage SECONDS): mcsim must keep running and the failed
//    attempts per 10 s must stay what the backoff draws; then the broker starts and it connects.
// 6. mqtt5: builds src/examples/mqtt5 (protocolVersion 5, manifest_v5.json) for `lin` and runs it
//    against the test mosquitto: it connects over MQTT 5, its readings arrive with their
//    properties, and a request with a response topic and correlation data is answered with both.
// 7. esp, with --esp (the ESP8266 toolchain set up as Moddable's guide says, ESP_BASE set), builds
//    Moddable's mqttbasic, the default app, the default app with manifest_v5.json, the secure and
//    store examples and the consumer app for `esp` in release, and prints their sizes against the
//    budgets, with the bytecode of each module of ours.
// Exits non-zero when a check fails or a budget is missed.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import mqttjs from "mqtt";
import { freePort, startMosquitto } from "../test-host/brokers/mosquitto.js";
import { powerCut, summary } from "./power-cut.mjs";
import { passed as sleepyPassed, sleepyCycles, summary as sleepySummary } from "./sleepy.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const CHECKS = ["default", "secure", "mutual-tls", "websocket", "store", "sleepy", "consumer", "outage", "mqtt5", "esp"];
const only = option("only")?.split(",");
const unknown = only?.filter((name) => !CHECKS.includes(name)) ?? [];
if (unknown.length || (only && !only.length)) {
	console.error(`device-check: --only takes names among ${CHECKS.join(", ")}, got ${unknown.join(", ") || "none"}`);
	process.exit(2);
}
/** Whether the check NAME runs: the ones --only names, or every lin check (esp with --esp, consumer unless --no-consumer). */
const wanted = (name) => (only ? only.includes(name) : name === "esp" ? flag("esp") : name !== "consumer" || !flag("no-consumer"));

const MODDABLE = process.env.MODDABLE;
const tools = MODDABLE && join(MODDABLE, "build/bin/lin/release");
if (!MODDABLE || !existsSync(join(tools, "mcconfig")) || !existsSync(join(tools, "mcsim"))) {
	console.error(
		"device-check: set MODDABLE to a Moddable SDK whose Linux tools are built (Moddable's Getting Started guide for Linux, or `npx xs-dev setup`)",
	);
	process.exit(2);
}
const env = { ...process.env, PATH: `${tools}:${join(root, "node_modules/.bin")}:${process.env.PATH}` };
const out = option("out", mkdtempSync(join(tmpdir(), "device-check-")));
mkdirSync(out, { recursive: true });
const results = [];
let failed = false;

function check(ok, what) {
	results.push(`${ok ? "ok  " : "FAIL"} ${what}`);
	console.log(`device-check: ${ok ? "ok  " : "FAIL"} ${what}`);
	failed ||= !ok;
	return ok;
}

function mcconfig(dir, platform, output, extra = []) {
	mkdirSync(output, { recursive: true });
	const result = spawnSync("mcconfig", ["-m", "-p", platform, "-t", "build", "-o", output, ...extra], {
		cwd: dir,
		env,
		encoding: "utf8",
		maxBuffer: 64 << 20,
	});
	writeFileSync(join(output + ".log"), `${result.stdout}\n${result.stderr}`);
	if (result.status !== 0)
		throw new Error(
			`mcconfig -p ${platform} in ${dir} failed (log: ${output}.log):\n${
				`${result.stdout}\n${result.stderr}`.split("\n").filter((l) => /error/i.test(l)).slice(0, 10).join("\n")
			}`,
		);
	return output;
}

function find(dir, name) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) {
			const found = find(path, name);
			if (found)
				return found;
		}
		else if (entry.name === name)
			return path;
	}
	return undefined;
}

/** A virtual display for mcsim (a GTK app), unless the machine has one. */
async function display() {
	if (process.env.DISPLAY)
		return { name: process.env.DISPLAY, close() {} };
	const xvfb = spawn("Xvfb", ["-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "640x480x24"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
	const number = await new Promise((resolve, reject) => {
		xvfb.once("error", () => reject(new Error("device-check: no DISPLAY and no Xvfb (Debian: apt-get install xvfb)")));
		xvfb.stdio[3].once("data", (data) => resolve(String(data).trim()));
	});
	return { name: `:${number}`, close: () => xvfb.kill() };
}

/** mcsim running mc.so on the virtual screen, its output line-buffered. */
function mcsim(so, screen, options) {
	return spawn("stdbuf", ["-oL", "-eL", "mcsim", so], { env: { ...env, DISPLAY: screen.name }, ...options });
}

/** Runs mc.so in mcsim; its trace arrives line by line (`times`: when each line came, ms). */
function simulate(so, screen) {
	const child = mcsim(so, screen, { stdio: ["ignore", "pipe", "pipe"] });
	const lines = [], times = [];
	const onLine = (data) => {
		for (const line of String(data).split("\n").filter(Boolean)) {
			lines.push(line);
			times.push(Date.now());
			console.log(`  [mcsim] ${line}`);
		}
	};
	child.stdout.on("data", onLine);
	child.stderr.on("data", onLine);
	return { child, lines, times, kill: () => child.kill("SIGKILL") };
}

function operator(port) {
	const client = mqttjs.connect({ host: "127.0.0.1", port, protocolVersion: 4, reconnectPeriod: 500 });
	const messages = [];
	client.on("message", (topic, payload, packet) => messages.push({ topic, text: payload.toString(), retain: packet.retain }));
	return { client, messages, ready: new Promise((resolve) => client.once("connect", resolve)) };
}

async function until(condition, ms) {
	for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
		if (condition())
			return true;
	}
	return condition();
}

async function retained(port, topic) {
	const probe = mqttjs.connect({ host: "127.0.0.1", port, protocolVersion: 4, reconnectPeriod: 0 });
	await new Promise((resolve) => probe.once("connect", resolve));
	const got = new Promise((resolve) => probe.once("message", (t, payload, packet) => resolve({ text: payload.toString(), retain: packet.retain })));
	await probe.subscribeAsync(topic);
	const value = await Promise.race([got, new Promise((r) => setTimeout(() => r(undefined), 2000))]);
	probe.end(true);
	return value;
}

async function defaultApp(broker, screen) {
	const clientid = "device-check";
	const base = `nodemcu-mqtt/${clientid}`;
	const build = mcconfig(root, "lin", join(out, "lin-main"), [`broker=127.0.0.1`, `port=${broker.port}`, `clientid=${clientid}`, "interval=500"]);
	const watcher = operator(broker.port);
	await watcher.ready;
	await watcher.client.subscribeAsync(`${base}/#`);
	const sim = simulate(find(build, "mc.so"), screen);
	try {
		const texts = (topic) => watcher.messages.filter((m) => m.topic === `${base}/${topic}`).map((m) => m.text);
		check(await until(() => texts("state").includes("online"), 15_000), "lin: the app publishes state online");
		check((await retained(broker.port, `${base}/state`))?.text === "online", "lin: state online is retained");
		check(await until(() => texts("status").length >= 3, 10_000), `lin: status messages (${texts("status").length})`);
		watcher.client.publish(`${base}/command`, "ping", { qos: 1 });
		check(await until(() => texts("reply").includes("pong"), 5000), "lin: ping is answered with pong");
		const online = texts("state").length;
		await broker.restart();
		check(await until(() => texts("state").length > online && texts("state").at(-1) === "online", 30_000), "lin: reconnects after a broker restart");
		const states = texts("state").length;
		sim.kill();
		check(
			await until(() => texts("state").length > states && texts("state").at(-1) === "offline", 10_000),
			"lin: the will (state offline) arrives after a hard kill",
		);
	}
	finally {
		sim.kill();
		watcher.client.end(true);
	}
}

/** src/examples/mqtt5 on lin: MQTT 5 end to end, an MQTT.js v5 client on the other side. */
async function mqtt5App(broker, screen) {
	const clientid = "device-check-v5";
	const base = `nodemcu-mqtt/${clientid}`;
	const build = mcconfig(join(root, "src/examples/mqtt5"), "lin", join(out, "lin-mqtt5"), [
		"broker=127.0.0.1",
		`port=${broker.port}`,
		`clientid=${clientid}`,
		"interval=300",
	]);
	const watcher = mqttjs.connect({ host: "127.0.0.1", port: broker.port, protocolVersion: 5, reconnectPeriod: 0 });
	const messages = [];
	watcher.on("message", (topic, payload, packet) => messages.push({ topic, text: payload.toString(), properties: packet.properties ?? {} }));
	await new Promise((resolve) => watcher.once("connect", resolve));
	await watcher.subscribeAsync(`${base}/#`);
	await watcher.subscribeAsync("device-check/v5/reply");
	const sim = simulate(find(build, "mc.so"), screen);
	try {
		check(await until(() => sim.lines.some((l) => l.startsWith("connected over MQTT 5")), 15_000), "lin: the MQTT 5 example connects over MQTT 5");
		const readings = () => messages.filter((m) => m.topic === `${base}/reading`);
		check(
			await until(() => readings().length >= 3, 10_000) && readings().every((m) => m.properties.contentType === "application/json"),
			`lin: MQTT 5 readings arrive with their properties, through a topic alias (${readings().length})`,
		);
		await until(() => sim.lines.some((l) => l.startsWith("connected")), 1000);
		await new Promise((r) => setTimeout(r, 300)); // its SUBSCRIBE follows the CONNACK
		watcher.publish(`${base}/request`, "ping", { qos: 1, properties: { responseTopic: "device-check/v5/reply", correlationData: Buffer.from("c-1") } });
		const reply = () => messages.find((m) => m.topic === "device-check/v5/reply");
		check(
			await until(() => reply(), 5000) && reply().text === "pong ping" && reply().properties.correlationData?.toString() === "c-1",
			"lin: an MQTT 5 request is answered at its response topic with its correlation data",
		);
	}
	finally {
		sim.kill();
		watcher.end(true);
	}
}

/** An example built for TLS, its certificates written as resources beside a manifest that includes it. */
async function secureApp(broker, screen, { example, name, port, files, config }) {
	const app = join(out, `${name}-app`);
	mkdirSync(app, { recursive: true });
	for (const [file, bytes] of Object.entries(files))
		writeFileSync(join(app, file), bytes);
	writeFileSync(
		join(app, "manifest.json"),
		JSON.stringify(
			{ include: [join(root, example, "manifest.json")], resources: { "*": Object.keys(files).map((file) => join(app, file.replace(/\.der$/, ""))) } },
			null,
			"\t",
		),
	);
	const clientid = `device-check-${name}`;
	const build = mcconfig(app, "lin", join(out, `lin-${name}`), ["broker=127.0.0.1", `port=${port}`, `clientid=${clientid}`, "interval=500", ...config]);
	const watcher = operator(broker.port);
	await watcher.ready;
	await watcher.client.subscribeAsync(`nodemcu-mqtt/${clientid}/#`);
	const sim = simulate(find(build, "mc.so"), screen);
	try {
		check(await until(() => sim.lines.some((l) => /over TLS/.test(l)) && sim.lines.includes("connected"), 20_000), `lin: ${example} connects over TLS`);
		check(await until(() => watcher.messages.some((m) => m.topic.endsWith("/status")), 10_000), `lin: ${example} publishes`);
	}
	finally {
		sim.kill();
		watcher.client.end(true);
	}
}

/** src/examples/websocket built for lin, through the WebSocket listener in front of mosquitto. */
async function websocketApp(broker, screen) {
	const clientid = "device-check-ws";
	const base = `nodemcu-mqtt/${clientid}`;
	const build = mcconfig(join(root, "src/examples/websocket"), "lin", join(out, "lin-websocket"), [
		`broker=ws://127.0.0.1:${broker.wsPort}/mqtt`,
		`clientid=${clientid}`,
		"interval=500",
	]);
	const watcher = operator(broker.port);
	await watcher.ready;
	await watcher.client.subscribeAsync(`${base}/#`);
	const sim = simulate(find(build, "mc.so"), screen);
	try {
		const texts = (topic) => watcher.messages.filter((m) => m.topic === `${base}/${topic}`).map((m) => m.text);
		check(await until(() => texts("state").includes("online"), 15_000), "lin: the websocket example publishes state online over ws://");
		check(
			broker.fronts[0].requests.some((request) => request.url === "/mqtt" && request.headers["sec-websocket-protocol"] === "mqtt"),
			"lin: its upgrade asks for /mqtt and the mqtt subprotocol",
		);
		check(await until(() => texts("status").length >= 3, 10_000), `lin: status messages over ws:// (${texts("status").length})`);
		watcher.client.publish(`${base}/command`, "ping", { qos: 1 });
		check(await until(() => texts("reply").includes("pong"), 5000), "lin: ping over ws:// is answered with pong");
		const states = texts("state").length;
		sim.kill();
		check(
			await until(() => texts("state").length > states && texts("state").at(-1) === "offline", 10_000),
			"lin: the will arrives after a hard kill over ws://",
		);
	}
	finally {
		sim.kill();
		watcher.client.end(true);
	}
}

/**
 * src/examples/store built for lin, its flash the SDK's file module under modules/mqtt/lin/flash:
 * the power-cut test of tools/power-cut.mjs with mcsim killed (SIGKILL) mid-stream and started
 * again on the same file.
 */
async function storeApp(broker, screen) {
	const clientid = "power-cut-lin";
	// a flash file of its own: another device check on this machine must not share it
	const flashFile = join(out, "lin-store-flash.bin");
	const build = mcconfig(join(root, "src/examples/store"), "lin", join(out, "lin-store"), [
		"broker=127.0.0.1",
		`port=${broker.port}`,
		`clientid=${clientid}`,
		"prefix=power-cut",
		`flashFile=${flashFile}`,
	]);
	rmSync(flashFile, { force: true });
	const so = find(build, "mc.so");
	const launch = () => mcsim(so, screen, { detached: true, stdio: ["ignore", "pipe", "inherit"] });
	const result = await powerCut({ broker, launch, clientid, log: (line) => console.log(`  [power-cut] ${line}`) });
	check(result.kills >= 10 && result.acceptedQos1 >= 5000 && result.acceptedQos2 >= 5000, `lin: store example killed mid-stream (${summary(result)})`);
	check(result.missing === 0, "lin: nothing accepted is lost over the kills");
	check(result.duplicatesQos2 === 0, "lin: QoS 2 arrives exactly once over the kills");
}

/**
 * src/examples/sleepy built for lin once tools/sleepy.mjs has started its broker (the port is built
 * into the config), then woken 200 times in mcsim on one flash file.
 */
async function sleepyApp(screen) {
	const flashFile = join(out, "lin-sleepy-flash.bin");
	rmSync(flashFile, { force: true });
	let so;
	const launch = (config) => {
		so ??= find(
			mcconfig(
				join(root, "src/examples/sleepy"),
				"lin",
				join(out, "lin-sleepy"),
				Object.entries({ ...config, flashFile }).map(([key, value]) => `${key}=${value}`),
			),
			"mc.so",
		);
		return mcsim(so, screen, { detached: true, stdio: ["ignore", "pipe", "inherit"] });
	};
	const result = await sleepyCycles({ engine: "lin", cycles: 200, launch, clientid: "sleepy-lin", log: (line) => console.log(`  [sleepy] ${line}`) });
	check(result.slept >= 100 && sleepyPassed(result), `lin: sleepy example over its wakes (${sleepySummary(result)})`);
}

async function consumer(broker, screen) {
	const pack = spawnSync("npm", ["pack", "--pack-destination", out], { cwd: root, env, encoding: "utf8" });
	if (pack.status !== 0)
		throw new Error(`npm pack failed: ${pack.stderr}`);
	const tarball = join(out, pack.stdout.trim().split("\n").at(-1));
	const app = join(out, "consumer");
	rmSync(app, { recursive: true, force: true });
	mkdirSync(app);
	const fixture = join(root, "test-host/fixtures/consumer");
	for (const file of readdirSync(fixture))
		copyFileSync(join(fixture, file), join(app, file));
	const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--save-dev", tarball], { cwd: app, env, encoding: "utf8" });
	if (install.status !== 0)
		throw new Error(`npm install in the consumer failed: ${install.stderr}`);
	const typecheck = spawnSync(join(app, "node_modules/.bin/tsc"), ["-p", app, "--noEmit"], { cwd: app, env, encoding: "utf8" });
	check(typecheck.status === 0, `consumer: its tsconfig type-checks the app${typecheck.status ? `\n${typecheck.stdout}` : ""}`);
	const build = mcconfig(app, "lin", join(out, "lin-consumer"), ["broker=127.0.0.1", `port=${broker.port}`]);
	const sim = simulate(find(build, "mc.so"), screen);
	try {
		check(
			await until(() => sim.lines.includes("consumer: received hello"), 15_000),
			"consumer: built from the packed package, it publishes and receives a message",
		);
	}
	finally {
		sim.kill();
	}
}

/**
 * src/examples/reconnect with nobody listening on its port for `seconds`, then a broker there.
 * Moddable 8.2.3's lin timer once made the attempts multiply here (a timer re-armed from its own
 * callback left an orphan that fired on), and mcsim then crashed on a freed timer.
 */
async function outageApp(screen, seconds) {
	const min = 1000, max = 4000;
	const port = await freePort();
	const build = mcconfig(join(root, "src/examples/reconnect"), "lin", join(out, "lin-reconnect"), [
		"broker=127.0.0.1",
		`port=${port}`,
		"clientid=outage",
		`retryMin=${min}`,
		`retryMax=${max}`,
	]);
	// session.ts's rule: a delay drawn evenly from min / 10 to a ceiling that doubles from min
	// up to max; a refused connection on this host costs next to nothing on top
	const mean = (ceiling) => (min / 10 + ceiling) / 2;
	const steady = 10_000 / mean(max);
	let expected = 0;
	for (let t = 0, k = 0; t < seconds * 1000; k++, expected++)
		t += mean(Math.min(max, min * 2 ** k));
	const sim = simulate(find(build, "mc.so"), screen);
	let exit;
	sim.child.once("exit", (code, signal) => exit = signal ?? code);
	let broker;
	try {
		const started = Date.now();
		await until(() => exit !== undefined, seconds * 1000);
		const failures = sim.times.filter((_, i) => /^attempt \d+ failed/.test(sim.lines[i]));
		const buckets = Array.from(
			{ length: Math.floor(seconds / 10) },
			(_, i) => failures.filter((at) => at - started >= i * 10_000 && at - started < (i + 1) * 10_000).length,
		);
		const total = failures.filter((at) => at - started < seconds * 1000).length;
		console.log(
			`device-check: failed attempts per 10 s without a broker: ${buckets.join(", ")} (total ${total}; the backoff's mean: ${
				steady.toFixed(1)
			} per 10 s, ${expected} in ${seconds} s)`,
		);
		check(exit === undefined, `lin: mcsim runs ${seconds} s without a broker${exit === undefined ? "" : ` (it ended: ${exit})`}`);
		check(
			buckets.every((n) => n >= 1 && n <= 2 * steady) && Math.abs(total - expected) <= 0.25 * expected,
			`lin: without a broker the attempts keep the backoff's rate (${buckets.join(", ")} per 10 s; each 1 to ${
				Math.floor(2 * steady)
			}, total ${total} within 25 % of ${expected})`,
		);
		broker = await startMosquitto({ port });
		check(await until(() => sim.lines.some((l) => l.startsWith("connected after")), max + 10_000), "lin: connects once the broker is there");
		check((await retained(port, "nodemcu-mqtt/outage/state"))?.text === "online", "lin: and publishes (state online, retained)");
	}
	finally {
		sim.kill();
		await broker?.stop();
	}
}

/** main.bin, static RAM, IRAM and the bytecode of each module of ours, from one esp build. */
function espSizes(dir, name, extra = []) {
	const output = mcconfig(dir, "esp", join(out, `esp-${name}`), extra);
	const bin = find(output, "main.bin");
	const elf = find(join(output, "tmp"), "main.elf");
	const sizes = spawnSync("xtensa-lx106-elf-size", ["-A", elf], { env, encoding: "utf8" }).stdout;
	const section = (s) => Number(sizes.match(new RegExp(`^\\${s}\\s+(\\d+)`, "m"))?.[1] ?? 0);
	const modules = join(elf, "..", "modules");
	const xsb = {};
	const walk = (d, prefix = "") => {
		for (const entry of readdirSync(d, { withFileTypes: true })) {
			if (entry.isDirectory())
				walk(join(d, entry.name), `${prefix}${entry.name}/`);
			else if (entry.name.endsWith(".xsb"))
				xsb[`${prefix}${basename(entry.name, ".xsb")}`] = statSync(join(d, entry.name)).size;
		}
	};
	walk(modules);
	return { name, bin: statSync(bin).size, ram: section(".data") + section(".rodata") + section(".bss"), iram: section(".text"), xsb };
}

function esp() {
	if (!process.env.ESP_BASE)
		return check(false, "esp: ESP_BASE is not set (set up the ESP8266 toolchain as Moddable's ESP8266 guide says, or `npx xs-dev setup --device esp8266`)");
	const peer = espSizes(join(MODDABLE, "examples/network/mqtt/mqttbasic"), "mqttbasic");
	const plain = espSizes(root, "main");
	const secure = espSizes(join(root, "src/examples/secure"), "secure");
	const store = espSizes(join(root, "src/examples/store"), "store");
	const sleepy = espSizes(join(root, "src/examples/sleepy"), "sleepy");
	const v5App = join(out, "mqtt5-default-app"); // the default app, MQTT 5 included: what the opt-in costs an image
	mkdirSync(v5App, { recursive: true });
	writeFileSync(
		join(v5App, "manifest.json"),
		JSON.stringify({ include: [join(root, "manifest.json"), join(root, "modules/mqtt/manifest_v5.json")] }, null, "\t"),
	);
	const v5 = espSizes(v5App, "mqtt5");
	const app = join(out, "consumer"); // the packed package in a fresh app: it must get the ESP8266 settings too
	const consumerApp = existsSync(join(app, "node_modules")) ? espSizes(app, "consumer") : undefined;
	const n = (v) => v.toLocaleString("en-US");
	const ours = (s) => Object.entries(s.xsb).filter(([k]) => k.startsWith("mqtt/"));
	console.log(
		`\nESP8266 release images (Moddable ${spawnSync("git", ["-C", MODDABLE, "describe", "--tags"], { encoding: "utf8" }).stdout.trim() || "SDK"}, ${
			new Date().toISOString().slice(0, 10)
		})`,
	);
	console.log("| build | main.bin | static RAM | IRAM | .xsb of modules/mqtt |\n|---|---:|---:|---:|---:|");
	for (const s of [peer, plain, v5, secure, store, sleepy, consumerApp].filter(Boolean))
		console.log(`| ${s.name} | ${n(s.bin)} | ${n(s.ram)} | ${n(s.iram)} | ${s === peer ? "" : n(ours(s).reduce((t, [, v]) => t + v, 0))} |`);
	console.log(`\nmodules/mqtt .xsb: ${ours(plain).map(([k, v]) => `${k} ${n(v)}`).join(", ")}`);
	console.log(
		`mqtt/store ${n(store.xsb["mqtt/store"] ?? 0)} B of bytecode; the store example against the default app: ${n(store.bin - plain.bin)} B of main.bin, ${
			n(store.ram - plain.ram)
		} B static RAM, ${n(store.iram - plain.iram)} B IRAM`,
	);
	console.log(
		`the sleepy example against the store example: ${
			n(sleepy.bin - store.bin)
		} B of main.bin (Moddable's system module for deepSleep, and the IO provider it imports), ${n(sleepy.ram - store.ram)} B static RAM, ${
			n(sleepy.iram - store.iram)
		} B IRAM`,
	);
	const v5Bytecode = ["mqtt/codec5", "mqtt/arguments5", "mqtt/session5", "mqtt/client5"].map((k) => v5.xsb[k] ?? 0).reduce((t, v) => t + v, 0);
	console.log(
		`MQTT 5 (manifest_v5.json) in the default app: ${n(v5.bin - plain.bin)} B of main.bin, ${n(v5.ram - plain.ram)} B static RAM, ${
			n(v5.iram - plain.iram)
		} B IRAM; ${n(v5Bytecode)} B of bytecode`,
	);
	console.log(
		`TLS share of the secure image: ${n(secure.bin - plain.bin)} B of main.bin (${((secure.bin - plain.bin) / secure.bin * 100).toFixed(1)} %), ${
			n(secure.ram - plain.ram)
		} B static RAM, ${n(secure.iram - plain.iram)} B IRAM\n`,
	);
	check(plain.bin <= peer.bin * 1.1, `esp budget: main.bin ${n(plain.bin)} <= mqttbasic + 10 % (${n(Math.floor(peer.bin * 1.1))})`);
	check(plain.ram <= peer.ram + 1024, `esp budget: static RAM ${n(plain.ram)} <= mqttbasic + 1 KB (${n(peer.ram + 1024)})`);
	check(plain.iram <= peer.iram + 1024, `esp budget: IRAM ${n(plain.iram)} <= mqttbasic + 1 KB (${n(peer.iram + 1024)})`);
	check(v5.bin - plain.bin <= 16_384, `esp budget: MQTT 5 adds ${n(v5.bin - plain.bin)} B to main.bin <= 16 KB (issue 25)`);
	return true;
}

const broker = await startMosquitto({ tls: true, websocket: true });
const screen = await display();
try {
	if (wanted("default"))
		await defaultApp(broker, screen);
	if (wanted("secure"))
		await secureApp(broker, screen, {
			example: "src/examples/secure",
			name: "secure",
			port: broker.tlsPort,
			files: { "ca.der": broker.caDer },
			config: ["ca=ca.der"],
		});
	if (wanted("mutual-tls")) {
		await secureApp(broker, screen, {
			example: "src/examples/mutual-tls",
			name: "mutual",
			port: broker.mtlsPort,
			files: { "ca.der": broker.caDer, "device.der": broker.client.certificate, "device-key.der": broker.client.key },
			config: [],
		});
	}
	if (wanted("websocket"))
		await websocketApp(broker, screen);
	if (wanted("store"))
		await storeApp(broker, screen);
	if (wanted("sleepy"))
		await sleepyApp(screen);
	if (wanted("consumer"))
		await consumer(broker, screen);
	if (wanted("outage"))
		await outageApp(screen, Number(option("outage", 120)));
	if (wanted("mqtt5"))
		await mqtt5App(broker, screen);
	if (wanted("esp"))
		esp();
}
catch (error) {
	check(false, error.message);
}
finally {
	screen.close();
	await broker.stop();
}
console.log(`\n${results.join("\n")}\n(builds and logs in ${out})`);
if (wanted("esp") && flag("write")) // the images' figures into BENCHMARKS.md
	await (await import("./esp-report.mjs")).writeEspReport(out, MODDABLE);
process.exit(failed ? 1 : 0);
