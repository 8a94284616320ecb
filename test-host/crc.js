// Moddable's `crc` module (modules/data/crc) for both engines, as far as mqtt/store uses it:
// CRC16 with the device's semantics. On the device the checksum is native C over a table; here
// it is JavaScript, so the benchmarks take its cost off (bench/run.mjs, the store rows).
const reflect = (value, bits) => {
	let out = 0;
	for (let i = 0; i < bits; i++)
		out |= ((value >> i) & 1) << (bits - 1 - i);
	return out;
};

const tables = new Map(); // per polynomial: the device builds one per object, in C; here it is made once

export class CRC16 {
	#table;
	#reset;
	#crc;
	#reflectInput;
	#reflectOutput;
	#xorOutput;

	constructor(polynomial, initial = 0, reflectInput = false, reflectOutput = false, xorOutput = 0) {
		let table = tables.get(polynomial);
		if (!table) {
			table = new Uint16Array(256);
			for (let i = 0; i < 256; i++) {
				let crc = i << 8;
				for (let j = 0; j < 8; j++)
					crc = crc & 0x8000 ? (crc << 1) ^ polynomial : crc << 1;
				table[i] = crc;
			}
			tables.set(polynomial, table);
		}
		this.#table = table;
		this.#reset = this.#crc = initial & 0xffff;
		this.#reflectInput = !!reflectInput;
		this.#reflectOutput = !!reflectOutput;
		this.#xorOutput = xorOutput & 0xffff;
	}

	/** Goes on from the state the last call left (as the native one does) and returns the CRC so far. */
	checksum(buffer) {
		const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
		const table = this.#table;
		let crc = this.#crc;
		for (let i = 0; i < bytes.length; i++) {
			const b = this.#reflectInput ? reflect(bytes[i], 8) : bytes[i];
			crc ^= b << 8;
			crc = ((crc << 8) ^ table[(crc >> 8) & 0xff]) & 0xffff;
		}
		this.#crc = crc;
		return ((this.#reflectOutput ? reflect(crc, 16) : crc) ^ this.#xorOutput) & 0xffff;
	}

	reset() {
		this.#crc = this.#reset;
	}

	close() {}
}
