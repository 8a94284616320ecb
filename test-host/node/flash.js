// Moddable's `flash` module under Node, over the image's "storage" partition (../flash-medium.js).
import { image } from "./image.js";
import { storagePartition } from "../flash-medium.js";

export default class Flash {
	#medium;
	constructor(partition) {
		if (partition !== "storage")
			throw new Error("unknown partition");
		this.#medium = image.storage ??= storagePartition();
	}
	get blockSize() {
		return this.#medium.blockSize;
	}
	get byteLength() {
		return this.#medium.byteLength;
	}
	erase(sector) {
		this.#medium.erase(sector);
	}
	read(offset, byteLength) {
		return this.#medium.read(offset, byteLength).buffer;
	}
	write(offset, byteLength, buffer) {
		this.#medium.write(offset, byteLength, bytesOf(buffer));
	}
}

function bytesOf(buffer) {
	return ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
}
