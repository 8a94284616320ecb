// The XS built-ins a Moddable device has that the xsnap build of XS leaves out:
// String.fromArrayBuffer and ArrayBuffer.fromString, as ../from-array-buffer.js and
// ../from-string.js describe, and ES2024's String.prototype.isWellFormed (XS 8.2.3 has it).
import { fromArrayBuffer } from "../from-array-buffer.js";
import { fromString } from "../from-string.js";

if (typeof String.fromArrayBuffer !== "function")
	String.fromArrayBuffer = fromArrayBuffer;
if (typeof ArrayBuffer.fromString !== "function")
	ArrayBuffer.fromString = fromString;

if (typeof String.prototype.isWellFormed !== "function") {
	const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
	Object.defineProperty(String.prototype, "isWellFormed", {
		configurable: true,
		writable: true,
		value: function isWellFormed() {
			return !lone.test(String(this));
		},
	});
}
