// The XS built-in a Moddable device has that the xsnap build of XS leaves out:
// String.fromArrayBuffer, as ../from-array-buffer.js describes.
import { fromArrayBuffer } from "../from-array-buffer.js";

if (typeof String.fromArrayBuffer !== "function")
	String.fromArrayBuffer = fromArrayBuffer;
