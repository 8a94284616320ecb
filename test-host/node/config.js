// `mc/config` on the host: the `config` of the repository's manifest.json, overridden by the
// JSON object in the MC_CONFIG environment variable, as mcconfig's key=value arguments
// override it on a device build.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const manifest = JSON.parse(readFileSync(fileURLToPath(new URL("../../manifest.json", import.meta.url)), "utf8"));
const config = { ...manifest.config, ...(process.env.MC_CONFIG ? JSON.parse(process.env.MC_CONFIG) : {}) };

export default config;
