// The manifests name files that exist, and every module the sources import is ours, the SDK's
// (through a manifest we include) and the host runtime's; every config key read is declared.
import { it } from "mocha";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkManifests, mappingsFor } from "../../tools/check-manifest.mjs";

it("manifests, imports and config keys agree", async () => {
	const result = await checkManifests();
	assert.deepEqual(result.problems, []);
	assert.ok(result.ours.includes("mqtt/client"));
	for (const specifier of ["timer", "time", "net", "embedded:io/socket/tcp", "modules", "mc/config", "wifi", "sntp", "Resource"])
		assert.ok(result.specifiers.includes(specifier), `${specifier} is imported and checked`);
	for (const key of ["ssid", "password", "broker", "port", "clientid", "prefix", "interval"])
		assert.ok(result.config.includes(key), `config.${key} is declared`);
});

it("module mappings resolve per platform as mcconfig's do: a module mapped at the top and for one platform is mapped twice there", () => {
	const dir = mkdtempSync(join(tmpdir(), "manifest-"));
	writeFileSync(
		join(dir, "manifest.json"),
		JSON.stringify({
			modules: { "a/both": "./generic", "a/fallback": "./generic" },
			platforms: {
				esp: { modules: { "a/both": "./esp/special", "a/mine": "./esp/mine" } },
				"esp32/*": { modules: { "a/mine": "./esp32/mine" } },
				"...": { modules: { "a/mine": "./elsewhere" } },
			},
		}),
	);
	const on = (platform) => Object.fromEntries([...mappingsFor(platform, [join(dir, "manifest.json")])].map(([k, v]) => [k, v.length]));
	assert.deepEqual(on("esp"), { "a/both": 2, "a/fallback": 1, "a/mine": 1 });
	assert.deepEqual(on("esp32/m5stack"), { "a/both": 1, "a/fallback": 1, "a/mine": 1 });
	assert.deepEqual(on("lin"), { "a/both": 1, "a/fallback": 1, "a/mine": 1 });
	assert.deepEqual(mappingsFor("lin", [join(dir, "manifest.json")]).get("a/mine").map((p) => p.split("/").pop()), ["elsewhere"]);
});
