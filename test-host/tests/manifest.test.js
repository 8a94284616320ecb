// The manifests name files that exist, and every module the sources import is ours, the SDK's
// (through a manifest we include) and the host runtime's; every config key read is declared.
import { it } from "mocha";
import assert from "node:assert/strict";
import { checkManifests } from "../../tools/check-manifest.mjs";

it("manifests, imports and config keys agree", async () => {
	const result = await checkManifests();
	assert.deepEqual(result.problems, []);
	assert.ok(result.ours.includes("mqtt/client"));
	for (const specifier of ["timer", "net", "embedded:io/socket/tcp", "embedded:io/socket/tcp/tls", "mc/config", "wifi"])
		assert.ok(result.specifiers.includes(specifier), `${specifier} is imported and checked`);
	for (const key of ["ssid", "password", "broker", "port", "clientid", "prefix", "interval"])
		assert.ok(result.config.includes(key), `config.${key} is declared`);
});
