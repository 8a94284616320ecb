// Which file implements each Moddable module specifier on the host, per engine. The device
// build gets the same specifiers from the manifests; here they resolve to the compiled
// modules/ and src/ (build/host) and to host implementations of the SDK's modules.
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));

export const PLATFORM = {
	"timer": { node: "test-host/node/timer.js", xs: "test-host/xs/timer.js" },
	"net": { node: "test-host/node/net.js", xs: "test-host/xs/net.js" },
	"wifi": { node: "test-host/wifi.js", xs: "test-host/wifi.js" },
	"mc/config": { node: "test-host/node/config.js", xs: "test-host/xs/config.js" },
	"embedded:io/socket/tcp": { node: "test-host/node/tcp.js", xs: "test-host/xs/tcp.js" },
	"embedded:io/socket/tcp/tls": { node: "test-host/node/tls.js", xs: "test-host/xs/tls.js" },
	"modules": { node: "test-host/node/modules.js", xs: "test-host/xs/modules.js" },
	"time": { node: "test-host/node/time.js", xs: "test-host/xs/time.js" },
	"sntp": { node: "test-host/sntp.js", xs: "test-host/sntp.js" },
	"Resource": { node: "test-host/node/resource.js", xs: "test-host/xs/resource.js" },
	"flash": { node: "test-host/node/flash.js", xs: "test-host/xs/flash.js" },
	"crc": { node: "test-host/crc.js", xs: "test-host/crc.js" },
	"logical": { node: "test-host/logical.js", xs: "test-host/logical.js" },
};

/** Absolute path of the file that implements `specifier` on `engine` ("node" or "xs"), or undefined. */
export function specifierFor(specifier, engine) {
	const platform = PLATFORM[specifier];
	if (platform)
		return join(root, platform[engine]);
	if (specifier.startsWith("mqtt/"))
		return join(root, "build/host/modules", `${specifier}.js`);
	if (specifier === "main" || specifier.startsWith("examples/"))
		return join(root, "build/host/src", `${specifier}.js`);
	return undefined;
}
