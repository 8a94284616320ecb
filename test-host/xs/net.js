// `net` inside XS: lookups and values come from Node's host implementation.
import { call, host, on, register } from "./channel.js";

on("net.resolved", ({ id, name, address }) => {
	const callback = host.objects.get(id);
	host.objects.delete(id);
	callback?.(name, address ?? undefined);
});

export default class Net {
	static resolve(name, callback) {
		call({ op: "net.resolve", id: register(callback), name });
	}
	static get(what) {
		return call({ op: "net.get", what }).value;
	}
}
