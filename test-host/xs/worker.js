// Drives one xsnap worker (XS, built by @agoric/xsnap's install) over its netstring pipes:
// fd 3 carries deliveries to XS, fd 4 carries XS's queries and results back. A delivery is
// either code to evaluate ("e") or a command for globalThis.handleCommand ("?"); while it
// runs, XS may call issueCommand, which arrives here as a query ("?") answered with "/".
// Each result carries XS's meter: computrons, bytes allocated, live slots.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const binary = fileURLToPath(new URL("../../node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker", import.meta.url));
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class XSWorker {
	#child;
	#input = Buffer.alloc(0);
	#chain = Promise.resolve();
	#current;
	#onQuery;
	#onTurn;
	#exited;
	#closed = false;

	/** onTurn(true) before each delivery runs in XS, onTurn(false) once it has returned. */
	constructor(onQuery, onTurn) {
		this.#onQuery = onQuery;
		this.#onTurn = onTurn;
		this.#child = spawn(binary, ["nodemcu-mqtt-host"], { stdio: ["ignore", "inherit", "inherit", "pipe", "pipe"] });
		this.#exited = new Promise((resolve) => this.#child.once("exit", (code, signal) => {
			this.#current?.reject(new Error(`xsnap worker exited (${code ?? signal})`));
			resolve();
		}));
		this.#child.stdio[4].on("data", (chunk) => this.#feed(chunk));
	}

	#send(kind, bytes) {
		const out = this.#child.stdio[3];
		out.write(`${bytes.length + 1}:${kind}`);
		out.write(bytes);
		out.write(",");
	}

	#feed(chunk) {
		this.#input = this.#input.length ? Buffer.concat([this.#input, chunk]) : chunk;
		for (;;) {
			const colon = this.#input.indexOf(0x3A);
			if (colon < 0)
				return;
			const length = Number(this.#input.subarray(0, colon).toString());
			if (this.#input.length < colon + 1 + length + 1)
				return;
			const message = this.#input.subarray(colon + 1, colon + 1 + length);
			this.#input = this.#input.subarray(colon + 2 + length);
			this.#message(message);
		}
	}

	#message(message) {
		const kind = message[0];
		if (kind === 0x3F) { // "?": issueCommand from XS
			let reply;
			try {
				reply = this.#onQuery(message.subarray(1));
			}
			catch (error) {
				reply = encoder.encode(JSON.stringify({ error: { name: "Error", message: String(error?.message ?? error) } }));
			}
			this.#send("/", reply);
			return;
		}
		const current = this.#current;
		this.#current = undefined;
		this.#onTurn?.(false);
		if (kind === 0x2E) { // ".": done, meter JSON, \1, reply
			const separator = message.indexOf(1);
			const meter = separator > 0 ? JSON.parse(decoder.decode(message.subarray(1, separator))) : {};
			current?.resolve({ meter, reply: message.subarray(separator > 0 ? separator + 1 : 1) });
		}
		else
			current?.reject(new Error(`XS: ${decoder.decode(message.subarray(1))}`));
	}

	#run(kind, bytes) {
		if (this.#closed)
			return Promise.reject(new Error("xsnap worker closed"));
		const result = this.#chain.then(() => new Promise((resolve, reject) => {
			this.#current = { resolve, reject };
			this.#onTurn?.(true);
			this.#send(kind, bytes);
		}));
		this.#chain = result.catch(() => {});
		return result;
	}

	evaluate(code) {
		return this.#run("e", encoder.encode(code));
	}

	command(bytes) {
		return this.#run("?", bytes);
	}

	/** Writes XS's heap snapshot to `path`; resolves with its size in bytes. */
	async snapshot(path) {
		const { reply } = await this.#run("w", encoder.encode(path));
		return Number(decoder.decode(reply));
	}

	async close() {
		if (this.#closed)
			return;
		this.#closed = true;
		await this.#chain;
		this.#child.stdio[3].end();
		const timer = setTimeout(() => this.#child.kill("SIGKILL"), 2000);
		await this.#exited;
		clearTimeout(timer);
	}
}
