// The ESP8266's SPI NOR flash as Moddable's `flash` module shows it (modules/files/flash/esp/
// flash.c over modSPIWrite/modSPIErase in xs/platforms/esp/xsHost.c), for both engines' stand-in:
// - the "storage" partition, _SPIFFS_start to _SPIFFS_end of the SDK's eagle.flash.4m.ld
//   (3,117,056 bytes), in sectors of 4,096 bytes (SPI_FLASH_SEC_SIZE);
// - an erase sets a sector to 0xFF; a write can only clear bits (the flash ANDs what it is
//   given with what it holds), at any offset and length: modSPIWrite pads to whole words with
//   0xFF, which changes nothing;
// - the same errors for the same misuse ("invalid offset", "invalid length", "invalid sector").
// With a file behind it the medium is written through, synchronously, so what a process killed
// at any moment leaves behind is exactly the writes that returned: what a power cut leaves.
// Where it differs from the device: no timing (an erase takes tens of milliseconds there),
// no wear-out, and a cut inside one write is simulated only where a test asks (cutAfter).
import { closeSync, existsSync, openSync, readSync, writeSync } from "node:fs";

export const SECTOR = 4096;
const STORAGE_BYTES = 0x405fb000 - 0x40302000;

/** Thrown by a write or erase that the simulated power cut interrupted. */
export class PowerCut extends Error {}

export class FlashMedium {
	#bytes;
	#fd;
	#cut = -1; // bytes that may still be programmed before the power goes; -1 never
	#random;
	#quiet = false; // a cut leaves the medium dead rather than throwing (cutAfter's quiet)
	#dead = false; // the power went: nothing more is programmed or erased
	erased = 0;
	programmed = 0; // bytes written, for the wear figures (bench/wake.mjs)

	/** `path`: a file that keeps the partition across processes; without it, memory only. */
	constructor({ path, byteLength = STORAGE_BYTES } = {}) {
		this.#bytes = new Uint8Array(byteLength).fill(0xff);
		if (path) {
			const fresh = !existsSync(path);
			this.#fd = openSync(path, fresh ? "w+" : "r+");
			if (fresh)
				writeSync(this.#fd, this.#bytes, 0, byteLength, 0);
			else
				readSync(this.#fd, this.#bytes, 0, byteLength, 0);
		}
	}

	get byteLength() {
		return this.#bytes.length;
	}
	get blockSize() {
		return SECTOR;
	}
	/** The partition's bytes as they are (tests read and damage them). */
	get bytes() {
		return this.#bytes;
	}

	/**
	 * The power goes after `bytes` more bytes are programmed; the byte it stops in gets some of
	 * its bits. The write or erase it stops in throws PowerCut, or with `quiet` returns, and the
	 * medium then takes no more: the process that wrote may run on until the test resets it, as
	 * a device's RAM outlives its flash's supply by nothing that matters.
	 */
	cutAfter(bytes, random = Math.random, { quiet = false } = {}) {
		this.#cut = bytes;
		this.#random = random;
		this.#quiet = quiet;
		this.#dead = false;
	}

	read(offset, byteLength) {
		this.#check(offset, byteLength);
		return this.#bytes.slice(offset, offset + byteLength);
	}

	write(offset, byteLength, source) {
		this.#check(offset, byteLength);
		if (source.length < byteLength)
			throw new Error("invalid");
		const bytes = this.#bytes;
		if (this.#dead)
			return;
		this.programmed += byteLength;
		for (let i = 0; i < byteLength; i++) {
			if (this.#cut === 0) {
				bytes[offset + i] &= source[i] | Math.floor(this.#random() * 256); // some of its bits
				this.#persist(offset, i + 1);
				return this.#stop(`power cut at byte ${i} of a ${byteLength}-byte write`);
			}
			if (this.#cut > 0)
				this.#cut--;
			bytes[offset + i] &= source[i];
		}
		this.#persist(offset, byteLength);
	}

	erase(sector) {
		if (sector < 0 || sector >= this.#bytes.length / SECTOR)
			throw new Error("invalid sector");
		const at = sector * SECTOR, bytes = this.#bytes;
		if (this.#dead)
			return;
		if (this.#cut === 0) { // a cut erase has taken each 0 bit to 1 with a chance that is how far it got
			const progress = this.#random() ** 4; // more often early: the cases that keep most of the old bits
			for (let i = at; i < at + SECTOR; i++) {
				for (let bit = 1; bit < 256; bit <<= 1) {
					if (!(bytes[i] & bit) && this.#random() < progress)
						bytes[i] |= bit;
				}
			}
			this.#persist(at, SECTOR);
			return this.#stop(`power cut while erasing sector ${sector}`);
		}
		bytes.fill(0xff, at, at + SECTOR);
		this.erased++;
		this.#persist(at, SECTOR);
	}

	#stop(why) {
		this.#cut = -1;
		if (!this.#quiet)
			throw new PowerCut(why);
		this.#dead = true;
	}

	#check(offset, byteLength) {
		if (!Number.isInteger(offset) || offset < 0 || offset >= this.#bytes.length)
			throw new Error("invalid offset");
		if (!Number.isInteger(byteLength) || byteLength <= 0 || offset + byteLength > this.#bytes.length)
			throw new Error("invalid length");
	}

	/** Lets go of the file: what was written is in it already. */
	close() {
		if (this.#fd !== undefined)
			closeSync(this.#fd);
		this.#fd = undefined;
	}

	#persist(offset, length) {
		if (this.#fd !== undefined)
			writeSync(this.#fd, this.#bytes, offset, length, offset);
	}
}
