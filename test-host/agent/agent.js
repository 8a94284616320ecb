// Runs inside the engine under test (Node or XS): creates clients with the public API and calls
// their methods on behalf of a test, turning placeholders into functions and byte buffers, and
// reporting every callback as an event. Values cross as JSON: see encode() and revive().
import mqtt from "mqtt/client";
import Time from "time";
import Flash from "flash";
import { Store } from "mqtt/store";
import Modules from "modules";
import client5 from "mqtt/client5"; // after mqtt/client, which it extends (see ../modules-core.js)

Modules.hostProvide("mqtt/client5", client5);

export function createAgent(emit) {
	const clients = [];

	function encode(value) {
		if (value === undefined)
			return { $undefined: true };
		if (value === null || typeof value !== "object")
			return value;
		const index = clients.indexOf(value);
		if (index >= 0)
			return { $client: index };
		if (value instanceof ArrayBuffer)
			return { $bytes: Array.from(new Uint8Array(value)) };
		if (ArrayBuffer.isView(value))
			return { $bytes: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
		if (Array.isArray(value))
			return value.map(encode);
		const result = {};
		for (const key of Object.keys(value))
			result[key] = encode(value[key]);
		return result;
	}

	function revive(value) {
		if (value === null || typeof value !== "object")
			return value;
		if (Array.isArray(value))
			return value.map(revive);
		if (value.$undefined)
			return undefined;
		if (value.$bytes)
			return new Uint8Array(value.$bytes).buffer;
		if (value.$view)
			return new Uint8Array(value.$view);
		if (value.$store) // as an app makes one: over the "storage" partition
			return new Store(new Flash("storage"), value.$store);
		if (value.$fn !== undefined) {
			const { $fn: label, throws, then } = value;
			return (...args) => {
				emit({ label, client: clients.indexOf(args[0]), args: args.map(encode) });
				if (then) // a method of the client called from inside the handler
					args[0][then]();
				if (throws)
					throw new Error(throws);
			};
		}
		const result = {};
		for (const key of Object.keys(value))
			result[key] = revive(value[key]);
		return result;
	}

	function guard(fn) {
		try {
			return { value: encode(fn()) };
		}
		catch (error) {
			return { error: { name: error?.name ?? "Error", message: String(error?.message ?? error) } };
		}
	}

	return function command(message) {
		switch (message.op) {
			case "new":
				return guard(() => {
					clients.push(mqtt.Client(...message.args.map(revive)));
					return clients.length - 1;
				});
			case "call":
				return guard(() => {
					const client = clients[message.client];
					return client[message.method](...message.args.map(revive));
				});
			case "calls": // several methods in one turn of JavaScript, as an app calls them
				return guard(() => {
					const client = clients[message.client];
					return message.calls.map(([method, ...args]) => client[method](...args.map(revive)));
				});
			case "get":
				return guard(() => clients[message.client][message.property]);
			case "time.set": // as an app setting the clock (SNTP) would
				return guard(() => Time.set(message.seconds));
			case "constants":
				return guard(() => ({ ...mqtt, Client: undefined }));
			case "probe":
				return {
					value: {
						issueCommand: typeof globalThis.issueCommand === "function",
						process: typeof globalThis.process === "object",
						fromArrayBufferNative: String(String.fromArrayBuffer).includes("[native code]"),
					},
				};
			default:
				return { error: { name: "Error", message: `agent: unknown op ${message.op}` } };
		}
	};
}
