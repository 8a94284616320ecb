// Moddable's `logical` (modules/data/logical/modLogical.c) for the host, in both engines: xor on
// a buffer in place, `src` (a buffer, a byte, or a string's bytes) repeated over `count` bytes of
// `dst`, the same checks and errors. Native on the device; here JavaScript that XS's meter counts,
// which the benchmarks price alone and take off (bench/run.mjs, webSocketRows).
function bytes(value, writable) {
	if (value instanceof ArrayBuffer)
		return new Uint8Array(value);
	if (ArrayBuffer.isView(value) && (value instanceof DataView || value.BYTES_PER_ELEMENT === 1))
		return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
	throw new TypeError(writable ? "invalid buffer" : "unsupported source");
}

export default class Logical {
	static xor(dst, src, count) {
		const to = bytes(dst, true);
		let from;
		if (typeof src === "number")
			from = [src & 0xff];
		else if (typeof src === "string")
			from = new Uint8Array(ArrayBuffer.fromString(src));
		else
			from = bytes(src, false);
		let length = to.length;
		if (count !== undefined) {
			if (!(count > 0) || count > length)
				throw new RangeError("invalid count");
			length = count;
		}
		for (let i = 0, j = 0; i < length; i++) {
			to[i] ^= from[j++];
			if (j === from.length)
				j = 0;
		}
	}
}
