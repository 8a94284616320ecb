// XS built-ins that Moddable code may use and Node lacks, with XS's behaviour:
// String.fromArrayBuffer and ArrayBuffer.fromString as ../from-array-buffer.js and
// ../from-string.js describe, and trace.
import { fromArrayBuffer } from "../from-array-buffer.js";
import { fromString } from "../from-string.js";

if (!String.fromArrayBuffer)
	Object.defineProperty(String, "fromArrayBuffer", { configurable: true, writable: true, value: fromArrayBuffer });
if (!ArrayBuffer.fromString)
	Object.defineProperty(ArrayBuffer, "fromString", { configurable: true, writable: true, value: fromString });

if (!globalThis.trace) {
	globalThis.trace = (...parts) => {
		process.stdout.write(parts.join(""));
	};
}
