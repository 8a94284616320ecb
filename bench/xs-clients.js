// Runs inside XS (bundled by bench/peer.mjs): this client and Moddable's own MQTT client
// (modules/network/mqtt/mqtt.js of the SDK that $MODDABLE names, read at run time) side by side,
// each over an in-memory socket of its kind, so that xsnap's meter counts what each client does
// per message through its public API and nothing of a network. Both QoS 0 (Moddable's client
// has no other), both with the device's native string conversions (stand-ins here, the same
// for both; their cost alone is measured by standIns()).
import mqtt from "mqtt/client";
import { encodePublish } from "mqtt/encode";
import ModdableClient from "moddable-sdk:mqtt";
import { runTimers } from "./memory/timer.js";
import { sockets as ecma419 } from "./memory/tcp.js";
import { sockets as legacy } from "./memory/socket.js";

const TOPIC = "bench/topic";
let ours, oursSocket, peer, peerSocket, stream, count, payload;
let received = 0; // each side's message handler counts: the same work for both, and nothing optimised away

/** K PUBLISH packets at QoS 0, as a broker would send them. */
function publishStream(size, messages) {
	const one = encodePublish(new Uint8Array(ArrayBuffer.fromString(TOPIC)), new Uint8Array(size).fill(0x70), 0, false, 0);
	const out = new Uint8Array(one.length * messages);
	for (let i = 0; i < messages; i++)
		out.set(one, i * one.length);
	return out;
}

globalThis.clients = {
	setup({ size, messages, binary }) {
		count = messages;
		payload = binary ? new Uint8Array(size).fill(0x70).buffer : "p".repeat(size);
		stream = publishStream(size, messages);

		ours = mqtt.Client("bench", 60, null, null, 1, 16_384 + 64, { binary, window: 64, queue: 64 });
		ours.on("message", () => received++);
		ours.connect("10.0.0.1", 1883, false);
		runTimers(); // the address answered: the socket opens
		oursSocket = ecma419.at(-1);
		oursSocket.writable(1_000_000);
		oursSocket.input = Uint8Array.of(0x20, 2, 0, 0);
		oursSocket.offset = 0;
		oursSocket.readable(4);

		peer = new ModdableClient({ host: "10.0.0.1", port: 1883, id: "bench" });
		// the peer hands over an ArrayBuffer; for a string, the app converts it as ours does
		peer.onMessage = binary ? () => received++ : (topic, data) => (String.fromArrayBuffer(data), received++);
		peer.onReady = () => {};
		peerSocket = legacy.at(-1);
		peer.ws.callback(1);
		peerSocket.input = Uint8Array.of(0x20, 2, 0, 0).buffer;
		peer.ws.callback(2);
		runTimers();
	},
	publishOurs() {
		for (let i = 0; i < count; i++)
			ours.publish(TOPIC, payload, 0, 0);
	},
	publishPeer() {
		for (let i = 0; i < count; i++)
			peer.publish(TOPIC, payload);
	},
	receiveOurs() {
		oursSocket.input = stream;
		oursSocket.offset = 0;
		oursSocket.readable(stream.length);
		runTimers();
	},
	receivePeer() {
		peerSocket.input = stream.buffer;
		peer.ws.callback(2);
		runTimers(); // Moddable's client hands messages over from a timer
	},
	/** What the device does natively and stand-ins do here, for one published string: checking and encoding it. */
	standIns() {
		const text = payload; // peer.mjs asks for this with a string payload only
		for (let i = 0; i < count; i++) {
			text.isWellFormed();
			ArrayBuffer.fromString(text);
		}
	},
	/** What the device's socket does natively and the in-memory one here: copy the received bytes into the client's buffer. */
	socketCopy() {
		new Uint8Array(stream.length).set(stream);
	},
};
