// XS side of the bridge: messages to and from Node (../framing.js, written the same on both
// sides). Objects Node delivers events for register here by id; several bundles evaluated in
// one worker share the registry through globalThis.
import "../builtins.js";
import { decode, encode as frame } from "../framing.js";

export const host = globalThis.__nodemcuHost ??= { next: 1, objects: new Map(), handlers: new Map() };

/** A message as the worker's pipe takes it: an ArrayBuffer of its own. */
export function encode(message, bytes) {
	const out = frame(message, bytes);
	return out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
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
	catch (error) { // on a device this would reach xsbug; here it must reach the test
		trace(`host: uncaught in ${message.op}: ${error}\n`);
		return encode({ error: { name: error?.name ?? "Error", message: String(error?.message ?? error) } });
	}
};

// xsnap's own trace writes nowhere we read: Moddable's trace goes to the host
globalThis.trace = (...parts) => {
	call({ op: "trace", text: parts.join("") });
};

// xsnap's Math.random starts from the same seed in every worker (xsnap is built for replayable
// snapshots), where a device's differs at each boot: an app that draws an id or a jitter at
// start would repeat itself after every restart. So it is seeded from Node's entropy here
// (xoshiro128**).
{
	const s = Uint32Array.from(call({ op: "seed" }).value);
	Math.random = function random() {
		const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
		const t = s[1] << 9;
		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = rotl(s[3], 11);
		return result / 2 ** 32;
	};
	function rotl(x, k) {
		return (x << k) | (x >>> (32 - k));
	}
}
