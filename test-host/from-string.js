// ArrayBuffer.fromString(string) for the engines that lack it (Node, and xsnap's XS, which is
// built with mxCESU8): the string's UTF-8 in a new ArrayBuffer, as Moddable's XS returns it
// (xs/sources/xsDataView.c), U+0000 included as a zero byte. XS copies the UTF-8 it keeps the
// string in, so a lone surrogate would come out as its three-byte form where TextEncoder writes
// U+FFFD; the client refuses lone surrogates before it asks, so the two never differ in its use.
// TextEncoder is native in both engines, so the stand-in costs about what the device's does.
const encoder = new TextEncoder();

export function fromString(string) {
	const bytes = encoder.encode(String(string));
	return bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}
