// The XS built-ins a Moddable device has that the xsnap build of XS leaves out:
// String.fromArrayBuffer and ArrayBuffer.fromString, as ../from-array-buffer.js and
// ../from-string.js describe.
import { fromArrayBuffer } from "../from-array-buffer.js";
import { fromString } from "../from-string.js";

if (typeof String.fromArrayBuffer !== "function")
	String.fromArrayBuffer = fromArrayBuffer;
if (typeof ArrayBuffer.fromString !== "function")
	ArrayBuffer.fromString = fromString;
