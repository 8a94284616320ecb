// The MQTT 5 session (session5.ts) over the fake link: what only a manual clock and a socket
// that takes no bytes can show.
import { it } from "mocha";
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { Session5 } from "../../build/host/modules/mqtt/session5.js";
import { FakeLink, Recorder, connectFields, utf8 } from "../support/fake-link.js";

const v5 = (packet) => mqttPacket.generate(packet, { protocolVersion: 5 });

function written(link) {
	const parser = mqttPacket.parser({ protocolVersion: 5 });
	const out = [];
	parser.on("packet", (packet) => out.push(packet));
	parser.on("error", (error) => out.push({ cmd: "error", error }));
	for (const chunk of link.written)
		parser.parse(Buffer.from(chunk));
	return out;
}

it("a QoS 0 publish queued with an alias alone goes out with its topic on the next connection", () => {
	const link = new FakeLink();
	const session = new Session5(
		link,
		new Recorder(),
		{ maxMessageLength: 1024, keepalive: 60, cleanSession: false, binary: false, window: 8, queueLength: 16, receiveMaximum: 32, ackTimeout: 60_000 },
		{ connect: { topicAliasMaximum: 4 }, topicAliases: 4 },
	);
	const connect = () => {
		session.connect(connectFields("t", false), "broker", 1883, false);
		session.linkResolved("10.0.0.1");
		session.linkWritable(link.free);
	};
	connect();
	link.receive(v5({ cmd: "connack", reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 4 } }));
	const topic = "a/long/topic/name";
	session.prepare(topic, undefined);
	session.publish(utf8(topic), utf8("one"), 0, false); // written: the alias is set
	session.linkWritable(0); // the socket takes nothing more
	session.publish(utf8(topic), utf8("two"), 0, false); // being written when the link goes
	session.publish(utf8(topic), utf8("three"), 0, false); // queued with the alias alone
	let sent = written(link).filter((p) => p.cmd === "publish");
	assert.deepEqual(sent.map((p) => [p.topic, p.properties?.topicAlias]), [[topic, 1]]);
	session.linkError("reset");
	link.written.length = 0;
	connect();
	link.receive(v5({ cmd: "connack", reasonCode: 0, sessionPresent: true })); // no aliases on this connection
	sent = written(link).filter((p) => p.cmd === "publish");
	assert.deepEqual(sent.map((p) => [p.topic, p.properties?.topicAlias, p.payload.toString()]), [[topic, undefined, "three"]]);
});
