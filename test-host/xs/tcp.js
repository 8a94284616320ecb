// `embedded:io/socket/tcp` inside XS: each socket is a Node host socket (test-host/node/tcp.js)
// driven through the bridge, so both engines share the same lwIP-like behaviour. read(buffer)
// is synchronous: the bytes come back with the reply and are copied into the caller's buffer.
import { call, host, on, register } from "./channel.js";

on("socket.event", ({ id, event, cause }) => {
	const socket = host.objects.get(id);
	socket?.hostEvent(event, cause);
});

export class BridgeSocket {
	#id;
	#options;

	constructor(options, kind) {
		this.#options = options;
		if ("target" in options) // ECMA-419: kept on the socket, which calls its callbacks as `this`
			this.target = options.target;
		this.#id = register(this);
		const { address, port, nodelay, host: name, secure } = options;
		const certificate = secure?.certificate;
		try {
			const bytes = (buffer) => buffer && Array.from(new Uint8Array(buffer));
			call({
				op: "socket.new",
				id: this.#id,
				kind,
				address,
				port,
				nodelay,
				host: name,
				verify: secure?.verify,
				serverName: secure?.serverName,
				clientCertificates: secure?.clientCertificates?.map(bytes),
				clientKey: bytes(secure?.clientKey),
				alpn: secure?.applicationLayerProtocolNegotiation,
			}, certificate);
		}
		catch (error) {
			host.objects.delete(this.#id);
			throw error;
		}
	}

	hostEvent(event, cause) {
		const options = this.#options;
		if (event === "readable" || event === "writable") {
			const [available, free] = call({ op: "socket.counts", id: this.#id }).value;
			if (event === "readable" && available)
				options.onReadable?.call(this, available);
			else if (event === "writable" && free)
				options.onWritable?.call(this, free);
		}
		else {
			host.objects.delete(this.#id);
			options.onError?.call(this, cause);
		}
	}

	read(into) {
		if (typeof into === "object") {
			const target = into instanceof ArrayBuffer ? new Uint8Array(into) : new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
			const reply = call({ op: "socket.read", id: this.#id, count: target.length, into: true });
			target.set(reply.bytes);
			return target.length;
		}
		const reply = call({ op: "socket.read", id: this.#id, count: into });
		return reply.bytes ? reply.bytes.slice().buffer : undefined;
	}

	write(data) {
		call({ op: "socket.write", id: this.#id }, data); // the framing takes a buffer or a view
	}

	close() {
		host.objects.delete(this.#id);
		call({ op: "socket.close", id: this.#id });
	}
}

export default class TCP extends BridgeSocket {
	constructor(options) {
		super(options, "tcp");
	}
}
