// MQTT over WebSocket (issue 24), in both engines: ws:// and wss:// through a WebSocket listener
// in front of mosquitto; the URL's rules; and, against the scripted broker speaking WebSocket by
// hand, what goes on the wire (the upgrade, masked binary frames, packets across frames and
// frames holding several packets, pings answered, a close frame) and every bad thing a server
// can send: one connfail -5 during the upgrade, one offline after it, the cause traced once.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { ENGINES, startEngine } from "../engine.js";
import { until, value } from "../support/results.js";
import { startMosquitto } from "../brokers/mosquitto.js";
import { FaultBroker, wsAnswer, wsFrame } from "../brokers/fault-broker.js";

let unique = 0;
const bytesOf = (packet) => mqttPacket.generate(packet, { protocolVersion: 4 });
const text = (length, seed) => Array.from({ length }, (_, i) => String.fromCharCode(0x41 + ((i * 7 + seed) % 26))).join("");

for (const name of ENGINES) {
	describe(`MQTT over WebSocket on ${name}`, function() {
		this.timeout(20_000);
		let broker, engine, fault;
		before(async () => {
			broker = await startMosquitto({ tls: true, websocket: true });
			engine = await startEngine(name);
			fault = await FaultBroker.start({ websocket: true });
		});
		after(async () => {
			await engine?.close();
			await fault?.close();
			await broker?.stop();
		});

		const connected = async (client, url, options = {}) => {
			value(await client.call("connect", url, engine.fn("connected"), engine.fn("failed")));
			const result = await Promise.race([client.next("connected", 10_000), client.next("failed", 10_000)]);
			assert.equal(client.events.at(-1).label, "connected", `connfail ${JSON.stringify(result)}; ${engine.traces.slice(-3).join("")}`);
			return options;
		};

		it("carries QoS 0, 1 and 2 both ways through ws://, asking for the path and the mqtt subprotocol", async () => {
			const client = await engine.newClient(`ws-${name}-${++unique}`, 30, null, null, 1, 8192);
			await client.call("on", "message", engine.fn("message"));
			await connected(client, `ws://127.0.0.1:${broker.wsPort}/mqtt?device=7`);
			const request = broker.fronts[0].requests.at(-1);
			assert.equal(request.url, "/mqtt?device=7");
			assert.equal(request.headers["sec-websocket-protocol"], "mqtt");
			assert.equal(request.headers.host, `127.0.0.1:${broker.wsPort}`);
			const topic = `ws/${name}/${unique}`;
			value(await client.call("subscribe", topic, 2, engine.fn("suback")));
			assert.deepEqual((await client.next("suback")).slice(2), [[2]]);
			// 100 B fits a frame; 1 KB and 5 KB span the client's 512-byte frames and the broker's TCP reads
			for (const [qos, length] of [[0, 100], [1, 1024], [2, 5000]]) {
				const payload = text(length, qos);
				value(await client.call("publish", topic, payload, qos, 0));
				const [, got, data] = await client.next("message", 10_000);
				assert.equal(got, topic);
				assert.equal(data, payload, `QoS ${qos}, ${length} B`);
			}
			await client.call("close");
		});

		it("connects through wss:// with options.tls, verifying the broker's certificate", async () => {
			const client = await engine.newClient(`wss-${name}-${++unique}`, 30, null, null, 1, null, { tls: { certificate: engine.bytes(broker.caDer) } });
			await connected(client, `wss://localhost:${broker.wssPort}/`);
			value(await client.call("publish", "wss/t", "over TLS", 1, 0, engine.fn("puback")));
			await client.next("puback");
			await client.call("close");
			const stranger = await engine.newClient(`wss-${name}-${++unique}`, 30); // no CA: the test CA is not trusted
			value(await stranger.call("connect", `wss://localhost:${broker.wssPort}/`, engine.fn("connected"), engine.fn("failed")));
			assert.deepEqual((await stranger.next("failed", 10_000)).slice(1), [-5]);
		});

		it("rejects a malformed URL, port or secure beside one, and a host with a slash, naming the rule", async () => {
			const client = await engine.newClient(`url-${name}-${++unique}`, 30);
			const cases = [
				[["ws://"], /connect: host must be a ws:\/\/host\[:port\]\[\/path\] or wss:\/\/host\[:port\]\[\/path\] URL: the host is a name/],
				[["ws://broker:0/mqtt"], /the port is an integer from 1 to 65535/],
				[["ws://broker:65536/"], /the port is an integer from 1 to 65535/],
				[["ws://broker:80x/"], /the port is an integer from 1 to 65535/],
				[["ws://user:pw@broker/"], /the port is an integer|no user name or password/],
				[["ws://user@broker/"], /no user name or password in it/],
				[["ws://[::1]:80/"], /no IPv6 address/],
				[["ws://broker/a b"], /the path is printable ASCII without spaces or "#"/],
				[["ws://broker/a#frag"], /the path is printable ASCII without spaces or "#"/],
				[["ws://bro ker/"], /the host is a name or an IPv4 address/],
				[["mqtt://broker/"], /connect: host must be a host name, an IP address, or a ws:\/\/ or wss:\/\/ URL, got "mqtt:\/\/broker\/"/],
				[["broker/mqtt"], /connect: host must be a host name, an IP address, or a ws:\/\/ or wss:\/\/ URL/],
				[
					["ws://broker/mqtt", 8080],
					/connect: port must be left out with a ws:\/\/ or wss:\/\/ URL, which holds the port and whether it is secure, got 8080/,
				],
				[["ws://broker/mqtt", null, true], /connect: secure must be left out with a ws:\/\/ or wss:\/\/ URL/],
			];
			for (const [args, pattern] of cases) {
				const result = await client.call("connect", ...args);
				assert.equal(result.error?.name, "RangeError", `${JSON.stringify(args)}: ${JSON.stringify(result)}`);
				assert.match(result.error.message, pattern);
			}
			assert.deepEqual(client.events, []);
		});

		// against the scripted broker, speaking WebSocket by hand

		const session = async (options = {}) => {
			const client = await engine.newClient(`wsf-${name}-${++unique}`, options.keepalive ?? 30, null, null, 1, options.max ?? null);
			await client.call("on", "message", engine.fn("message"));
			await client.call("on", "overflow", engine.fn("overflow"));
			await client.call("on", "offline", engine.fn("offline"));
			value(await client.call("connect", `ws://127.0.0.1:${fault.port}/ws`, engine.fn("connected"), engine.fn("failed")));
			const conn = await fault.nextConnection();
			return { client, conn };
		};

		it("sends an upgrade and masked binary frames; takes packets across frames, several per frame, and answers pings", async () => {
			const { client, conn } = await session();
			await until(() => conn.request !== undefined, "the upgrade");
			assert.match(conn.request, /^GET \/ws HTTP\/1\.1\r\n/);
			assert.match(conn.request, /\r\nSec-WebSocket-Version: 13\r\n/);
			assert.match(conn.request, /\r\nSec-WebSocket-Protocol: mqtt\r\n/);
			assert.match(conn.request, /\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
			const connect = await conn.nextPacket();
			assert.equal(connect.cmd, "connect");
			// CONNACK in a fragmented message: 2 bytes, a ping in between, then the other 2
			const connack = bytesOf({ cmd: "connack", returnCode: 0, sessionPresent: false });
			conn.sendBytes(Buffer.concat([wsFrame(2, connack.subarray(0, 2), { fin: false }), wsFrame(9, [1, 2, 3]), wsFrame(0, connack.subarray(2))]));
			await client.next("connected");
			await until(() => conn.frames.some((f) => f.op === 10), "a pong");
			assert.deepEqual([...conn.frames.find((f) => f.op === 10).payload], [1, 2, 3]);
			// two PUBLISHes in one frame, then one split over three frames that arrive byte by byte
			const one = bytesOf({ cmd: "publish", topic: "a", payload: "first", qos: 0 });
			const two = bytesOf({ cmd: "publish", topic: "b", payload: "second", qos: 0 });
			const three = bytesOf({ cmd: "publish", topic: "c", payload: "x".repeat(300), qos: 1, messageId: 9 });
			conn.sendBytes(wsFrame(2, Buffer.concat([one, two])));
			await conn.sendBytesSplit(
				Buffer.concat([
					wsFrame(2, three.subarray(0, 3), { fin: false }),
					wsFrame(0, three.subarray(3, 200), { fin: false }),
					wsFrame(0, three.subarray(200)),
				]),
				7,
				1,
			);
			assert.deepEqual((await client.next("message")).slice(1), ["a", "first"]);
			assert.deepEqual((await client.next("message")).slice(1), ["b", "second"]);
			assert.deepEqual((await client.next("message")).slice(1), ["c", "x".repeat(300)]);
			assert.equal((await conn.nextPacket()).cmd, "puback");
			// a publish larger than a frame goes in frames of at most 512 bytes
			value(await client.call("publish", "big", "y".repeat(1500), 1, 0));
			const big = await conn.nextPacket();
			assert.equal(big.payload.toString(), "y".repeat(1500));
			assert.ok(conn.frames.every((f) => f.masked && f.rsv === 0), "every client frame is masked");
			assert.ok(conn.frames.filter((f) => f.op === 2).every((f) => f.fin && f.payload.length <= 512));
			assert.ok(new Set(conn.frames.filter((f) => f.op === 2).map((f) => f.payload.length)).has(512));
			// close(): DISCONNECT, then a close frame with 1000
			value(await client.call("close"));
			await client.next("offline");
			assert.equal((await conn.nextPacket()).cmd, "disconnect");
			await until(() => conn.frames.some((f) => f.op === 8), "a close frame");
			assert.deepEqual([...conn.frames.find((f) => f.op === 8).payload], [0x03, 0xE8]);
		});

		it("takes a message longer than max_message_length in one frame as over TCP: overflow, acknowledged", async () => {
			const { client, conn } = await session({ max: 256 });
			await conn.acceptConnect();
			await client.next("connected");
			conn.sendBytes(wsFrame(2, bytesOf({ cmd: "publish", topic: "long", payload: "z".repeat(1000), qos: 1, messageId: 5 })));
			const [, topic, data] = await client.next("overflow");
			assert.equal(topic, "long");
			assert.ok(data.length > 0 && data.length < 256);
			const ack = await conn.nextPacket();
			assert.deepEqual([ack.cmd, ack.messageId], ["puback", 5]);
			conn.send({ cmd: "publish", topic: "after", payload: "fine", qos: 0 });
			assert.deepEqual((await client.next("message")).slice(1), ["after", "fine"]);
			await client.call("close");
		});

		const publish = bytesOf({ cmd: "publish", topic: "t", payload: "p", qos: 0 });
		const closing = [0x03, 0xE8, ...Buffer.from("going away")];
		const afterConnack = [
			["a masked frame", () => wsFrame(2, publish, { mask: [1, 2, 3, 4] }), /the server masked a frame/],
			["reserved bits set", () => wsFrame(2, publish, { rsv: 4 }), /reserved bits set \(0x40\)/],
			["an unknown data opcode", () => wsFrame(3, publish), /unknown opcode 3/],
			["an unknown control opcode", () => wsFrame(11, []), /unknown opcode 11/],
			["a text frame", () => wsFrame(1, publish), /a text frame/],
			["a control frame over 125 bytes", () => wsFrame(9, new Uint8Array(126)), /a control frame of 126 bytes \(at most 125\)/],
			["a fragmented control frame", () => wsFrame(9, [1], { fin: false }), /a fragmented control frame/],
			["a continuation with nothing to continue", () => wsFrame(0, publish), /a continuation frame with no message to continue/],
			["a close frame with a code", () => wsFrame(8, closing), /the server closed the connection with code 1000 "going away"/],
			["a close frame without a code", () => wsFrame(8, []), /the server closed the connection without a code/],
			["a frame announcing 2^63 bytes", () => wsFrame(2, [], { length: 2n ** 63n }), /a frame announced 2\^63 bytes or more/],
			["a frame cut off by the socket's end", () => wsFrame(2, publish).subarray(0, 5), /the connection closed in the middle of a frame/, true],
		];
		for (const [what, frame, cause, end] of afterConnack) {
			it(`${what} after CONNACK: one offline, its cause traced, well within keepalive`, async () => {
				const from = engine.traces.length;
				const { client, conn } = await session({ keepalive: 60 });
				await conn.acceptConnect();
				await client.next("connected");
				const start = Date.now();
				conn.sendBytes(frame());
				if (end)
					conn.end();
				await client.next("offline", 3000);
				assert.ok(Date.now() - start < 3000);
				await new Promise((resolve) => setTimeout(resolve, 100));
				assert.deepEqual(client.events.map((e) => e.label), ["connected", "offline"]);
				const traced = engine.traces.slice(from).filter((line) => cause.test(line));
				assert.equal(traced.length, 1, engine.traces.slice(from).join(""));
				await conn.waitClosed();
			});
		}

		const upgrades = [
			[
				"a wrong Sec-WebSocket-Accept",
				(request) => wsAnswer(request, { accept: "dGhlIHNhbXBsZSBub25jZQ==" }),
				/Sec-WebSocket-Accept "dGhlIHNhbXBsZSBub25jZQ==" does not match the key/,
			],
			["no mqtt subprotocol", (request) => wsAnswer(request, { protocol: "" }), /the server did not accept the mqtt subprotocol/],
			["another subprotocol", (request) => wsAnswer(request, { protocol: "chat" }), /the server chose the subprotocol "chat", not mqtt/],
			[
				"an extension not offered",
				(request) => wsAnswer(request, { extra: ["Sec-WebSocket-Extensions: permessage-deflate"] }),
				/extensions the client did not offer \(permessage-deflate\)/,
			],
			[
				"301",
				() => "HTTP/1.1 301 Moved Permanently\r\nLocation: wss://elsewhere/mqtt\r\nContent-Length: 0\r\n\r\n",
				/answered "301 Moved Permanently" to the upgrade of \/ws \(redirects are not followed: Location wss:\/\/elsewhere\/mqtt\)/,
			],
			["401", () => "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\r\n", /answered "401 Unauthorized"/],
			["404", () => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", /answered "404 Not Found"/],
			["not HTTP", () => "SSH-2.0-OpenSSH_9.2\r\n\r\n", /did not answer in HTTP/],
			["a closed socket", () => "HTTP/1.1 101 Switching", /the connection closed before the answer to the upgrade/, true],
		];
		for (const [what, answer, cause, end] of upgrades) {
			it(`an upgrade answered with ${what}: one connfail -5, its cause traced`, async () => {
				const broken = await FaultBroker.start({ websocket: { answer } });
				try {
					const from = engine.traces.length;
					const client = await engine.newClient(`wsu-${name}-${++unique}`, 60);
					value(await client.call("connect", `ws://127.0.0.1:${broken.port}/ws`, engine.fn("connected"), engine.fn("failed")));
					const conn = await broken.nextConnection();
					if (end) {
						await until(() => conn.request !== undefined, "the upgrade");
						conn.end();
					}
					assert.deepEqual((await client.next("failed", 3000)).slice(1), [-5]);
					await new Promise((resolve) => setTimeout(resolve, 100));
					assert.deepEqual(client.events.map((e) => e.label), ["failed"]);
					assert.equal(conn.packets.length, 0, "no CONNECT before the upgrade holds");
					const traced = engine.traces.slice(from).filter((line) => cause.test(line));
					assert.equal(traced.length, 1, engine.traces.slice(from).join(""));
				}
				finally {
					await broken.close();
				}
			});
		}

		// last: under Node a new engine takes over the process's image and trace()
		it("in an image without manifest_ws.json, a ws:// URL says what to include, and wss:// without TLS too", async () => {
			const plain = await startEngine(name, { websocket: false }); // one after the other: under Node the image is the process's
			try {
				const client = await plain.newClient(`plain-${name}-${++unique}`, 30);
				const result = await client.call("connect", `ws://127.0.0.1:${broker.wsPort}/`);
				assert.equal(result.error?.name, "Error");
				assert.match(result.error.message, /connect: a ws:\/\/ or wss:\/\/ host needs modules\/mqtt\/manifest_ws.json/);
				value(await client.call("connect", "127.0.0.1", broker.port, plain.fn("connected")));
				await client.next("connected");
				await client.call("close");
			}
			finally {
				await plain.close();
			}
			const noTls = await startEngine(name, { tls: false });
			try {
				const secure = await noTls.newClient(`notls-${name}-${++unique}`, 30);
				const refused = await secure.call("connect", `wss://localhost:${broker.wssPort}/`);
				assert.match(refused.error?.message ?? "", /connect: secure needs TLS in the image: include modules\/mqtt\/manifest_tls.json/);
			}
			finally {
				await noTls.close();
			}
		});
	});
}
