// A Link (modules/mqtt/link.ts) for session tests: no network, no real time. It records
// every byte written, serves inbound bytes to read() with ECMA-419's exact-length rule, lets
// the test set the free send space, and keeps a manual clock whose advance() fires the timer.
import mqttPacket from "mqtt-packet";
import { Session } from "../../build/host/modules/mqtt/session.js";

export class FakeLink {
	owner;
	written = []; // Uint8Array per write
	reads = []; // lengths requested by read()
	inbound = [];
	free = 1_000_000;
	clock = 0;
	due = undefined;
	closed = false;
	resolved = [];
	opened = [];

	attach(owner) {
		this.owner = owner;
	}
	resolve(host) {
		this.resolved.push(host);
	}
	open(address, port, host, secure, tls) {
		this.opened.push({ address, port, host, secure, tls });
		this.closed = false;
	}
	read(into, offset, length) {
		this.reads.push(length);
		const available = this.inbound.reduce((n, chunk) => n + chunk.length, 0);
		if (length <= 0 || length > available)
			throw new Error("invalid");
		let filled = 0;
		while (filled < length) {
			const chunk = this.inbound[0];
			const n = Math.min(chunk.length, length - filled);
			into.set(chunk.subarray(0, n), offset + filled);
			filled += n;
			if (n === chunk.length)
				this.inbound.shift();
			else
				this.inbound[0] = chunk.subarray(n);
		}
		return length;
	}
	write(from, offset, length) {
		if (length > this.free)
			throw new Error("would block");
		this.written.push(from.slice(offset, offset + length));
		this.free -= length;
		return this.free;
	}
	close() {
		this.closed = true;
	}
	schedule(ms) {
		this.due = this.clock + ms;
	}
	cancel() {
		this.due = undefined;
	}
	now() {
		return this.clock;
	}

	// test side

	/** Moves the clock, firing the timer whenever it comes due. */
	advance(ms) {
		const end = this.clock + ms;
		while (this.due !== undefined && this.due <= end) {
			this.clock = this.due;
			this.due = undefined;
			this.owner.linkTimer();
		}
		this.clock = end;
	}
	/** Delivers bytes as one readable event. */
	receive(bytes) {
		this.inbound.push(Uint8Array.from(bytes));
		this.owner.linkReadable(this.inbound.reduce((n, chunk) => n + chunk.length, 0));
	}
	/** Gives send space back, as lwIP does when segments are acknowledged. */
	drain(space = 1_000_000) {
		this.free = space;
		this.owner.linkWritable(space);
	}
	/** Everything written so far, parsed with mqtt-packet (an independent parser). */
	packets() {
		const parser = mqttPacket.parser({ protocolVersion: 4 });
		const out = [];
		parser.on("packet", (packet) => out.push(packet));
		parser.on("error", (error) => out.push({ cmd: "error", error }));
		for (const chunk of this.written)
			parser.parse(Buffer.from(chunk));
		return out;
	}
	bytes() {
		return Buffer.concat(this.written.map((chunk) => Buffer.from(chunk)));
	}
}

export function generate(packet) {
	return new Uint8Array(mqttPacket.generate(packet, { protocolVersion: 4 }));
}

/** A SessionOwner that records what it is told, by the client's event names. */
export class Recorder {
	events = [];
	onDeliver;
	connected(sessionPresent) {
		this.record("connect", sessionPresent);
	}
	connectFailed(reason) {
		this.record("connfail", reason);
	}
	offline() {
		this.record("offline");
	}
	message(topic, data, id) {
		this.record("message", topic, data, id);
	}
	overflow(topic, data, id) {
		this.record("overflow", topic, data, id);
	}
	published(id) {
		this.record("puback", id);
	}
	subscribed(id, granted) {
		this.record("suback", id, granted);
	}
	unsubscribed(id) {
		this.record("unsuback", id);
	}
	drained() {
		this.record("drained");
	}
	record(name, a, b, c) {
		this.events.push([name, a, b, c]);
		this.onDeliver?.(name, a, b, c);
	}
	names() {
		return this.events.map((event) => event[0]);
	}
}

/** The options a session test starts from. */
const SESSION_OPTIONS = {
	maxMessageLength: 1024,
	keepalive: 60,
	cleanSession: true,
	binary: false,
	window: 8,
	queueLength: 16,
	receiveMaximum: 32,
	ackTimeout: 60_000,
};

/** What CONNECT carries, as the client fills it in. */
export function connectFields(clientId = "t", cleanSession = true) {
	return {
		clientId,
		clientIdBytes: clientId.length,
		keepalive: 60,
		cleanSession,
		username: undefined,
		usernameBytes: 0,
		password: undefined,
		willTopic: undefined,
		willTopicBytes: 0,
		willPayload: undefined,
		willQos: 0,
		willRetain: false,
	};
}

/** A session over a fake link, not yet connected; `connect()` takes it to the CONNECT. */
export function startSession(options = {}) {
	const link = new FakeLink();
	const owner = new Recorder();
	const session = new Session(link, owner, { ...SESSION_OPTIONS, ...options });
	session.reportWritten = options.reportWritten ?? true; // as the client sets it when the app has a puback handler
	const connect = () => {
		session.connect(connectFields("t", options.cleanSession ?? true), "broker", 1883, false);
		session.linkResolved("10.0.0.1");
		session.linkWritable(link.free);
	};
	return { link, owner, session, connect };
}

/** A session the broker has accepted (session present 0). */
export function connectedSession(options = {}) {
	const s = startSession(options);
	s.connect();
	s.link.receive(generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
	return s;
}

export const utf8 = (text) => new TextEncoder().encode(text);
