// Runs a device app on the host runtime until it is killed, its trace() on stdout: what
// tools/power-cut.mjs starts and kills. Needs the host loader (node --import ./test-host/register.js).
//
//   node --import ./test-host/register.js tools/run-app.mjs --engine xs --flash storage.bin \
//        --config '{"broker":"127.0.0.1","port":1883}' examples/store/main
import { parseArgs } from "node:util";
import { startEngine } from "../test-host/engine.js";

const { values, positionals } = parseArgs({
	allowPositionals: true,
	options: { engine: { type: "string", default: "node" }, flash: { type: "string" }, config: { type: "string", default: "{}" } },
});
const engine = await startEngine(values.engine, { config: JSON.parse(values.config), flash: values.flash, onTrace: (text) => process.stdout.write(text) });
await engine.run(positionals[0] ?? "main");
