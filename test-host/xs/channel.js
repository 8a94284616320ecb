// XS side of the bridge: messages to and from Node are UTF-8 JSON, optionally followed by a
// zero byte and raw bytes (socket data). Objects Node delivers events for register here by
// id; several bundles evaluated in one worker share the registry through globalThis.
import "./builtins.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const host = globalThis.__nodemcuHost ??= { next: 1, objects: new Map(), handlers: new Map() };

export function encode(message, bytes) {
	const head = encoder.encode(JSON.stringify(message));
	if (!bytes)
		return head.buffer;
	const out = new Uint8Array(head.length + 1 + bytes.byteLength);
	out.set(head, 0);
	out.set(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength), head.length + 1);
	return out.buffer;
}

export function decode(buffer) {
	const bytes = new Uint8Array(buffer);
	const zero = bytes.indexOf(0);
	const message = JSON.parse(decoder.decode(zero < 0 ? bytes : bytes.subarray(0, zero)));
	if (zero >= 0)
		message.bytes = bytes.subarray(zero + 1);
	return message;
}

/** A synchronous call into Node; throws what Node threw. */
export function call(message, bytes) {
	const reply = decode(issueCommand(encode(message, bytes)));
	if (reply.error)
		throw new Error(reply.error.message);
	return reply;
}

export function register(object) {
	const id = host.next++;
	host.objects.set(id, object);
	return id;
}

/** Node's deliveries are dispatched by op to the handler registered for it. */
export function on(op, handler) {
	host.handlers.set(op, handler);
}

globalThis.handleCommand ??= (buffer) => {
	const message = decode(buffer);
	const handler = host.handlers.get(message.op);
	if (!handler)
		return encode({ error: { name: "Error", message: `no handler for ${message.op}` } });
	try {
		return encode(handler(message) ?? {});
	}
	catch (error) {	// on a device this would reach xsbug; here it must reach the test
		trace(`host: uncaught in ${message.op}: ${error}\n`);
		return encode({ error: { name: error?.name ?? "Error", message: String(error?.message ?? error) } });
	}
};

// xsnap's own trace writes nowhere we read: Moddable's trace goes to the host
globalThis.trace = (...parts) => {
	call({ op: "trace", text: parts.join("") });
};
