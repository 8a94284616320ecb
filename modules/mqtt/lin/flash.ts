/*
 * Moddable's `flash` module for the lin (Linux simulator) build, which the SDK does not provide
 * there: the ESP8266's "storage" partition as a file, through the SDK's `file` module, with the
 * device's semantics (4,096-byte sectors that erase to 0xFF, writes that can only clear bits,
 * the same errors), so that mqtt/store runs in mcsim as it runs on the device. Each write is
 * flushed by the file module: what a killed simulator leaves is what a power cut leaves.
 */
import { File } from "file";
import config from "mc/config";

const SECTOR = 4096;
const PARTITION = 3_117_056; // _SPIFFS_start to _SPIFFS_end in the SDK's eagle.flash.4m.ld

export default class Flash {
	private file: File;

	constructor(partition: string) {
		if (partition !== "storage")
			throw new Error("unknown partition");
		// one file per simulated device: the one `flashFile` names, else the same for every app
		const { flashFile, file } = config as unknown as { flashFile: string; file: { root: string } };
		this.file = new File(flashFile || `${file.root}moddable-storage.bin`, true);
	}
	get blockSize(): number {
		return SECTOR;
	}
	get byteLength(): number {
		return PARTITION;
	}

	erase(sector: number): void {
		if (!Number.isInteger(sector) || sector < 0 || sector >= PARTITION / SECTOR)
			throw new Error("invalid sector");
		this.put(sector * SECTOR, new Uint8Array(SECTOR).fill(0xff));
	}

	read(offset: number, byteLength: number): ArrayBuffer {
		check(offset, byteLength);
		const bytes = new Uint8Array(byteLength).fill(0xff); // never written: erased
		const file = this.file, stored = Math.min(byteLength, file.length - offset);
		if (stored > 0) {
			file.position = offset;
			bytes.set(new Uint8Array(file.read(ArrayBuffer, stored)));
		}
		return bytes.buffer;
	}

	write(offset: number, byteLength: number, buffer: ArrayBuffer | ArrayBufferView): void {
		check(offset, byteLength);
		const source = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
		if (source.length < byteLength)
			throw new Error("invalid");
		const bytes = new Uint8Array(this.read(offset, byteLength));
		for (let i = 0; i < byteLength; i++)
			bytes[i]! &= source[i]!;
		this.put(offset, bytes);
	}

	/** Writes at `offset`, first filling any gap past the file's end with 0xFF (a hole would read as 0). */
	private put(offset: number, bytes: Uint8Array): void {
		const file = this.file;
		if (file.length < offset) {
			file.position = file.length;
			file.write(new Uint8Array(offset - file.length).fill(0xff).buffer);
		}
		file.position = offset;
		file.write(bytes.buffer);
	}
}

function check(offset: number, byteLength: number): void {
	if (!Number.isInteger(offset) || offset < 0 || offset >= PARTITION)
		throw new Error("invalid offset");
	if (!Number.isInteger(byteLength) || byteLength <= 0 || offset + byteLength > PARTITION)
		throw new Error("invalid length");
}
