// String.fromArrayBuffer(buffer[, byteOffset[, byteLength]]) for the engines that lack it (Node,
// and the xsnap build of XS), with the behaviour of Moddable's XS (SDK 8.2.3,
// xs/sources/xsString.c): zero bytes are kept (XS stores them as C0 80 since December 2023),
// and UTF-8 is checked only as XS checks it: a lead byte and the number of continuation bytes
// it announces. Overlong forms, surrogates and code points above U+10FFFF pass, decoded from
// their bits, so code that must reject them (topic names) has to check the bytes itself.
// test-host/tests/client.test.js pins what passes. One difference is left: XS takes any lead
// byte F0-FF as announcing three continuation bytes here, but its decoder reads F8-FB as five
// bytes and FC-FD as six, past the string's end; no stand-in can copy that, so this one decodes
// them as four bytes, and a code point above U+10FFFF as U+FFFD (README, "Payloads that are not UTF-8").
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function fromArrayBuffer(buffer, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) {
	if (!(buffer instanceof ArrayBuffer))
		throw new TypeError("argument: not an ArrayBuffer instance");
	if (byteOffset < 0 || byteOffset > buffer.byteLength)
		throw new RangeError(`invalid byteOffset ${byteOffset}`);
	if (byteLength < 0 || byteOffset + byteLength > buffer.byteLength)
		throw new RangeError(`invalid byteLength ${byteLength}`);
	const bytes = new Uint8Array(buffer, byteOffset, byteLength);
	try {
		return strict.decode(bytes); // well-formed UTF-8, the common case, in native code
	}
	catch {
		return lenient(bytes);
	}
}

function lenient(bytes) {
	let text = "";
	for (let i = 0; i < bytes.length;) {
		const first = bytes[i++];
		const more = first < 0x80 ? 0 : (first & 0xE0) === 0xC0 ? 1 : (first & 0xF0) === 0xE0 ? 2 : (first & 0xF0) === 0xF0 ? 3 : -1;
		if (more < 0 || i + more > bytes.length)
			throw new TypeError("invalid UTF-8");
		let code = more ? first & (0x3F >> more) : first;
		for (let k = 0; k < more; k++) {
			const next = bytes[i++];
			if ((next & 0xC0) !== 0x80)
				throw new TypeError("invalid UTF-8");
			code = (code << 6) | (next & 0x3F);
		}
		text += code > 0x10FFFF ? "\uFFFD" : String.fromCodePoint(code);
	}
	return text;
}
