// Compiles modules/ and src/ for the host runtime with the repository's tsconfig.json (strict,
// no DOM or Node types) into build/host, mirroring the folders so that relative imports and
// Moddable specifiers resolve as they do on the device. Source maps beside the .js files map
// coverage (npm run coverage) back to the .ts lines; neither engine reads them otherwise.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}/build/host`, { recursive: true, force: true });
const tsc = `${root}/node_modules/typescript/bin/tsc`;
const result = spawnSync(process.execPath, [tsc, "-p", `${root}/tsconfig.json`, "--noEmit", "false", "--sourceMap"], { stdio: "inherit" });
if (result.status !== 0) {
	console.error("build-host: TypeScript errors");
	process.exit(1);
}
