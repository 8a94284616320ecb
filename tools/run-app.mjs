// Runs a device app on the host runtime until it is killed, its trace() on stdout: what
// tools/power-cut.mjs starts and kills. Needs the host loader (node --import ./test-host/register.js).
//
//   node --import ./test-host/register.js tools/run-app.mjs --engine xs --flash storage.bin \
//        --config '{"broker":"127.0.0.1","port":1883}' examples/store/main
import { startEngine } from "../test-host/engine.js";

const args = process.argv.slice(2);
const option = (name, fallback) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const engineName = option("engine", "node");
const flash = option("flash", undefined);
const config = JSON.parse(option("config", "{}"));
const app = args[0] ?? "main";

const engine = await startEngine(engineName, { config, flash, onTrace: (text) => process.stdout.write(text) });
await engine.run(app);
