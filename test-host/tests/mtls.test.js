// Mutual TLS and ALPN through options.tls, in both engines: mosquitto with require_certificate
// takes the client certificate the test CA issued, and refuses none or one from another CA with
// one connfail and its cause traced; ALPN names reach the server.
import { after, before, describe, it } from "mocha";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { ENGINES, startEngine } from "../engine.js";
import { value } from "../support/results.js";
import { startMosquitto } from "../brokers/mosquitto.js";

let unique = 0;

for (const name of ENGINES) {
	describe(`mutual TLS and ALPN on ${name}`, () => {
		let broker, engine;
		before(async () => {
			broker = await startMosquitto({ tls: true });
			engine = await startEngine(name);
		});
		after(async () => {
			await engine?.close();
			await broker?.stop();
		});

		const options = (identity) => ({
			tls: {
				certificate: engine.bytes(broker.caDer),
				...(identity && { clientCertificates: [engine.bytes(identity.certificate)], clientKey: engine.bytes(identity.key) }),
			},
		});
		const causes = (from) => engine.traces.slice(from).filter((line) => /mqtt: connection failed: /.test(line));

		it("connects with a client certificate the broker's CA issued, and publishes", async () => {
			const client = await engine.newClient(`mtls-${name}-${++unique}`, 30, null, null, 1, null, options(broker.client));
			value(await client.call("connect", "localhost", broker.mtlsPort, true, engine.fn("connected"), engine.fn("failed")));
			await client.next("connected", 10_000);
			value(await client.call("publish", "mtls/t", "signed", 1, 0, engine.fn("puback")));
			await client.next("puback");
			await client.call("close");
		});

		for (const [what, identity] of [["without a client certificate", undefined], ["with a certificate from a CA the broker does not know", "stranger"]]) {
			it(`fails ${what}: one connfail -5, its cause traced once`, async () => {
				const from = engine.traces.length;
				const client = await engine.newClient(`mtls-${name}-${++unique}`, 30, null, null, 1, null, options(identity && broker[identity]));
				value(await client.call("connect", "localhost", broker.mtlsPort, true, engine.fn("connected"), engine.fn("failed")));
				assert.deepEqual((await client.next("failed", 10_000)).slice(1), [-5]);
				await new Promise((resolve) => setTimeout(resolve, 200));
				assert.deepEqual(client.events.map((e) => e.label), ["failed"]);
				assert.equal(causes(from).length, 1, engine.traces.slice(from).join(""));
			});
		}

		it("offers the ALPN protocol names it is given", async () => {
			const offered = [];
			const server = tls.createServer({
				cert: readFileSync(join(broker.dir, "server.crt")),
				key: readFileSync(join(broker.dir, "server.key")),
				ALPNCallback: ({ protocols }) => {
					offered.push(protocols);
					return protocols[0];
				},
			}, (socket) => socket.once("data", () => socket.write(Buffer.from([0x20, 2, 0, 0]))));
			await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
			try {
				const client = await engine.newClient(`alpn-${name}-${++unique}`, 30, null, null, 1, null, {
					tls: { certificate: engine.bytes(broker.caDer), alpn: ["x-amzn-mqtt-ca", "mqtt"] },
				});
				value(await client.call("connect", "localhost", server.address().port, true, engine.fn("connected"), engine.fn("failed")));
				await client.next("connected", 10_000);
				assert.deepEqual(offered, [["x-amzn-mqtt-ca", "mqtt"]]);
				await client.call("close");
			}
			finally {
				server.close();
			}
		});
	});
}
