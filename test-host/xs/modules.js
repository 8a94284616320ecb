// `modules` inside XS: what the host image holds (see ../node/modules.js), asked of Node once.
import secure from "mqtt/secure";
import { call } from "./channel.js";

const SECURE = "mqtt/secure";
const tls = call({ op: "image" }).value.tls;

export default class Modules {
	static has(name) {
		return name === SECURE && tls;
	}
	static importNow(name) {
		if (!Modules.has(name))
			throw new Error(`module "${name}" not found`);
		return secure;
	}
}
