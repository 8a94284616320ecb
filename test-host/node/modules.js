// Moddable's `modules` on the host: Modules.has and Modules.importNow over the modules the
// host image holds that code looks up rather than imports: mqtt/secure, when TLS is in.
import secure from "mqtt/secure";
import { image } from "./image.js";

const SECURE = "mqtt/secure";

export default class Modules {
	static has(name) {
		return name === SECURE && image.tls;
	}
	static importNow(name) {
		if (!Modules.has(name))
			throw new Error(`module "${name}" not found`);
		return secure;
	}
}
