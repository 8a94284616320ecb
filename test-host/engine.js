// Drives the client inside an engine, so that one test runs unchanged on Node and on XS.
//
//   const engine = await startEngine("node" | "xs", { config, onTrace, tls, resources, clock });
//        tls: false          an image built without modules/mqtt/manifest_tls.json
//        websocket: false    an image built without modules/mqtt/manifest_ws.json
//        v5: false           an image built without modules/mqtt/manifest_v5.json
//        resources: dir      the folder `Resource` reads the app's resources from
//        clock: "unset"      XS only: Date.now() starts as a device's does, until Time.set
//        flash: path         the file behind the "storage" partition (kept across engines); default memory
//   const client = await engine.newClient(...args);        // mqtt.Client(...args) in the engine
//   await client.call(method, ...args)                     // → { value } or { error: { name, message } }
//   await client.calls([method, ...args], ...)             // several calls in one turn → { value: [results] } or { error }
//   await client.get(property)                             // → value
//   await client.next(label, timeoutMs)                    // → args of the next unread event with that label
//   client.events                                          // every event, in order: { label, args }
//   engine.fn(label, { throws, then })                     // argument placeholder: a callback that records events,
//                                                          // then calls the client's method `then` (e.g. "close")
//   engine.bytes(uint8Array) / engine.view(uint8Array)     // placeholder: an ArrayBuffer / Uint8Array in the engine
//   engine.store({ first, sectors })                      // placeholder: a Store (mqtt/store) over partition "storage"
//   engine.traces                                          // trace() output of the engine
//   await engine.probe()                                   // { engine, issueCommand, process, ... }: which engine ran
//   await engine.setClock(seconds)                         // Time.set(seconds) in the engine, as an app would
//   await engine.run(specifier)                            // starts a device app ("main", "examples/...")
//   engine.meter                                           // XS: the meter of the last delivery
//   engine.cutPower(bytes)                                 // the flash takes `bytes` more bytes, then nothing:
//                                                          // the power is gone (close the engine to reset)
//   await engine.close()                                   // drops every socket and timer, ends the worker
//
// Event arguments arrive decoded: a client as { client: index }, bytes as { bytes: Uint8Array },
// undefined as undefined.
import { pathToFileURL } from "node:url";
import { createAgent } from "./agent/agent.js";
import { specifierFor } from "./specifiers.js";
import { setTraceSink } from "./node/globals.js";
import { hostConfigure } from "./node/config.js";
import { hostImage, image } from "./node/image.js";
import TCP from "./node/tcp.js";
import Timer from "./node/timer.js";

/** The engines a suite runs in: both, or those ENGINES=node,xs names. */
export const ENGINES = Object.freeze(process.env.ENGINES?.split(",") ?? ["node", "xs"]);

function decode(value) {
	if (value === null || typeof value !== "object")
		return value;
	if (Array.isArray(value))
		return value.map(decode);
	if (value.$undefined)
		return undefined;
	if (value.$bytes)
		return { bytes: Uint8Array.from(value.$bytes) };
	if (value.$client !== undefined)
		return { client: value.$client };
	const result = {};
	for (const key of Object.keys(value))
		result[key] = decode(value[key]);
	return result;
}

class ClientHandle {
	#engine;
	#index;
	#read = 0;
	#waiters = [];
	events = [];

	constructor(engine, index) {
		this.#engine = engine;
		this.#index = index;
	}

	get index() {
		return this.#index;
	}

	async call(method, ...args) {
		const result = await this.#engine.command({ op: "call", client: this.#index, method, args });
		return result.error ? result : { value: decode(result.value) };
	}

	async calls(...calls) {
		const result = await this.#engine.command({ op: "calls", client: this.#index, calls });
		return result.error ? result : { value: decode(result.value) };
	}

	async get(property) {
		const result = await this.#engine.command({ op: "get", client: this.#index, property });
		if (result.error)
			throw new Error(`${result.error.name}: ${result.error.message}`);
		return decode(result.value);
	}

	hostEvent(event) {
		this.events.push(event);
		for (const waiter of this.#waiters.splice(0))
			waiter();
	}

	/** Resolves with the arguments of the next event with this label not yet returned by next(). */
	next(label, timeout = 5000) {
		return new Promise((resolve, reject) => {
			const look = () => {
				for (let i = 0; i < this.events.length; i++) {
					const event = this.events[i];
					if (event.label === label && !event.taken) {
						event.taken = true;
						clearTimeout(timer);
						resolve(event.args);
						return true;
					}
				}
				return false;
			};
			const timer = setTimeout(() => {
				this.#waiters = this.#waiters.filter((w) => w !== wait);
				reject(new Error(`no "${label}" event within ${timeout} ms; events: ${JSON.stringify(this.events.map((e) => [e.label, ...e.args.slice(1)]))}`));
			}, timeout);
			const wait = () => {
				if (!look())
					this.#waiters.push(wait);
			};
			wait();
		});
	}
}

export class Engine {
	name;
	traces = [];
	clients = [];
	meter = undefined;
	#onTrace;

	constructor(name, onTrace) {
		this.name = name;
		this.#onTrace = onTrace;
	}

	fn(label, { throws, then } = {}) {
		return { $fn: label, throws, then };
	}
	bytes(bytes) {
		return { $bytes: Array.from(bytes) };
	}
	view(bytes) {
		return { $view: Array.from(bytes) };
	}
	store(options = {}) {
		return { $store: options };
	}

	trace(text) {
		this.traces.push(text);
		this.#onTrace?.(text);
	}

	event({ label, client, args }) {
		const decoded = decode(args);
		this.clients[client]?.hostEvent({ label, args: decoded });
	}

	async newClient(...args) {
		const result = await this.command({ op: "new", args });
		if (result.error)
			throw Object.assign(new Error(result.error.message), { name: result.error.name });
		const handle = new ClientHandle(this, result.value);
		this.clients[result.value] = handle;
		return handle;
	}

	/** mqtt.Client(...) that is expected to throw: returns { name, message }. */
	async newClientError(...args) {
		const result = await this.command({ op: "new", args });
		return result.error;
	}

	async setClock(seconds) {
		const result = await this.command({ op: "time.set", seconds });
		if (result.error)
			throw new Error(result.error.message);
	}

	async probe() {
		const result = await this.command({ op: "probe" });
		return { engine: this.name, ...result.value };
	}
}

class NodeEngine extends Engine {
	#agent;

	constructor(options) {
		super("node", options.onTrace);
		hostConfigure(options.config);
		if (options.clock === "unset")
			throw new Error("the Node engine's clock is the process's: clock \"unset\" is for the XS engine");
		hostImage(options);
		setTraceSink((text) => this.trace(text));
		this.#agent = createAgent((event) => this.event(event));
	}

	async command(message) {
		// JSON round trip: the same values cross as they do into XS
		return JSON.parse(JSON.stringify(this.#agent(JSON.parse(JSON.stringify(message)))));
	}

	async run(specifier) {
		// a device app runs once per boot: each run here is a fresh instance of the app's module
		// (the modules it imports are shared, as preloaded modules are on a device)
		const url = pathToFileURL(specifierFor(specifier, "node"));
		url.search = `run=${++NodeEngine.runs}`;
		await import(url.href);
	}
	static runs = 0;

	cutPower(bytes) {
		image.storage.cutAfter(bytes, Math.random, { quiet: true });
	}

	async close() {
		for (const socket of [...TCP.hostSockets])
			socket.hostDestroy();
		Timer.hostClearAll();
		hostImage();
	}
}

export async function startEngine(name, options = {}) {
	if (name === "node")
		return new NodeEngine(options);
	if (name === "xs") {
		const { XSEngine } = await import("./xs/host.js");
		const engine = new XSEngine(options);
		await engine.start();
		return engine;
	}
	throw new Error(`unknown engine ${name}`);
}
