// Runs inside XS (bundled by bench/run.mjs): the client's session over an in-memory link, so
// that xsnap's meter sees the client's own cost per message and nothing of the host bridge.
// globalThis.bench.setup(options) builds a connected session and a stream of K PUBLISH packets;
// (with v5, an MQTT 5 session and stream: Session5, no properties)
// bench.receive() feeds the stream; bench.publish(qos) publishes K messages; bench.decodeOnly()
// is the peer: only what any client must do, turning each payload into a string;
// bench.payloadOnly() is the payload string alone. With setup({ websocket: true }) the session
// runs over mqtt/websocket's link over the in-memory one, the upgrade answered, each received
// PUBLISH in a binary frame of its own (as mosquitto and the ws package send them).
import { Session } from "mqtt/session";
import websocket, { acceptFor } from "mqtt/websocket";
import Logical from "logical";
import { Session5 } from "mqtt/session5";
import { encodePublish5 } from "mqtt/codec5";
import { Store } from "mqtt/store";
import { CRC16 } from "crc";
import { Packet, decodeHeader } from "mqtt/codec";
import { encodePublish } from "mqtt/encode";

/**
 * The flash for the store rows: NOR semantics in XS memory. On the device these calls are native
 * (modSPIWrite), and so is the record's CRC (modules/data/crc); here both are JavaScript that the
 * meter counts, so each flash call is logged and bench.flashOnly() replays the log on a fresh
 * flash, with the CRC of each packet written, to price the stand-ins alone.
 */
class MemoryFlash {
	bytes = new Uint8Array(64 * 4096).fill(0xff);
	log = [];
	written = 0;
	erased = 0;
	get blockSize() {
		return 4096;
	}
	get byteLength() {
		return this.bytes.length;
	}
	read(offset, length) {
		this.log?.push(0, offset, length);
		return this.bytes.slice(offset, offset + length).buffer;
	}
	write(offset, length, from) {
		this.log?.push(1, offset, length);
		const bytes = this.bytes;
		for (let i = 0; i < length; i++)
			bytes[offset + i] &= from[i];
		this.written += length;
	}
	erase(sector) {
		this.log?.push(2, sector, 0);
		this.bytes.fill(0xff, sector * 4096, sector * 4096 + 4096);
		this.erased++;
	}
}

class MemoryLink {
	owner;
	input;
	offset = 0;
	request = ""; // what the client wrote before it was answered: the upgrade
	attach(owner) {
		this.owner = owner;
	}
	resolve() {}
	open() {}
	read(into, offset, length) {
		into.set(this.input.subarray(this.offset, this.offset + length), offset);
		this.offset += length;
		return length;
	}
	write(from, offset, length) {
		if (!this.request)
			this.request = String.fromArrayBuffer(from.buffer, from.byteOffset + offset, length);
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
/** Each packet in `packets` (one after another, `one` bytes each) in a binary frame of its own. */
function framed(packets, one) {
	const head = one < 126 ? 2 : 4, out = new Uint8Array((packets.length / one) * (head + one));
	for (let from = 0, to = 0; from < packets.length; from += one, to += head + one) {
		out[to] = 0x82;
		if (head === 2)
			out[to + 1] = one;
		else
			out.set([126, one >> 8, one & 0xff], to + 1);
		out.set(packets.subarray(from, from + one), to + head);
	}
	return out;
}

/** Feeds `bytes` to the session's link owner, as the socket would report them. */
function feed(bytes) {
	link.input = bytes;
	link.offset = 0;
	link.owner.linkReadable(bytes.length);
}

// Logical.xor is native on the device and metered JavaScript here: each call's length is logged,
// and bench.xorOnly() replays them alone so that their price can be taken off.
const xor = Logical.xor;
let xorLog = [];
Logical.xor = (dst, src, count) => {
	xorLog.push(count);
	xor(dst, src, count);
};

let session, link, stream, count, payloadText, topic, topicUtf8, flash, replay, acks;

globalThis.bench = {
	setup({ size, qos, messages, sectors, websocket: ws, v5 }) {
		link = new MemoryLink();
		const options = {
			maxMessageLength: 2048,
			keepalive: 60,
			cleanSession: true,
			binary: false,
			window: 64,
			queueLength: 64,
			receiveMaximum: 32,
			ackTimeout: 60_000,
		};
		flash = undefined;
		if (sectors) {
			flash = new MemoryFlash();
			options.store = new Store(flash, { sectors });
			options.offlineQueue = true; // as mqtt.Client sets it beside a store
		}
		// MQTT 5 as client5.ts makes it with the defaults: no alias, CONNECT's limits from the options
		const target = ws ? websocket.link(link) : link;
		session = v5
			? new Session5(target, owner, options, { connect: { receiveMaximum: 32, maximumPacketSize: 2048 }, topicAliases: 0 })
			: new Session(target, owner, options);
		session.connect(
			{
				clientId: "x",
				clientIdBytes: 1,
				keepalive: 60,
				cleanSession: true,
				username: undefined,
				usernameBytes: 0,
				password: undefined,
				willTopic: undefined,
				willTopicBytes: 0,
				willPayload: undefined,
				willQos: 0,
				willRetain: false,
			},
			ws ? "h/mqtt" : "h",
			1,
			false,
		);
		link.owner.linkResolved("10.0.0.1");
		link.owner.linkWritable(1_000_000);
		if (ws) {
			const key = /Sec-WebSocket-Key: (\S+)/.exec(link.request)[1];
			feed(
				new Uint8Array(
					ArrayBuffer.fromString(
						`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${
							acceptFor(key)
						}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`,
					),
				),
			);
		}
		const connack = v5 ? new Uint8Array([0x20, 3, 0, 0, 0]) : new Uint8Array([0x20, 2, 0, 0]); // MQTT 5's with an empty property block
		feed(ws ? framed(connack, connack.length) : connack);
		if (!session.connected)
			throw new Error("bench: the session did not connect");
		xorLog = [];
		topic = "bench/topic";
		topicUtf8 = new Uint8Array(ArrayBuffer.fromString(topic));
		payloadText = "p".repeat(size);
		const payload = new Uint8Array(size).fill(0x70);
		const encode = (id) => v5 ? encodePublish5(topicUtf8, payload, qos, false, id, 0, undefined) : encodePublish(topicUtf8, payload, qos, false, id);
		const one = encode(1).length;
		stream = new Uint8Array(one * messages);
		for (let i = 0; i < messages; i++)
			stream.set(encode((i % 60_000) + 1), i * one);
		if (ws)
			stream = framed(stream, one);
		count = messages;
		// the broker's side of each publish's exchange: PUBACK, or PUBREC then PUBCOMP
		acks = new Uint8Array(messages * (qos === 2 ? 8 : 4));
		for (let i = 0, at = 0; i < messages; i++) {
			for (const type of qos === 2 ? [0x50, 0x70] : [0x40]) {
				acks.set([type, 2, (i + 1) >> 8, (i + 1) & 0xff], at);
				at += 4;
			}
		}
		if (flash) {
			flash.log = [];
			replay = new MemoryFlash(); // made here: filling 256 KB is no part of the price
			replay.log = undefined;
		}
	},
	/**
	 * K publishes at `qos` and the broker's acknowledgements of them, 32 at a time so that the
	 * queue and the store always have room: each publish's whole life.
	 */
	exchange(qos) {
		const per = qos === 2 ? 8 : 4;
		for (let done = 0; done < count; done += 32) {
			const n = Math.min(32, count - done);
			for (let i = 0; i < n; i++) {
				if (session.publish(topicUtf8, new Uint8Array(ArrayBuffer.fromString(payloadText)), qos, false) < 0)
					throw new Error("bench: a publish was refused; the comparison would be unequal");
			}
			link.input = acks.subarray(done * per, (done + n) * per);
			link.offset = 0;
			session.linkReadable(n * per);
		}
	},
	/** What the flash did in the last exchange: bytes written, sectors erased, calls. */
	flashUse() {
		return { written: flash.written, erased: flash.erased, calls: flash.log.length / 3 };
	},
	/**
	 * The stand-ins alone, replaying the last exchange's flash calls: their cost is taken off.
	 * A write longer than a sector header (16 bytes) is a packet, and the store took its CRC with a
	 * CRC16 made for it: on the device its table is built in C, here in JavaScript that is priced.
	 */
	flashOnly() {
		const log = flash.log, scratch = new Uint8Array(4096);
		for (let i = 0; i < log.length; i += 3) {
			if (log[i] === 0)
				replay.read(log[i + 1], log[i + 2]);
			else if (log[i] === 1) {
				replay.write(log[i + 1], log[i + 2], scratch);
				if (log[i + 2] > 16) { // the store makes a CRC16 for each sum (store.ts, sum())
					const crc = new CRC16(0x1021, 0xffff);
					crc.checksum(scratch.subarray(0, log[i + 2]));
					crc.close();
				}
			}
			else
				replay.erase(log[i + 1]);
		}
	},
	receive() {
		feed(stream);
	},
	publish(qos) { // as the client does it: the topic's UTF-8 cached, the payload's from XS
		for (let i = 0; i < count; i++)
			session.publish(topicUtf8, new Uint8Array(ArrayBuffer.fromString(payloadText)), qos, false);
	},
	/** The stand-in Logical.xor alone, over the lengths the last run masked (a full collection first, as perMessage does). */
	xorOnly() {
		const scratch = new Uint8Array(4096), key = new Uint8Array(4);
		for (const count of xorLog)
			xor(scratch, key, count);
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
