// An app that uses the client as a package type-checks with the tsconfig the README gives
// (test-host/fixtures/consumer): the declarations come with the package (types.d.ts).
// tools/device-check.mjs builds the same fixture from the packed package with the SDK.
// The public types make a NodeMCU port type-check as written, and a mistake an error that
// says what is expected.
import { it } from "mocha";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function consumer() {
	const app = mkdtempSync(join(tmpdir(), "consumer-"));
	cpSync(join(root, "test-host/fixtures/consumer"), app, { recursive: true });
	mkdirSync(join(app, "node_modules"));
	symlinkSync(root, join(app, "node_modules/moddable-nodemcu-mqtt"));	// as npm links a local package
	return app;
}
const tsc = (app) => spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", app], { encoding: "utf8" });

it("a consumer app type-checks with the README's tsconfig", () => {
	const result = tsc(consumer());
	assert.equal(result.status, 0, result.stdout);
});

/** Type-checks `code` as a file of the consumer app; returns tsc's errors, one string each. */
function errors(code) {
	const app = consumer();
	writeFileSync(join(app, "case.ts"), `import mqtt from "mqtt/client";\nconst m = mqtt.Client("clientid", 120);\n${code}\n`);
	const result = tsc(app);
	return result.stdout.split(/\n(?=\S)/).filter(Boolean);
}

it("a port of the documentation's handlers type-checks: data is a string, or an ArrayBuffer with binary", () => {
	assert.deepEqual(errors(`
m.on("message", (client, topic, data) => { if (data !== undefined) trace(\`\${data.length} \${JSON.parse(data)}\`); });
m.on("overflow", (client, topic, data) => trace(\`\${topic} partial overflowed message: \${data}\`));
const b = mqtt.Client("id", 60, null, null, 1, 1024, { binary: true });
b.on("message", (client, topic, data) => trace(\`\${data?.byteLength}\`));
m.subscribe({ "topic/0": 0, "topic/1": 1, topic2: 2 }, (client, id, granted) => trace(\`\${granted[0]}\`));
m.publish("/topic", "hello", 0, 0, (client, id) => trace(\`sent \${id}\`));
m.lwt("/lwt", "offline", 0, 0);`), []);
});

it("a misspelt event names the valid ones", () => {
	const [error] = errors(`m.on("conect", () => {});`);
	assert.match(error, /Argument of type '"conect"' is not assignable to parameter of type '"connect" \| "connfail" \| "offline" \| "message" \| "overflow" \| "puback" \| "suback" \| "unsuback"'/);
});

it("a handler of the wrong shape names the expected one", () => {
	const [error] = errors(`m.on("message", (client, topic: number) => {});`);
	assert.match(error, /is not assignable to parameter of type '\(client: MQTTClient<string>, topic: string, data: string \| undefined\) => void'/);
});

it("QoS is 0, 1 or 2 wherever it is given", () => {
	const found = errors(`m.publish("t", "x", 3, 0);\nm.subscribe("t", 3);\nm.subscribe({ a: 5 });\nm.lwt("t", "x", 4);`);
	assert.equal(found.length, 4, found.join("\n"));
	assert.match(found[0], /Argument of type '3' is not assignable to parameter of type 'QoS'/);
	assert.match(found[2], /Type '5' is not assignable to type 'QoS'/);
});
