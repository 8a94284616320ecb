// Moddable's `flash` module under Node, over the image's "storage" partition (../flash-medium.js).
import { image } from "./image.js";
import { FlashMedium } from "../flash-medium.js";

/** The `flash` object's interface over any medium (the store's tests give one of their own). */
export class MediumFlash {
	#medium;
	constructor(medium) {
		this.#medium = medium;
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
		const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
		this.#medium.write(offset, byteLength, bytes);
	}
}

export default class Flash extends MediumFlash {
	constructor(partition) {
		if (partition !== "storage")
			throw new Error("unknown partition");
		super(image.storage ??= new FlashMedium({ path: image.flash }));
	}
}
