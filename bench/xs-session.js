// Runs inside XS (bundled by bench/run.mjs): the client's session over an in-memory link, so
// that xsnap's meter sees the client's own cost per message and nothing of the host bridge.
// globalThis.bench.setup(options) builds a connected session and a stream of K PUBLISH packets;
// bench.receive() feeds the stream; bench.publish(qos) publishes K messages; bench.decodeOnly()
// is the peer: only what any client must do, turning each payload into a string;
// bench.payloadOnly() is the payload string alone.
import { Session } from "mqtt/session";
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
let session, link, stream, count, payloadText, topic, topicUtf8, flash, replay, acks;

globalThis.bench = {
	setup({ size, qos, messages, sectors }) {
		link = new MemoryLink();
		const options = { maxMessageLength: 2048, keepalive: 60, cleanSession: true, binary: false, window: 64, queueLength: 64, receiveMaximum: 32, ackTimeout: 60_000 };
		flash = undefined;
		if (sectors) {
			flash = new MemoryFlash();
			options.store = new Store(flash, { sectors });
			options.offlineQueue = true;	// as mqtt.Client sets it beside a store
		}
		session = new Session(link, owner, options);
		session.connect({ clientId: "x", clientIdBytes: 1, keepalive: 60, cleanSession: true, username: undefined, usernameBytes: 0, password: undefined, willTopic: undefined, willTopicBytes: 0, willPayload: undefined, willQos: 0, willRetain: false }, "h", 1, false);
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
			replay = new MemoryFlash();	// made here: filling 256 KB is no part of the price
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
				if (log[i + 2] > 16) {	// the store makes a CRC16 for each sum (store.ts, sum())
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
