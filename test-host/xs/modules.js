// `modules` inside XS: what the host image holds (see ../node/modules.js), asked of Node once.
import secure from "mqtt/secure";
import TLSSocket from "./tls.js";
import { call } from "./channel.js";

const SECURE = "mqtt/secure";
const TLS = "embedded:io/socket/tcp/tls";
const tls = call({ op: "image" }).value.tls;

export default class Modules {
	static has(name) {
		return (name === SECURE || name === TLS) && tls;
	}
	static importNow(name) {
		if (!Modules.has(name))
			throw new Error(`module "${name}" not found`);
		return name === TLS ? TLSSocket : secure;
	}
}
