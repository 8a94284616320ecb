// XS built-ins a Moddable device has that the xsnap build of XS leaves out: String.fromArrayBuffer
// (as ../from-array-buffer.js describes) and ArrayBuffer.fromString.
import { fromArrayBuffer } from "../from-array-buffer.js";

const encoder = new TextEncoder();

if (typeof String.fromArrayBuffer !== "function")
	String.fromArrayBuffer = fromArrayBuffer;

if (typeof ArrayBuffer.fromString !== "function") {
	ArrayBuffer.fromString = function fromString(string) {
		return encoder.encode(string).buffer;
	};
}
