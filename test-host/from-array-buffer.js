// String.fromArrayBuffer(buffer[, byteOffset[, byteLength]]) for the engines that lack it (Node,
// and the xsnap build of XS), with what matters of Moddable's XS (xs/sources/xsString.c): the
// region is decoded up to its first zero byte, because XS strings are C strings, and malformed
// UTF-8 throws TypeError "invalid UTF-8". XS checks only lead and continuation bytes; this
// rejects overlong forms and surrogates too, which a client sees the same way: as an error.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function fromArrayBuffer(buffer, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) {
	if (!(buffer instanceof ArrayBuffer))
		throw new TypeError("argument is no ArrayBuffer instance");
	if (byteOffset < 0 || byteOffset > buffer.byteLength)
		throw new RangeError(`out of range byteOffset ${byteOffset}`);
	if (byteLength < 0 || byteOffset + byteLength > buffer.byteLength)
		throw new RangeError(`out of range byteLength ${byteLength}`);
	let text;
	try {
		text = decoder.decode(new Uint8Array(buffer, byteOffset, byteLength));
	}
	catch {
		throw new TypeError("invalid UTF-8");
	}
	// searching the string, not the bytes: xsnap meters a typed array's search per element, and
	// the device's own scan is not JavaScript work
	const zero = text.indexOf("\u0000");
	return zero < 0 ? text : text.slice(0, zero);
}
