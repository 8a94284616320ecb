// XS built-ins a Moddable device has that the xsnap build of XS leaves out: String.fromArrayBuffer
// (decode UTF-8 from a region of a buffer, throwing on malformed input) and ArrayBuffer.fromString.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

if (typeof String.fromArrayBuffer !== "function") {
	String.fromArrayBuffer = function fromArrayBuffer(buffer, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) {
		if (!(buffer instanceof ArrayBuffer))
			throw new TypeError("argument: not an ArrayBuffer instance");
		if (byteOffset < 0 || byteOffset > buffer.byteLength)
			throw new RangeError(`invalid byteOffset ${byteOffset}`);
		if (byteLength < 0 || byteOffset + byteLength > buffer.byteLength)
			throw new RangeError(`invalid byteLength ${byteLength}`);
		return decoder.decode(new Uint8Array(buffer, byteOffset, byteLength));
	};
}

if (typeof ArrayBuffer.fromString !== "function") {
	ArrayBuffer.fromString = function fromString(string) {
		return encoder.encode(string).buffer;
	};
}
