// Debian's mosquitto for tests, benchmarks and the main job: listens on 127.0.0.1 only, on a
// free port, optionally with TLS (a CA and server certificate made with openssl at start),
// persistence, and a password file. stop() is graceful (persistence is written), kill() is not.
//
//   const broker = await startMosquitto({ tls, persistence, users: { name: password }, extraConfig: [] });
//   broker.port, broker.tlsPort, broker.caPem, broker.caDer, await broker.restart(), await broker.stop()
//   with tls, also a listener that requires a client certificate (mutual TLS): broker.mtlsPort, and
//   broker.client / broker.stranger: { certificate, key } (DER; the key PKCS#8) issued by the test
//   CA and by a CA the broker does not know
//   with websocket, a WebSocket listener in front (./ws-front.js): broker.wsPort, and with tls
//   also broker.wssPort (the same server certificate); they outlive restart()
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import { startWebSocketFront } from "./ws-front.js";

const running = new Set();
process.on("exit", () => {
	for (const child of running)
		child.kill("SIGKILL");
});

function binary(name) {
	for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
		if (existsSync(join(dir, name)))
			return join(dir, name);
	}
	throw new Error(`${name} is not installed: run \`bash tools/setup.sh\` (it installs Debian's mosquitto)`);
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

function accepting(port, deadline) {
	return new Promise((resolve, reject) => {
		const attempt = () => {
			const socket = net.connect({ host: "127.0.0.1", port });
			socket.once("connect", () => {
				socket.destroy();
				resolve();
			});
			socket.once("error", () => {
				socket.destroy();
				if (Date.now() > deadline)
					reject(new Error(`mosquitto did not listen on ${port}`));
				else
					setTimeout(attempt, 25);
			});
		};
		attempt();
	});
}

function certificates(dir) {
	const openssl = binary("openssl");
	const run = (...args) => execFileSync(openssl, args, { cwd: dir, stdio: "ignore" });
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=nodemcu-mqtt test CA", "-keyout", "ca.key", "-out", "ca.crt");
	run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
	writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
	run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt");
	const caPem = readFileSync(join(dir, "ca.crt"), "utf8");
	const der = (...args) => new Uint8Array(execFileSync(openssl, args, { cwd: dir }));
	const caDer = der("x509", "-in", "ca.crt", "-outform", "DER");
	const issue = (name, ca) => {
		run("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
		run("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "2", "-out", `${name}.crt`);
		return {
			certificate: der("x509", "-in", `${name}.crt`, "-outform", "DER"),
			key: der("pkcs8", "-topk8", "-nocrypt", "-in", `${name}.key`, "-outform", "DER"),
		};
	};
	const made = { caPem, caDer };
	// client certificates, made when first asked for (most TLS brokers need none): one from the
	// test CA, one from a CA the broker does not trust
	let client, stranger;
	Object.defineProperty(made, "client", { enumerable: true, get: () => client ??= issue("device", "ca") });
	Object.defineProperty(made, "stranger", {
		enumerable: true,
		get: () =>
			stranger ??=
				(run(
					"req",
					"-x509",
					"-newkey",
					"rsa:2048",
					"-nodes",
					"-days",
					"2",
					"-subj",
					"/CN=stranger CA",
					"-keyout",
					"stranger-ca.key",
					"-out",
					"stranger-ca.crt",
				),
					issue("stranger", "stranger-ca")),
	});
	return made;
}

export async function startMosquitto(options = {}) {
	const mosquitto = binary("mosquitto");
	const dir = mkdtempSync(join(os.tmpdir(), "mosquitto-"));
	const port = options.port ?? await freePort();
	const lines = [
		"per_listener_settings false",
		`listener ${port} 127.0.0.1`,
		// a broker for tests drops nothing: no queue or in-flight limits
		"max_queued_messages 0",
		"max_queued_bytes 0",
		"max_inflight_messages 0",
		"set_tcp_nodelay true",
		"log_type error",
		"log_type warning",
		"log_dest stderr",
	];
	const broker = { host: "127.0.0.1", port, dir, tlsPort: undefined, mtlsPort: undefined, caPem: undefined, caDer: undefined };
	if (options.users) {
		const file = join(dir, "passwords");
		writeFileSync(file, "");
		for (const [name, password] of Object.entries(options.users))
			execFileSync(binary("mosquitto_passwd"), ["-b", file, name, password], { stdio: "ignore" });
		lines.push("allow_anonymous false", `password_file ${file}`);
	}
	else
		lines.push("allow_anonymous true");
	if (options.persistence)
		lines.push("persistence true", `persistence_location ${dir}/`, "autosave_interval 1");
	if (options.tls) {
		Object.defineProperties(broker, Object.getOwnPropertyDescriptors(certificates(dir))); // the getters too, not their values
		const files = [`cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`];
		broker.tlsPort = options.tlsPort ?? await freePort();
		lines.push(`listener ${broker.tlsPort} 127.0.0.1`, ...files);
		broker.mtlsPort = await freePort();
		lines.push(`listener ${broker.mtlsPort} 127.0.0.1`, ...files, "require_certificate true");
	}
	lines.push(...(options.extraConfig ?? []));
	writeFileSync(join(dir, "mosquitto.conf"), `${lines.join("\n")}\n`);
	// started as root, mosquitto drops to its own user: it must still read the certificates and
	// write persistence here (test keys only)
	chmodSync(dir, 0o777);
	for (const name of readdirSync(dir))
		chmodSync(join(dir, name), 0o644);

	let child;
	let log = "";
	async function start() {
		log = "";
		child = spawn(mosquitto, ["-c", join(dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
		running.add(child);
		child.stderr.on("data", (data) => {
			log += data;
		});
		const exited = new Promise((_, reject) => child.once("exit", (code) => reject(new Error(`mosquitto exited (${code}): ${log}`))));
		exited.catch(() => {});
		await Promise.race([accepting(port, Date.now() + 5000), exited]);
		for (const tlsPort of [broker.tlsPort, broker.mtlsPort].filter(Boolean))
			await Promise.race([accepting(tlsPort, Date.now() + 5000), exited]);
	}
	function wait(signal) {
		if (!child || child.exitCode !== null || child.signalCode !== null)
			return Promise.resolve();
		const done = new Promise((resolve) => child.once("exit", resolve));
		child.kill(signal);
		running.delete(child);
		return done;
	}
	await start();
	const fronts = [];
	if (options.websocket) {
		fronts.push(await startWebSocketFront({ port }));
		broker.wsPort = fronts[0].port;
		if (options.tls) {
			fronts.push(await startWebSocketFront({ port, tls: { cert: readFileSync(join(dir, "server.crt")), key: readFileSync(join(dir, "server.key")) } }));
			broker.wssPort = fronts[1].port;
		}
		broker.fronts = fronts;
	}
	broker.version = spawnSync(mosquitto, ["-h"], { encoding: "utf8" }).stdout.match(/version (\S+)/)?.[1];
	broker.logs = () => log;
	broker.restart = async () => {
		await wait("SIGTERM");
		await start();
	};
	broker.kill = () => wait("SIGKILL");
	broker.stop = async () => {
		for (const front of fronts)
			await front.close();
		await wait("SIGTERM");
		if (!options.keepDir)
			rmSync(dir, { recursive: true, force: true });
	};
	return broker;
}
