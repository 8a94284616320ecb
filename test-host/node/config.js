// `mc/config` on the host: the `config` of the repository's manifest.json, overridden by the
// JSON object in the MC_CONFIG environment variable (as mcconfig's key=value arguments override
// it on a device build), then by the engine that starts a device app. configFor() is the one
// reader: the XS engine hands its result to the worker.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const manifest = JSON.parse(readFileSync(fileURLToPath(new URL("../../manifest.json", import.meta.url)), "utf8"));
const config = {};

/** The config a device app sees, given the engine's overrides. */
export function configFor(overrides = {}) {
	return { ...manifest.config, ...(process.env.MC_CONFIG ? JSON.parse(process.env.MC_CONFIG) : {}), ...overrides };
}

/** Host only: the config every module importing mc/config sees from now on. */
export function hostConfigure(overrides = {}) {
	for (const key of Object.keys(config))
		delete config[key];
	Object.assign(config, configFor(overrides));
}

hostConfigure();

export default config;
