// An app that uses the client as a package type-checks with the tsconfig the README gives
// (test-host/fixtures/consumer, whose tsconfig.json is README's): the declarations come with
// the package (types.d.ts), and the package's own sources compile under the app's settings,
// which README's tsconfig sets to the strictest (noUncheckedIndexedAccess,
// exactOptionalPropertyTypes). tools/device-check.mjs builds the same fixture from the packed
// package with the SDK. The public types make a NodeMCU port type-check as written, and a
// mistake an error that says what is expected.
// TYPESCRIPT=path/to/typescript/bin/tsc runs these with another compiler (README says which
// versions pass); the pinned one by default.
import { it } from "mocha";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const compiler = process.env.TYPESCRIPT ?? join(root, "node_modules/typescript/bin/tsc");
const readme = readFileSync(join(root, "README.md"), "utf8");

function consumer() {
	const app = mkdtempSync(join(tmpdir(), "consumer-"));
	cpSync(join(root, "test-host/fixtures/consumer"), app, { recursive: true });
	mkdirSync(join(app, "node_modules"));
	symlinkSync(root, join(app, "node_modules/moddable-nodemcu-mqtt")); // as npm links a local package
	return app;
}
const tsc = (app) => spawnSync(process.execPath, [compiler, "-p", app], { encoding: "utf8" });

/** Type-checks `files` ({ name: code }) in the consumer app; returns tsc's errors, one string each. */
function check(files) {
	const app = consumer();
	for (const [name, code] of Object.entries(files))
		writeFileSync(join(app, name), code);
	const result = tsc(app);
	return result.stdout.split(/\n(?=\S)/).filter(Boolean);
}

/** Type-checks `code` after a client `m` is made; returns tsc's errors. */
const errors = (code) => check({ "case.ts": `import mqtt from "mqtt/client";\nconst m = mqtt.Client("clientid", 120);\n${code}\n` });

it("the fixture's tsconfig is README's", () => {
	const block = readme.match(/this `tsconfig.json` type-checks an app[^]*?```json\n([^]*?)```/);
	assert.ok(block, "README gives a tsconfig.json");
	const fixture = readFileSync(join(root, "test-host/fixtures/consumer/tsconfig.json"), "utf8");
	assert.deepEqual(JSON.parse(block[1]), JSON.parse(fixture));
});

it("a consumer app, README's TypeScript snippets and src/'s apps type-check with README's tsconfig, the package's sources included", () => {
	const files = {};
	for (const [i, [, code]] of [...readme.matchAll(/```ts\n([^]*?)```/g)].entries())
		files[`readme-${i}.ts`] = code;
	assert.ok(Object.keys(files).length >= 2, "README has its snippets");
	// each file of src/ flattened into the app's folder, its imports of its neighbours renamed to match
	const flat = (path) => `src-${path.replaceAll("/", "-")}`;
	for (const path of readdirSync(join(root, "src"), { recursive: true }).filter((name) => name.endsWith(".ts"))) {
		const code = readFileSync(join(root, "src", path), "utf8");
		files[flat(path)] = code.replace(/from "\.\/([\w-]+)\.js"/g, (_, name) => `from "./${flat(join(dirname(path), name))}.js"`);
	}
	assert.ok(Object.keys(files).length >= 8, "src/ has its apps");
	assert.deepEqual(check(files), []);
});

it("a port of the documentation's handlers type-checks: data is a string, or an ArrayBuffer with binary", () => {
	assert.deepEqual(
		errors(`
m.on("message", (client, topic, data) => { if (data !== undefined) trace(\`\${data.length} \${JSON.parse(data)}\`); });
m.on("overflow", (client, topic, data) => trace(\`\${topic} partial overflowed message: \${data}\`));
const b = mqtt.Client("id", 60, null, null, 1, 1024, { binary: true });
b.on("message", (client, topic, data) => trace(\`\${data?.byteLength}\`));
m.subscribe({ "topic/0": 0, "topic/1": 1, topic2: 2 }, (client, id, granted) => trace(\`\${granted[0]}\`));
m.publish("/topic", "hello", 0, 0, (client, id) => trace(\`sent \${id}\`));
m.lwt("/lwt", "offline", 0, 0);`),
		[],
	);
});

it("data is undefined for an empty payload, as nil in Lua: data.length needs the check first", () => {
	const [error] = errors(`m.on("message", (client, topic, data) => trace(\`\${data.length}\`));`);
	assert.match(error, /'data' is possibly 'undefined'/);
});

it("a misspelt event names the valid ones", () => {
	const [error] = errors(`m.on("conect", () => {});`);
	const expected = error.match(/Argument of type '"conect"' is not assignable to parameter of type '(.*)'/);
	assert.ok(expected, error);
	assert.deepEqual(expected[1].split(" | ").sort(), [
		'"connect"',
		'"connfail"',
		'"drained"',
		'"message"',
		'"offline"',
		'"overflow"',
		'"puback"',
		'"suback"',
		'"unsuback"',
	]);
});

it("a handler of the wrong shape names the expected one", () => {
	const [error] = errors(`m.on("message", (client, topic: number) => {});`);
	assert.match(error, /is not assignable to parameter of type '\(client: MQTTClient<string>, topic: string, data: string \| undefined\) => void'/);
});

it("a QoS literal other than 0, 1 or 2 is an error that names the QoS, wherever it is given", () => {
	const found = errors(
		`m.publish("t", "x", 3, 0);\nm.subscribe("t", 3);\nm.subscribe({ a: 5 });\nm.lwt("t", "x", 4);\nm.publish("t", "x", "3");\nm.publish("t", "x", 1, 2);`,
	);
	assert.equal(found.length, 6, found.join("\n"));
	assert.match(found[0], /case.ts\(3,21\): error TS2345: Argument of type '3' is not assignable to parameter of type 'QoS'/);
	assert.match(
		found[1],
		/case.ts\(4,18\): error TS2345: Argument of type '3' is not assignable to parameter of type 'QoS \| null \| undefined'/,
		"the qos is blamed, not the topic",
	);
	assert.match(found[2], /Type '5' is not assignable to type 'QoS( \| undefined)?'/);
	assert.match(found[3], /Argument of type '4' is not assignable to parameter of type 'QoS \| null \| undefined'/);
	assert.match(found[4], /Argument of type '"3"' is not assignable to parameter of type 'QoS'/);
	assert.match(found[5], /Argument of type '2' is not assignable to parameter of type 'Flag \| undefined'/);
});

it("numbers in variables, and strings of digits, type-check where NodeMCU's Lua takes them", () => {
	assert.deepEqual(
		errors(`
let qos = 1, retain = 0;
m.publish("t", "x", qos, retain);
m.subscribe("t", qos, () => trace("subscribed"));
m.lwt("t", "x", qos, retain);
const port: string = "1883";
m.publish("t", "x", "1", "1");
m.subscribe("t", "2");
m.connect("h", "1883", false);
m.connect("h", Number(port));
const n = mqtt.Client("id", "60", null, null, "0", "2048");`),
		[],
	);
});
