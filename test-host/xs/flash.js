// Moddable's `flash` module inside XS: the partition lives in Node (../flash-medium.js), so a
// process killed at any moment leaves exactly the writes that returned, and the XS heap holds
// nothing of it but this object.
import { call } from "./channel.js";

export default class Flash {
	#byteLength;
	#blockSize;
	constructor(partition) {
		if (partition !== "storage")
			throw new Error("unknown partition");
		[this.#byteLength, this.#blockSize] = call({ op: "flash.open" }).value;
	}
	get blockSize() {
		return this.#blockSize;
	}
	get byteLength() {
		return this.#byteLength;
	}
	erase(sector) {
		call({ op: "flash.erase", sector });
	}
	read(offset, byteLength) {
		return call({ op: "flash.read", offset, byteLength }).bytes.slice().buffer;
	}
	write(offset, byteLength, buffer) {
		call({ op: "flash.write", offset, byteLength }, buffer); // the framing takes a buffer or a view
	}
}
