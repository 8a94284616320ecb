// XS built-ins that Moddable code may use and Node lacks, with XS's behaviour:
// String.fromArrayBuffer as ../from-array-buffer.js describes, and trace.
import { fromArrayBuffer } from "../from-array-buffer.js";

if (!String.fromArrayBuffer)
	Object.defineProperty(String, "fromArrayBuffer", { configurable: true, writable: true, value: fromArrayBuffer });

if (!globalThis.trace) {
	globalThis.trace = (...parts) => {
		process.stdout.write(parts.join(""));
	};
}
