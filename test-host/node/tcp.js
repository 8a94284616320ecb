// ECMA-419 `embedded:io/socket/tcp` over Node's net, with the behaviour of Moddable's lwIP
// implementation (modules/io/socket/lwip/tcp.c) that the client depends on:
//  - the address must be an IP literal;
//  - onWritable(freeSpace) once connected and whenever send space comes back; write() throws
//    "would block" beyond the free space and returns nothing, so the app must count what it
//    wrote. The space models lwIP's send buffer (2 x 1,460 bytes on the ESP8266) and is given
//    back once Node has flushed;
//  - onReadable(bytesAvailable) as data arrives; read(buffer) fills exactly buffer.byteLength
//    bytes and throws "invalid" when that is 0 or more than is available;
//  - a refused, reset or peer-closed connection reports onError once, after the data already
//    received has been read;
//  - nothing is called back after close();
//  - nothing changes while the app's JavaScript runs: lwIP's callbacks run on the same task as
//    XS, between turns. The XS bridge freezes its sockets for each delivery (hostFreeze/hostThaw);
//    what the network did meanwhile (data, freed send space, failure) is applied at the thaw.
import net from "node:net";
import { isIPv4 } from "node:net";

const sockets = new Set();
const RECEIVE_WINDOW = 16 * 1460; // bytes held for the app before the sender is held back

export class HostSocket {
	#socket;
	#options;
	#free;
	#reserve; // kept out of what onWritable reports (TLS: room for a record's overhead)
	#overhead; // what each write costs beyond its bytes (TLS: a record's header, MAC, padding)
	#chunks = [];
	#available = 0;
	#failed = false;
	#closed = false;
	#errorPending = false;
	#cause; // what onError reports: only a TLS socket says why (see tls.js)
	#readablePending = false;
	#writablePending = false;
	#connected = false;
	#corked = false;
	#deferred; // while frozen: what the network did, applied at the thaw
	#refuseWrites = false;

	constructor(options, connect, { reserve = 0, overhead = 0 } = {}) {
		if (typeof options?.address !== "string" || !isIPv4(options.address))
			throw new Error("invalid address");
		this.#options = options;
		if ("target" in options) // ECMA-419: kept on the socket, which calls its callbacks as `this`
			this.target = options.target;
		this.#free = TCP.hostSendBufferSize;
		this.#reserve = reserve;
		this.#overhead = overhead;
		const socket = this.#socket = connect(options);
		sockets.add(this);
		socket.on("data", (data) => this.#network(this.#received, data));
		socket.on("error", (error) => this.#network(this.#fail, error));
		socket.on("end", () => this.#network(this.#fail));
		socket.on("close", () => this.#network(this.#fail));
	}

	/** Host only: every write from now on throws, as a failing network stack's would. */
	hostRefuseWrites() {
		this.#refuseWrites = true;
	}

	/** Host only: from now until hostThaw(), the counts the app sees stay as they are. */
	hostFreeze() {
		this.#deferred ??= [];
	}

	hostThaw() {
		const deferred = this.#deferred;
		this.#deferred = undefined;
		for (let i = 0; deferred && i < deferred.length; i += 2)
			deferred[i].call(this, deferred[i + 1]);
	}

	#network(action, argument) {
		if (this.#deferred)
			this.#deferred.push(action, argument);
		else
			action.call(this, argument);
	}

	#received(data) {
		this.#chunks.push(data);
		this.#available += data.length;
		if (this.#available > RECEIVE_WINDOW)
			this.#socket.pause(); // TCP's flow control: lwIP's window closes when its buffers fill
		this.#later("readable");
	}

	#sent(length) {
		this.#free += length;
		this.#later("writable");
	}

	/** Called by the connect function's "connected" event. */
	hostConnected() {
		this.#network(this.#opened);
	}

	#opened() {
		this.#connected = true;
		if (this.#options.nodelay)
			this.#socket.setNoDelay?.(true);
		this.#later("writable");
	}

	/** Host only: bytes received and not yet read, free send space (for the XS bridge, whose events arrive late). */
	get hostAvailable() {
		return this.#closed ? 0 : this.#available;
	}
	get hostFree() {
		return this.#closed || this.#failed ? 0 : Math.max(0, this.#free - this.#reserve);
	}

	get remoteAddress() {
		return this.#socket?.remoteAddress;
	}
	get remotePort() {
		return this.#socket?.remotePort;
	}

	read(into) {
		if (this.#closed)
			return undefined;
		let target, result;
		if (into === undefined) {
			if (!this.#available)
				return undefined;
			target = new Uint8Array(this.#available);
			result = target.buffer;
		}
		else if (typeof into === "number") {
			if (into <= 0 || into > this.#available)
				throw new Error("invalid");
			target = new Uint8Array(into);
			result = target.buffer;
		}
		else {
			target = into instanceof ArrayBuffer ? new Uint8Array(into) : new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
			if (!target.length || target.length > this.#available)
				throw new Error("invalid");
			result = target.length;
		}
		this.#take(target);
		return result;
	}

	write(data) {
		if (!this.#connected)
			throw new Error("not ready");
		if (this.#closed || this.#failed)
			return undefined;
		if (this.#refuseWrites)
			throw new Error("write failed");
		const bytes = Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
		const cost = bytes.length + this.#overhead;
		if (cost > this.#free)
			throw new Error("would block");
		this.#free -= cost;
		// lwIP queues writes (TCP_WRITE_FLAG_MORE) and sends them together when the stack next
		// runs; corking until the next tick gives Node the same coalescing
		if (!this.#corked) {
			this.#corked = true;
			this.#socket.cork();
			process.nextTick(() => {
				this.#corked = false;
				this.#socket.uncork();
			});
		}
		this.#socket.write(bytes, () => this.#network(this.#sent, cost));
	}

	close() {
		if (this.#closed)
			return;
		this.#closed = true;
		sockets.delete(this);
		this.#socket.end();
		setTimeout(() => this.#socket.destroy(), 1000).unref();
	}

	/** Host only: drops the connection at once, as a device losing power would. */
	hostDestroy() {
		this.#closed = true;
		sockets.delete(this);
		this.#socket.destroy();
	}

	#take(target) {
		let offset = 0;
		while (offset < target.length) {
			const chunk = this.#chunks[0];
			const n = Math.min(chunk.length, target.length - offset);
			target.set(chunk.subarray(0, n), offset);
			offset += n;
			if (n === chunk.length)
				this.#chunks.shift();
			else
				this.#chunks[0] = chunk.subarray(n);
		}
		this.#available -= target.length;
		if (this.#socket.isPaused() && this.#available <= RECEIVE_WINDOW / 2)
			this.#socket.resume();
		if (!this.#available && this.#errorPending)
			this.#later("error");
	}

	#fail(error) {
		if (this.#failed)
			return;
		this.#failed = true;
		this.#cause = error && this.hostCause?.(error);
		if (this.#available)
			this.#errorPending = true; // reported once the data already received has been read
		else
			this.#later("error");
	}

	#later(what) {
		if (what === "readable") {
			if (this.#readablePending)
				return;
			this.#readablePending = true;
		}
		else if (what === "writable") {
			if (this.#writablePending)
				return;
			this.#writablePending = true;
		}
		setImmediate(() => this.#network(this.#report, what));
	}

	#report(what) {
		if (what === "readable")
			this.#readablePending = false;
		else if (what === "writable")
			this.#writablePending = false;
		if (this.#closed)
			return;
		const options = this.#options;
		if (what === "readable") {
			if (this.#available)
				options.onReadable?.call(this, this.#available);
		}
		else if (what === "writable") {
			if (!this.#failed && this.#free > this.#reserve)
				options.onWritable?.call(this, this.#free - this.#reserve);
		}
		else {
			this.#errorPending = false;
			this.#closed = true;
			sockets.delete(this);
			this.#socket.destroy();
			options.onError?.call(this, this.#cause);
		}
	}
}

export default class TCP extends HostSocket {
	/** Host only: lwIP's send buffer, in bytes (ESP8266: 2 x 1,460). */
	static hostSendBufferSize = 2920;

	constructor(options) {
		super(options, (o) => {
			const socket = net.connect({ host: o.address, port: o.port });
			socket.once("connect", () => this.hostConnected());
			return socket;
		});
	}

	/** Host only: every open socket, TCP and TLS. */
	static get hostSockets() {
		return sockets;
	}
}
