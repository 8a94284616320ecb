// An app that uses the client as a package type-checks with the tsconfig the README gives
// (test-host/fixtures/consumer): the declarations come with the package (types.d.ts).
// tools/device-check.mjs builds the same fixture from the packed package with the SDK.
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

it("and the check is real: a wrong call in the consumer app is a type error", () => {
	const app = consumer();
	writeFileSync(join(app, "wrong.ts"), `import mqtt from "mqtt/client";\nmqtt.Client("x", 60).publish("t", 42, 0);\n`);
	const result = tsc(app);
	assert.notEqual(result.status, 0);
	assert.match(result.stdout, /wrong\.ts.*Argument of type 'number'/);
});
