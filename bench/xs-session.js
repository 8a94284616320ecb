// Runs inside XS (bundled by bench/run.mjs): the client's session over an in-memory link, so
// that xsnap's meter sees the client's own cost per message and nothing of the host bridge.
// globalThis.bench.setup(options) builds a connected session and a stream of K PUBLISH packets;
// bench.receive() feeds the stream; bench.publish(qos) publishes K messages; bench.decodeOnly()
// is the peer: only what any client must do, turning each payload into a string;
// bench.payloadOnly() is the payload string alone.
import { Session } from "mqtt/session";
import { Packet, decodeHeader, encodePublish } from "mqtt/codec";

class MemoryLink {
	owner;
	input;
	offset = 0;
	attach(owner) {
		this.owner = owner;
	}
	resolve() {}
	open() {}
	read(into, offset, length) {
		into.set(this.input.subarray(this.offset, this.offset + length), offset);
		this.offset += length;
	}
	write(from, offset, length) {
		return 1_000_000;
	}
	close() {}
	schedule() {}
	cancel() {}
	now() {
		return 0;
	}
}

const owner = { connected() {}, connectFailed() {}, offline() {}, message() {}, overflow() {}, published() {}, subscribed() {}, unsubscribed() {} };
let session, link, stream, count, payloadText, topic, topicUtf8;

globalThis.bench = {
	setup({ size, qos, messages }) {
		link = new MemoryLink();
		session = new Session(link, owner, { maxMessageLength: 2048, keepalive: 60, cleanSession: true, binary: false, window: 64, queueLength: 64, receiveMaximum: 32, ackTimeout: 60_000 });
		session.connect({ clientId: "x", clientIdBytes: 1, keepalive: 60, cleanSession: true, username: undefined, usernameBytes: 0, password: undefined, willTopic: undefined, willTopicBytes: 0, willPayload: undefined, willQos: 0, willRetain: false }, "h", 1, false, undefined);
		session.linkResolved("10.0.0.1");
		session.linkWritable(1_000_000);
		link.input = new Uint8Array([0x20, 2, 0, 0]);
		link.offset = 0;
		session.linkReadable(4);
		topic = "bench/topic";
		topicUtf8 = new Uint8Array(ArrayBuffer.fromString(topic));
		payloadText = "p".repeat(size);
		const payload = new Uint8Array(size).fill(0x70);
		const one = encodePublish(topicUtf8, payload, qos, false, 1).length;
		stream = new Uint8Array(one * messages);
		for (let i = 0; i < messages; i++)
			stream.set(encodePublish(topicUtf8, payload, qos, false, (i % 60_000) + 1), i * one);
		count = messages;
	},
	receive() {
		link.input = stream;
		link.offset = 0;
		session.linkReadable(stream.length);
	},
	publish(qos) {	// as the client does it: the topic's UTF-8 cached, the payload's from XS
		for (let i = 0; i < count; i++)
			session.publish(topicUtf8, new Uint8Array(ArrayBuffer.fromString(payloadText)), qos, false);
	},
	/** What handing the app its payload string costs by itself: the floor for any client. */
	payloadOnly() {
		const one = stream.length / count;
		for (let offset = one - payloadText.length; offset < stream.length; offset += one)
			String.fromArrayBuffer(stream.buffer, offset, payloadText.length);
	},
	decodeOnly() {
		const packet = new Packet();
		for (let offset = 0; offset < stream.length; offset += packet.length) {
			decodeHeader(stream, offset, stream.length, packet);
			String.fromArrayBuffer(stream.buffer, offset + packet.length - payloadText.length, payloadText.length);
		}
	},
};
