// XS built-ins that Moddable code may use and Node lacks, with XS's behaviour:
// String.fromArrayBuffer as ../from-array-buffer.js describes; ArrayBuffer.fromString encodes UTF-8.
import { fromArrayBuffer } from "../from-array-buffer.js";

const encoder = new TextEncoder();

if (!String.fromArrayBuffer)
	Object.defineProperty(String, "fromArrayBuffer", { configurable: true, writable: true, value: fromArrayBuffer });

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
