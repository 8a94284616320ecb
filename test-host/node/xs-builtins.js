// XS built-ins that Moddable code may use and Node lacks, with XS's behaviour:
// String.fromArrayBuffer decodes UTF-8 from a region of a buffer and throws on malformed input
// (xs/sources/xsString.c); ArrayBuffer.fromString encodes UTF-8.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

if (!String.fromArrayBuffer) {
	Object.defineProperty(String, "fromArrayBuffer", {
		configurable: true,
		writable: true,
		value(buffer, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) {
			if (!(buffer instanceof ArrayBuffer) && !(buffer instanceof SharedArrayBuffer))
				throw new TypeError("argument: not an ArrayBuffer instance");
			if (byteOffset < 0 || byteOffset > buffer.byteLength)
				throw new RangeError(`invalid byteOffset ${byteOffset}`);
			if (byteLength < 0 || byteOffset + byteLength > buffer.byteLength)
				throw new RangeError(`invalid byteLength ${byteLength}`);
			try {
				return decoder.decode(new Uint8Array(buffer, byteOffset, byteLength));
			}
			catch {
				throw new TypeError("invalid UTF-8");
			}
		},
	});
}

if (!ArrayBuffer.fromString) {
	Object.defineProperty(ArrayBuffer, "fromString", {
		configurable: true,
		writable: true,
		value(string) {
			const bytes = encoder.encode(string);
			return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
		},
	});
}

if (!globalThis.trace) {
	globalThis.trace = (...parts) => {
		process.stdout.write(parts.join(""));
	};
}
