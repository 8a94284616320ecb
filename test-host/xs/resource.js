// `Resource` inside XS: the bytes of a file of the app's resources, read by Node.
import { call } from "./channel.js";

export default class Resource {
	#bytes;
	constructor(name) {
		const reply = call({ op: "resource", name: String(name) });
		if (!reply.bytes)
			throw new Error(`Resource "${name}" not found`);
		this.#bytes = reply.bytes.slice();
	}
	static exists(name) {
		return call({ op: "resource", name: String(name), exists: true }).value;
	}
	get byteLength() {
		return this.#bytes.length;
	}
	slice(begin = 0, end = this.#bytes.length) {
		return this.#bytes.slice(begin, end).buffer;
	}
}
