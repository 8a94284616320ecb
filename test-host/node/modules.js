// Moddable's `modules` on the host: Modules.has and Modules.importNow over the modules the
// host image holds that code looks up rather than imports: mqtt/secure and the TLS socket,
// when TLS is in.
import secure from "mqtt/secure";
import TLSSocket from "./tls.js";
import { image } from "./image.js";

const SECURE = "mqtt/secure";
const TLS = "embedded:io/socket/tcp/tls";

export default class Modules {
	static has(name) {
		return (name === SECURE || name === TLS) && image.tls;
	}
	static importNow(name) {
		if (!Modules.has(name))
			throw new Error(`module "${name}" not found`);
		return name === TLS ? TLSSocket : secure;
	}
}
