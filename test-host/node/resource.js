// Moddable's `Resource` on the host: a read-only buffer of a file from the folder the engine
// was given as the app's resources; like the device's, it throws for a name it does not hold.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { image } from "./image.js";

const path = (name) => image.resources && join(image.resources, String(name));

export default class Resource {
	#bytes;
	constructor(name) {
		if (!Resource.exists(name))
			throw new Error(`Resource "${name}" not found`);
		this.#bytes = new Uint8Array(readFileSync(path(name)));
	}
	static exists(name) {
		return !!path(name) && existsSync(path(name));
	}
	get byteLength() {
		return this.#bytes.length;
	}
	slice(begin = 0, end = this.#bytes.length) {
		return this.#bytes.slice(begin, end).buffer;
	}
}
