// The XS engine on the host: the same compiled modules, bundled with esbuild against the XS-side
// bridge modules of this folder, evaluated in an xsnap worker. Node owns the real sockets and
// timers (test-host/node) and delivers their events into XS one at a time.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Engine } from "../engine.js";
import { specifierFor } from "../specifiers.js";
import Net from "../node/net.js";
import TCP from "../node/tcp.js";
import TLSSocket from "../node/tls.js";
import { XSWorker } from "./worker.js";
import { decode, encode } from "../framing.js";
import { configFor } from "../node/config.js";
import { FlashMedium } from "../flash-medium.js";
import { hostSeconds } from "../node/time.js";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * Bundles `contents` (an ES module) for XS: Moddable specifiers resolve to this folder's bridges,
 * or to the files `paths` names for them; relative imports from `resolveDir`.
 */
export async function bundle(contents, { resolveDir = here, paths = {} } = {}) {
	const result = await build({
		stdin: { contents, resolveDir, loader: "js", sourcefile: "entry.js" },
		bundle: true,
		write: false,
		format: "iife",
		platform: "neutral",
		target: "es2022",
		logLevel: "silent",
		plugins: [{
			name: "moddable-specifiers",
			setup(esbuild) {
				esbuild.onResolve({ filter: /^[^./]/ }, (args) => {
					const file = paths[args.path] ?? specifierFor(args.path, "xs");
					return file ? { path: file } : undefined;
				});
			},
		}],
	});
	return result.outputFiles[0].text;
}

const AGENT = `
import { call, on } from "./channel.js";
import { createAgent } from "../agent/agent.js";
const agent = createAgent((event) => call({ op: "event", event }));
for (const op of ["new", "call", "calls", "get", "constants", "probe", "time.set"])
	on(op, agent);
on("gc", () => { gc(); gc(); });
`;

export class XSEngine extends Engine {
	#worker;
	#config;
	#image;
	#timers = new Map();
	#sockets = new Map();
	#closed = false;
	#flashFile; // the file behind partition "storage"; its medium is made at the app's first open
	#storage;
	/** XS's computrons over every delivery so far (the benchmarks read differences). */
	computrons = 0;

	constructor(options) {
		super("xs", options.onTrace);
		this.#config = configFor(options.config);
		this.#image = {
			tls: options.tls ?? true,
			websocket: options.websocket ?? true,
			v5: options.v5 ?? true,
			resources: options.resources,
			clockUnset: options.clock === "unset",
		};
		this.#flashFile = options.flash;
	}

	async start() {
		// the device's network stack runs between turns of JavaScript, never during one
		this.#worker = new XSWorker((bytes) => this.#query(bytes), (running) => {
			for (const socket of this.#sockets.values())
				running ? socket.hostFreeze() : socket.hostThaw();
		});
		await this.#worker.evaluate(await bundle(AGENT));
	}

	async command(message) {
		const { reply, meter } = await this.#worker.command(encode(message));
		this.meter = meter;
		this.computrons += meter.compute;
		return decode(reply);
	}

	/** Evaluates a script in the worker; resolves with XS's meter for it. */
	async evaluate(code) {
		const { meter } = await this.#worker.evaluate(code);
		this.meter = meter;
		return meter;
	}

	/**
	 * What the JavaScript heap holds after a full collection: live slots (XS's count) and the size
	 * of a heap snapshot, which holds every live slot and chunk. A host slot is 32 bytes (64-bit);
	 * on the ESP8266 a slot is 16 bytes and chunks are the same size, so the device figure is
	 * slots x 16 + (snapshot - slots x 32), up to the snapshot's fixed overhead, which cancels in a
	 * difference of two measurements.
	 */
	async heap() {
		// a command, not an evaluation: xsnap keeps a slot for every script it evaluates
		const { meter } = await this.#worker.command(encode({ op: "gc" }));
		const path = join(tmpdir(), `xs-heap-${process.pid}-${Date.now()}.xss`);
		const snapshot = await this.#worker.snapshot(path);
		rmSync(path, { force: true });
		return { slots: meter.currentHeapCount, snapshot };
	}

	async run(specifier) {
		await this.#worker.evaluate(await bundle(`import ${JSON.stringify(specifier)};`));
	}

	async close() {
		this.#closed = true;
		for (const socket of this.#sockets.values())
			socket.hostDestroy();
		this.#sockets.clear();
		for (const handle of this.#timers.values())
			clearTimeout(handle);
		this.#timers.clear();
		this.#storage?.close();
		await this.#worker?.close();
	}

	#deliver(message) {
		if (this.#closed)
			return Promise.resolve();
		return this.#worker.command(encode(message)).then(({ meter }) => {
			this.meter = meter;
			this.computrons += meter.compute;
		}, (error) => {
			if (!this.#closed)
				this.trace(`host: delivery ${message.op} failed: ${error.message}\n`);
		});
	}

	#query(bytes) {
		const message = decode(bytes);
		switch (message.op) {
			case "event":
				this.event(message.event);
				return encode({});
			case "trace":
				this.trace(message.text);
				return encode({});
			case "config":
				return encode({ value: this.#config });
			case "image":
				return encode({ value: this.#image });
			case "seed":
				return encode({ value: Array.from(crypto.getRandomValues(new Uint32Array(4))) });
			case "clock":
				return encode({ value: hostSeconds() });
			case "resource": {
				const path = this.#image.resources && join(this.#image.resources, message.name);
				const exists = !!path && existsSync(path);
				if (message.exists || !exists)
					return encode({ value: exists });
				return encode({}, readFileSync(path));
			}
			case "flash.open":
			case "flash.read":
			case "flash.write":
			case "flash.erase":
				return this.#flash(message);
			case "timer.arm":
				clearTimeout(this.#timers.get(message.id));
				this.#timers.set(
					message.id,
					setTimeout(() => {
						this.#timers.delete(message.id);
						this.#deliver({ op: "timer.fire", id: message.id });
					}, message.ms),
				);
				return encode({});
			case "timer.disarm":
				clearTimeout(this.#timers.get(message.id));
				this.#timers.delete(message.id);
				return encode({});
			case "net.resolve":
				Net.resolve(message.name, (name, address) => this.#deliver({ op: "net.resolved", id: message.id, name, address: address ?? null }));
				return encode({});
			case "net.get":
				return encode({ value: Net.get(message.what) ?? null });
			case "socket.new":
				return this.#open(message);
			case "socket.read": {
				const socket = this.#sockets.get(message.id);
				if (!socket)
					return encode({ error: { message: "closed" } });
				if (message.count === null || message.count === undefined || typeof message.count === "number") {
					const count = message.count ?? undefined;
					if (message.into) { // read(buffer) in XS: the socket must support it
						const target = new Uint8Array(count);
						socket.read(target);
						return encode({}, target);
					}
					const result = socket.read(count);
					return result === undefined ? encode({}) : encode({}, new Uint8Array(result));
				}
				return encode({ error: { message: "invalid" } });
			}
			case "socket.write": {
				const socket = this.#sockets.get(message.id);
				socket?.write(message.bytes ?? new Uint8Array(0));
				return encode({});
			}
			case "socket.counts": {
				// counts as they are now: an event queued for XS may be stale by the time it runs
				const socket = this.#sockets.get(message.id);
				return encode({ value: socket ? [socket.hostAvailable, socket.hostFree] : [0, 0] });
			}
			case "socket.close":
				this.#sockets.get(message.id)?.close();
				this.#sockets.delete(message.id);
				return encode({});
			default:
				return encode({ error: { message: `host: unknown op ${message.op}` } });
		}
	}

	cutPower(bytes) {
		this.#storage.cutAfter(bytes, Math.random, { quiet: true });
	}

	/** The `flash` module's calls; its errors go back to XS as the device's would be thrown. */
	#flash(message) {
		const storage = this.#storage ??= new FlashMedium({ path: this.#flashFile });
		try {
			switch (message.op) {
				case "flash.open":
					return encode({ value: [storage.byteLength, storage.blockSize] });
				case "flash.read":
					return encode({}, storage.read(message.offset, message.byteLength));
				case "flash.write":
					storage.write(message.offset, message.byteLength, message.bytes ?? new Uint8Array(0));
					return encode({});
				default:
					storage.erase(message.sector);
					return encode({});
			}
		}
		catch (error) {
			return encode({ error: { message: error.message } });
		}
	}

	#open(message) {
		const { id, kind, address, port, nodelay, host, verify, serverName, clientCertificates, clientKey, alpn } = message;
		// one readable and one writable event in flight at a time: XS reads the counts when it
		// handles one, so a second queued behind it would say nothing new, and a flood of them
		// would only grow the queue; one that came while busy is delivered once the first is done
		const state = { readable: 0, writable: 0 }; // 0 idle, 1 in flight, 2 in flight and wanted again
		const event = (name) => (cause) => {
			if (name === "error") {
				this.#sockets.delete(id);
				this.#deliver({ op: "socket.event", id, event: name, cause });
				return;
			}
			if (state[name]) {
				state[name] = 2;
				return;
			}
			const send = () => {
				state[name] = 1;
				this.#deliver({ op: "socket.event", id, event: name }).finally(() => {
					const again = state[name] === 2;
					state[name] = 0;
					if (again)
						send();
				});
			};
			send();
		};
		const options = { address, port, nodelay, onReadable: event("readable"), onWritable: event("writable"), onError: event("error") };
		const socket = kind === "tls"
			? new TLSSocket({
				...options,
				host,
				secure: {
					certificate: message.bytes ? new Uint8Array(message.bytes).buffer : undefined,
					verify,
					serverName,
					clientCertificates: clientCertificates?.map((bytes) => new Uint8Array(bytes).buffer),
					clientKey: clientKey && new Uint8Array(clientKey).buffer,
					applicationLayerProtocolNegotiation: alpn,
				},
			})
			: new TCP(options);
		this.#sockets.set(id, socket);
		socket.hostFreeze(); // opened during a turn
		return encode({});
	}
}
