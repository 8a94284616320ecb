/*
 * The one file that touches the network and timer modules: a Link over Moddable's ECMA-419
 * TCP socket (TLS through embedded:io/socket/tcp/tls), `net` for DNS, and one `timer`.
 *
 * ECMA-419 over lwIP because read(buffer) copies received bytes straight into the session's
 * receive buffer, and write() reports the free send space, so a packet larger than lwIP's
 * send buffer is written in pieces instead of failing. The ECMA-419 socket takes an IP
 * address only: names go through Net.resolve first, which also lets a DNS failure be told
 * apart from a refused connection.
 */

import TCP from "embedded:io/socket/tcp";
import TLSSocket from "embedded:io/socket/tcp/tls";
import Net from "net";
import Timer from "timer";
import type { Link, LinkOwner, TLSOptions } from "./link.js";

interface Socket {
	read(buffer: Uint8Array): unknown;
	write(buffer: Uint8Array): unknown;
	close(): unknown;
}

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

export class Transport implements Link {
	#owner: LinkOwner | undefined;
	#socket: Socket | undefined;
	#timer: Timer | undefined;
	#generation = 0;	// callbacks of a closed socket or a stale lookup are ignored

	attach(owner: LinkOwner): void {
		this.#owner = owner;
	}

	resolve(host: string): void {
		const generation = ++this.#generation;
		const answer = (address: string | undefined) => {
			if (generation === this.#generation)
				this.#owner!.linkResolved(address);
		};
		if (isAddress(host)) {
			Timer.set(() => answer(host), 0);
			return;
		}
		try {
			Net.resolve(host, (name, address) => answer(address));
		}
		catch {	// lwIP's queue of lookups is full
			Timer.set(() => answer(undefined), 0);
		}
	}

	open(address: string, port: number, host: string, secure: boolean, tls: TLSOptions | undefined): void {
		const generation = this.#generation;
		const owner = this.#owner!;
		const options = {
			address,
			port,
			nodelay: true,
			onReadable: (count: number) => {
				if (generation === this.#generation)
					owner.linkReadable(count);
			},
			onWritable: (count: number) => {
				if (generation === this.#generation)
					owner.linkWritable(count);
			},
			onError: () => {
				if (generation === this.#generation)
					owner.linkError();
			},
		};
		if (secure) {
			const secureOptions = { ...options, host: tls?.serverName ?? host, secure: { ...tls }, TCP: { io: TCP } };
			this.#socket = new TLSSocket(secureOptions) as unknown as Socket;
		}
		else
			this.#socket = new TCP(options) as unknown as Socket;
	}

	read(into: Uint8Array, offset: number, length: number): void {
		this.#socket!.read(offset === 0 && length === into.length ? into : into.subarray(offset, offset + length));
	}

	write(from: Uint8Array, offset: number, length: number): number {
		const free = this.#socket!.write(offset === 0 && length === from.length ? from : from.subarray(offset, offset + length));
		return typeof free === "number" ? free : 0;
	}

	close(): void {
		this.#generation++;
		const socket = this.#socket;
		this.#socket = undefined;
		socket?.close();
		Timer.clear(this.#timer);
		this.#timer = undefined;
	}

	schedule(ms: number): void {
		// one repeating timer per connection, re-armed instead of re-created; it unschedules
		// itself before each callback so it never fires twice for one arming
		if (this.#timer)
			Timer.schedule(this.#timer, ms, 0x7FFFFFFF);
		else {
			this.#timer = Timer.set(timer => {
				Timer.schedule(timer);
				this.#owner!.linkTimer();
			}, ms, 0x7FFFFFFF);
		}
	}

	cancel(): void {
		if (this.#timer)
			Timer.schedule(this.#timer);
	}

	now(): number {
		return Date.now();
	}
}
Object.freeze(Transport.prototype);	// preloaded: a frozen prototype stays in flash
