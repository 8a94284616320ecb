/*
 * The one file that touches the network and timer modules: a Link over Moddable's ECMA-419
 * TCP socket, `net` for DNS, and one `timer`. TLS is in secure.ts, which is in an image only
 * when the app includes manifest_tls.json (the TLS socket is about 185 KB of flash on the
 * ESP8266): it is looked up with Modules.importNow when a secure connection opens.
 *
 * ECMA-419 over lwIP because read(buffer) copies received bytes straight into the session's
 * receive buffer, and onWritable reports the free send space, so a packet larger than lwIP's
 * send buffer is written in pieces instead of failing. The ECMA-419 socket takes an IP
 * address only: names go through Net.resolve first, which also lets a DNS failure be told
 * apart from a refused connection.
 *
 * What Moddable's sockets do, and this file allows for (modules/io/socket/lwip/tcp.c,
 * examples/io/tcp/tlssocket/tlssocket.js):
 *  - TCP write() throws "would block" past the free space, and returns nothing in SDKs before
 *    December 2024 (the free space since); lwIP cannot run during a turn of JavaScript, so the space
 *    left is exactly what onWritable said less what was written since: counted here.
 *  - the TLS socket reports its free space less 96 bytes and every write adds a record of up
 *    to 96 bytes more; before May 2023 its read() ignored a buffer argument, so TLS reads ask for
 *    a count (every version serves it) and the new ArrayBuffer is copied into the session's.
 */

import TCP from "embedded:io/socket/tcp";
import Modules from "modules";
import Net from "net";
import Time from "time";
import Timer from "timer";
import type { Link, LinkOwner, Secure, SecureHost, Socket, TLSOptions, WebSocketModule, WebSocketTarget } from "./link.js";

const SECURE = "mqtt/secure";
const WEBSOCKET = "mqtt/websocket";
const enum Tls {
	RECORD = 96,
} // the most one TLS record adds to what it carries (Moddable's own estimate)

/** Dotted-quad IPv4 literal: no lookup needed. */
function isAddress(host: string): boolean {
	let dots = 0, digits = 0;
	for (let i = 0; i < host.length; i++) {
		const c = host.charCodeAt(i);
		if (c === 0x2E) {
			if (!digits)
				return false;
			dots++;
			digits = 0;
		}
		else if (c >= 0x30 && c <= 0x39 && ++digits <= 3)
			continue;
		else
			return false;
	}
	return dots === 3 && digits > 0;
}

type PlainSocket = Socket & { target: Transport };

export class Transport implements Link, SecureHost {
	/** mqtt/secure when this image has TLS (the app included manifest_tls.json), else undefined. */
	static get secure(): Secure | undefined {
		return Modules.has(SECURE) ? Modules.importNow(SECURE) as Secure : undefined;
	}

	/** The link a client's session drives: a transport, under mqtt/websocket's when the image has it. */
	static link(): Link {
		return Modules.has(WEBSOCKET) ? (Modules.importNow(WEBSOCKET) as WebSocketModule).link(new Transport()) : new Transport();
	}

	/** connect()'s ws:// or wss:// URL, checked by mqtt/websocket with the port and secure given beside it. */
	static url(m: string, url: string, given: unknown[]): WebSocketTarget {
		if (!Modules.has(WEBSOCKET))
			throw new Error(`${m}: a ws:// or wss:// host needs modules/mqtt/manifest_ws.json`);
		return (Modules.importNow(WEBSOCKET) as WebSocketModule).parse(m, url, given);
	}

	owner: LinkOwner | undefined;
	socket: Socket | undefined;
	private timer: Timer | undefined; // armed and not yet fired
	private fire: (() => void) | undefined; // its callback, made once
	generation = 0; // callbacks of a closed socket or a stale lookup are ignored
	private live: Socket | undefined; // the plain socket whose callbacks count
	free = 0; // send space: what onWritable reported less what was written since
	private secure = false;
	private clock = 0; // ms, monotonic: see now()
	private ticks = Time.ticks;

	attach(owner: LinkOwner): void {
		this.owner = owner;
	}

	resolve(host: string): void {
		const generation = ++this.generation;
		const answer = (address: string | undefined) => {
			if (generation === this.generation)
				this.owner!.linkResolved(address);
		};
		if (isAddress(host)) {
			Timer.set(() => answer(host), 0);
			return;
		}
		try {
			Net.resolve(host, (name, address) => answer(address));
		}
		catch { // lwIP's queue of lookups is full
			Timer.set(() => answer(undefined), 0);
		}
	}

	// One set of callbacks for every plain socket, which calls them with itself as `this` and has
	// the transport as its `target` (ECMA-419): no closures per connection.
	private static readable(this: PlainSocket, count: number): void {
		const transport = this.target;
		if (transport.live === this)
			transport.owner!.linkReadable(count);
	}
	private static writable(this: PlainSocket, count: number): void {
		const transport = this.target;
		if (transport.live === this)
			transport.owner!.linkWritable(transport.free = count);
	}
	private static error(this: PlainSocket): void {
		const transport = this.target;
		if (transport.live === this)
			transport.owner!.linkError();
	}

	open(address: string, port: number, host: string, secure: boolean, tls: TLSOptions | undefined): void {
		this.free = 0;
		this.secure = secure;
		if (!secure) {
			const options = {
				address,
				port,
				nodelay: true,
				target: this,
				onReadable: Transport.readable,
				onWritable: Transport.writable,
				onError: Transport.error,
			};
			this.socket = this.live = new TCP(options as unknown as ConstructorParameters<typeof TCP>[0]) as unknown as Socket;
			return;
		}
		Transport.secure!.open(this, address, port, host, tls);
	}

	read(into: Uint8Array, offset: number, length: number): number {
		if (this.secure)
			into.set(new Uint8Array(this.socket!.read(length) as ArrayBuffer), offset);
		else
			this.socket!.read(offset === 0 && length === into.length ? into : into.subarray(offset, offset + length));
		return length;
	}

	write(from: Uint8Array, offset: number, length: number): number {
		try {
			this.socket!.write(offset === 0 && length === from.length ? from : from.subarray(offset, offset + length));
		}
		catch { // the stream has lost bytes and cannot go on: nothing more from this socket
			this.failLater();
			return this.free = 0;
		}
		this.free -= this.secure ? length + Tls.RECORD : length;
		return this.free > 0 ? this.free : 0;
	}

	/** Reports the link lost from a turn of its own, never from inside the session's call. */
	failLater(cause?: string): void {
		const generation = ++this.generation; // nothing more from the failed socket
		this.live = undefined;
		Timer.set(() => {
			if (generation === this.generation)
				this.owner!.linkError(cause);
		}, 0);
	}

	close(): void {
		this.generation++;
		this.live = undefined;
		const socket = this.socket;
		this.socket = undefined;
		socket?.close();
		this.cancel();
	}

	/*
	 * A one-shot timer, never re-armed from inside its own callback: Moddable's
	 * Linux timer (modules/base/timer/lin/timer.c, SDK 8.2.3) adds a second glib source when a
	 * timer is rescheduled from its callback and loses track of the first, which then fires
	 * again and again, and on a freed record once the timer is cleared. A pending timer is
	 * rescheduled in place, which every implementation handles; a new one is set only after
	 * the last one fired, so the heap sees one timer per firing, not per arming.
	 */
	schedule(ms: number): void {
		if (this.timer)
			Timer.schedule(this.timer, ms);
		else
			this.timer = Timer.set(
				this.fire ??= () => {
					this.timer = undefined; // done: the runtime removes a one-shot timer after this callback
					this.owner!.linkTimer();
				},
				ms,
			);
	}

	cancel(): void {
		Timer.clear(this.timer);
		this.timer = undefined;
	}

	/**
	 * Milliseconds from the device's tick counter, not Date.now(): the app may set the clock
	 * (SNTP) while a session is up, and a jump of years must not read as an acknowledgement
	 * overdue. Time.ticks wraps every 49.7 days; the difference of two readings does not.
	 */
	now(): number {
		const ticks = Time.ticks;
		this.clock += (ticks - this.ticks) | 0;
		this.ticks = ticks;
		return this.clock;
	}
}
Object.freeze(Transport.prototype); // preloaded: a frozen prototype stays in flash
