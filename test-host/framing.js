// The messages between Node and the XS worker, written the same on both sides: UTF-8 JSON,
// optionally followed by a zero byte and raw bytes (socket data, certificates).
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The message and its bytes in one Uint8Array of its own. */
export function encode(message, bytes) {
	const head = encoder.encode(JSON.stringify(message));
	if (!bytes)
		return head;
	const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength);
	const out = new Uint8Array(head.length + 1 + view.length);
	out.set(head, 0);
	out.set(view, head.length + 1);
	return out;
}

/** The message, with its bytes (if any) as `bytes`, a view on the input. */
export function decode(input) {
	const buffer = input instanceof Uint8Array ? input : new Uint8Array(input);
	const zero = buffer.indexOf(0);
	const message = JSON.parse(decoder.decode(zero < 0 ? buffer : buffer.subarray(0, zero)));
	if (zero >= 0)
		message.bytes = buffer.subarray(zero + 1);
	return message;
}
