// The XS built-ins a Moddable device has that the host's engines lack (Node, and xsnap's XS),
// installed where missing, in both: String.fromArrayBuffer and ArrayBuffer.fromString with the
// device's semantics (from-array-buffer.js, from-string.js), and ES2024's isWellFormed, which
// XS 8.2.3 has and xsnap's older XS does not.
import { fromArrayBuffer } from "./from-array-buffer.js";
import { fromString } from "./from-string.js";

const install = (target, name, value) => {
	if (typeof target[name] !== "function")
		Object.defineProperty(target, name, { configurable: true, writable: true, value });
};

install(String, "fromArrayBuffer", fromArrayBuffer);
install(ArrayBuffer, "fromString", fromString);
const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
install(String.prototype, "isWellFormed", function isWellFormed() {
	return !lone.test(String(this));
});
