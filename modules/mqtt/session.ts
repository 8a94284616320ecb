/*
 * The MQTT 3.1.1 session's lifecycle: resolving, opening, the CONNECT handshake, keepalive and
 * acknowledgement deadlines on the link's one timer, closing, reconnecting by itself with
 * backoff, and what the owner (the client facade) is told. Sending, receiving and the tables
 * are the layers below: outbox.ts, inbox.ts, tables.ts.
 */

import { Type } from "./codec.js";
import { connectLength, writeConnect } from "./encode.js";
import type { ConnectFields } from "./encode.js";
import type { Link, LinkOwner } from "./link.js";
import { Inbox } from "./inbox.js";
import type { SessionOptions } from "./tables.js";
import { Bit, Ev, Fail, Slot, State, Timeout } from "./tables.js";

export type { SessionOptions };

/** What the session tells its owner (the client), always outside the parser. */
export interface SessionOwner {
	// The values after NodeMCU's are MQTT 5's (session5.ts): reason codes and properties.
	/** A CONNACK accepted the session. */
	connected(sessionPresent: boolean, connack?: unknown): void;
	/** The attempt failed: a CONN_FAIL_* value, or the CONNACK's refusal (1..5; MQTT 5: its reason code). */
	connectFailed(reason: number, properties?: unknown): void;
	/** An established session ended (MQTT 5: the reason of the server's DISCONNECT, when it sent one). */
	offline(reason?: unknown, properties?: unknown): void;
	/** `data` is undefined for an empty payload; `id` is the packet id (0 at QoS 0). */
	message(topic: string, data: string | ArrayBuffer | undefined, id: number, properties?: unknown): void;
	/** The first bytes of a message larger than the receive buffer. */
	overflow(topic: string, data: string | ArrayBuffer | undefined, id: number, properties?: unknown): void;
	/** A publish is done: QoS 0 written (when reported), QoS 1 PUBACK, QoS 2 PUBCOMP. */
	published(id: number, reason?: unknown, properties?: unknown): void;
	subscribed(id: number, granted: number[], properties?: unknown): void;
	unsubscribed(id: number, codes?: unknown, properties?: unknown): void;
	/** Every publish accepted is done (asked for with reportDrained). */
	drained(): void;
}

export class Session extends Inbox implements LinkOwner {
	protected owner: SessionOwner;
	protected fields: ConnectFields | undefined; // read at every attempt, so that a new will applies (3.1.2.5)
	protected host = "";
	protected port = 0;
	protected connectPacket: Uint8Array | undefined;
	protected attempts = 0; // since the last session that held: the backoff's exponent
	protected upSince = -1; // when the session came up (link clock)

	constructor(link: Link, owner: SessionOwner, options: SessionOptions) {
		const journal = options.store; // what it kept over a reset may need a longer queue
		super(
			link,
			options,
			journal ? journal.open(options.queueLength, options.window, options.cleanSession ? 0 : options.receiveMaximum) : options.queueLength,
		);
		this.owner = owner;
		journal?.restore(this);
		link.attach(this);
	}

	get connected(): boolean {
		return this.state === State.CONNECTED && !(this.bits & Bit.CLOSE_PENDING);
	}
	get idle(): boolean {
		return this.state === State.IDLE;
	}
	get closing(): boolean {
		return this.state === State.CLOSING || (this.bits & Bit.CLOSE_PENDING) !== 0;
	}
	/** Whether a QoS 0 publish is reported (Ev.PUBACK) once written: the app has a puback handler. */
	set reportWritten(on: boolean) {
		this.bits = on ? this.bits | Bit.WANT_WRITTEN : this.bits & ~Bit.WANT_WRITTEN;
	}
	/** Whether the owner is told when every publish accepted is done (the app has a drained handler). */
	set reportDrained(on: boolean) {
		this.bits = on ? this.bits | Bit.WANT_DRAINED : this.bits & ~(Bit.WANT_DRAINED | Bit.DRAINED_DUE);
	}
	/** The receive buffer's size: no packet but a PUBLISH may be larger. */
	get maxMessageLength(): number {
		return this.rx.length;
	}

	/** Starts an attempt; while closing, it starts once DISCONNECT is out, after offline. */
	connect(fields: ConnectFields, host: string, port: number, secure: boolean): void {
		this.fields = fields;
		this.host = host;
		this.port = port;
		this.bits &= ~(Bit.SECURE | Bit.STOPPED);
		if (secure)
			this.bits |= Bit.SECURE;
		this.attempts = 0;
		if (this.closing)
			this.bits |= Bit.CONNECT_AFTER_CLOSE;
		else
			this.attempt();
	}

	/** No more attempts by itself (a pending one is cancelled) until the next connect(). */
	stop(): void {
		this.bits = (this.bits | Bit.STOPPED) & ~Bit.CONNECT_AFTER_CLOSE;
		if ((this.bits & Bit.RETRYING)) {
			this.bits &= ~Bit.RETRYING;
			this.link.cancel();
		}
	}

	protected attempt(): void {
		const fields = this.fields!;
		this.connectPacket = this.connectOf(fields);
		this.bits &= ~Bit.RETRYING;
		this.state = State.RESOLVING;
		this.arm(Timeout.OPEN);
		this.link.resolve(this.host);
	}

	/** CONNECT, made again at every attempt; a method, so that MQTT 5 (session5.ts) writes its own. */
	protected connectOf(fields: ConnectFields): Uint8Array {
		const packet = new Uint8Array(connectLength(fields));
		writeConnect(packet, 0, fields);
		return packet;
	}

	/**
	 * Ends an established session: DISCONNECT, then offline. Returns false otherwise; as in
	 * NodeMCU, an attempt under way goes on to its one connect or connfail.
	 */
	close(): boolean {
		if (!this.connected)
			return false;
		if (this.draining)
			this.bits |= Bit.CLOSE_PENDING;
		else
			this.beginClose();
		return true;
	}

	protected beginClose(): void {
		this.state = State.CLOSING;
		this.control(Type.DISCONNECT, 0);
		this.arm(Timeout.CLOSE);
		this.pump();
	}

	// LinkOwner

	linkResolved(address: string | undefined): void {
		this.resolved(address);
		this.drain();
	}

	linkError(cause?: string): void {
		if (cause !== undefined && this.state !== State.IDLE)
			trace(`mqtt: connection failed: ${cause}\n`);
		this.error();
		this.drain();
	}

	linkTimer(): void {
		this.timer();
		this.drain();
	}

	protected resolved(address: string | undefined): void {
		if (this.state !== State.RESOLVING)
			return;
		if (address === undefined)
			return this.fail(Fail.DNS);
		this.state = State.OPENING;
		try {
			this.link.open(address, this.port, this.host, (this.bits & Bit.SECURE) !== 0, this.options.tls);
		}
		catch {
			this.fail(Fail.SERVER_NOT_FOUND);
		}
	}

	linkWritable(count: number): void {
		this.writable = count;
		if (this.state === State.OPENING) {
			this.state = State.HANDSHAKE;
			this.writing = this.connectPacket; // CONNECT goes at once, ahead of everything
			this.writingOffset = 0;
			this.writingSlot = Slot.WRITING_CONNECT;
			this.arm(Timeout.SEND);
			this.heldGoAgain();
		}
		this.pump();
		if ((this.unread || this.fill) && this.receiving()) {
			this.receive();
			this.pump();
		}
		this.drain();
	}

	linkReadable(count: number): void {
		this.unread = count;
		this.receive();
		this.pump();
		this.drain();
	}

	protected error(): void {
		const state = this.state;
		if (state === State.CONNECTED)
			this.lost("connection lost");
		else if (state === State.CLOSING)
			this.finishClose();
		else if (state !== State.IDLE)
			this.fail(this.failure());
	}

	/** The NodeMCU reason for an attempt that ends, by how far it got. */
	protected failure(): number {
		switch (this.state) {
			case State.RESOLVING:
				return Fail.DNS;
			case State.OPENING:
				return Fail.SERVER_NOT_FOUND;
			default: // HANDSHAKE: the CONNECT not all written, or no CONNACK
				return this.writing && this.writingSlot === Slot.WRITING_CONNECT ? Fail.TIMEOUT_SENDING : Fail.TIMEOUT_RECEIVING;
		}
	}

	protected timer(): void {
		const now = this.link.now();
		const state = this.state;
		if (state === State.IDLE) {
			if ((this.bits & Bit.RETRYING))
				this.attempt();
			return;
		}
		if (state === State.CLOSING)
			return this.finishClose();
		if (state !== State.CONNECTED)
			return this.fail(this.failure());
		const keepalive = this.options.keepalive * 1000;
		if (this.pingSentAt >= 0 && now - this.pingSentAt >= keepalive)
			return this.lost("no PINGRESP");
		const oldest = this.oldestSent();
		if (oldest >= 0 && now - oldest >= this.options.ackTimeout)
			return this.lost("no acknowledgement");
		if (this.pingSentAt < 0 && now - this.lastSend >= keepalive && !this.queued(Type.PINGREQ)) {
			this.pingSentAt = now;
			this.control(Type.PINGREQ, 0);
			this.pump();
		}
		let next = this.pingSentAt >= 0 ? this.pingSentAt + keepalive : this.lastSend + keepalive;
		if (oldest >= 0 && oldest + this.options.ackTimeout < next)
			next = oldest + this.options.ackTimeout;
		this.arm(Math.max(next - now, 1));
	}

	/**
	 * 4.4: with a new connection, unacknowledged PUBLISHes go again (DUP), in their original
	 * order, before anything new, right behind CONNECT unless options.waitConnack (pumpOnce). A
	 * subscription request cut off by the link loss is not replayed. PUBRELs wait for CONNACK
	 * (established()).
	 */
	protected heldGoAgain(): void {
		for (let i = 0; i < this.flightPacket.length; i++) {
			const state = this.slotState(i);
			if (state === Slot.WAIT_SUBACK || state === Slot.WAIT_UNSUBACK)
				this.release(i);
			else if (state === Slot.WAIT_PUBACK || state === Slot.WAIT_PUBREC)
				this.markResend(i);
		}
	}

	/**
	 * The PUBRELs owed go again, in the order of their PUBRECs (4.6). Session present 0 (3.2.2.2)
	 * means the broker holds nothing of ours: no PUBREL will come for the QoS 2 messages it sent
	 * us, and it no longer has the messages we still owe a PUBREL for, so those are published
	 * again (at least once, rather than lost). What went behind CONNECT reached the session the
	 * CONNACK describes, new or kept, and waits for its acknowledgement as usual.
	 */
	protected established(sessionPresent: boolean): void {
		this.state = State.CONNECTED;
		this.connectPacket = undefined; // made again from the fields at the next attempt
		this.lastSend = this.upSince = this.link.now();
		this.pingSentAt = -1;
		this.bits &= ~Bit.INCOMING_TRACED;
		const journal = this.options.store;
		if (!sessionPresent) {
			this.incomingCount = 0;
			if (!this.options.cleanSession)
				journal?.forgetIncoming();
		}
		let republished = 0;
		for (let i = 0; i < this.flightPacket.length; i++) {
			if (this.slotState(i) !== Slot.WAIT_PUBCOMP)
				continue;
			if (!sessionPresent) {
				this.advance(i, Slot.WAIT_PUBREC);
				journal?.again(this.queuePacket.length + i, this.flightPacket[i]!, this.slotId(i));
				republished++;
			}
			this.markResend(i);
		}
		if (republished)
			trace(`mqtt: the broker kept no session; ${republished} QoS 2 messages awaiting PUBCOMP are published again\n`);
		this.arm(this.options.keepalive * 1000);
		this.post(Ev.CONNECT, sessionPresent ? 1 : 0, undefined, undefined);
	}

	protected fail(reason: number): void {
		this.teardown();
		this.post(Ev.CONNFAIL, reason, undefined, undefined);
	}

	/**
	 * What follows the handler of a failed attempt (Ev.CONNFAIL) or of offline (Ev.OFFLINE):
	 * the attempt a connect() made while closing was waiting for, unless the handler connected
	 * already; otherwise, with options.reconnect, the next attempt by itself after a delay drawn
	 * at random up to a ceiling that doubles with each attempt ("full jitter": a fleet that lost
	 * its broker at once does not come back at once). The backoff starts again only after a
	 * session that held for a keepalive interval, so a broker that accepts and drops at once is
	 * retried ever more slowly, not in a loop.
	 */
	protected afterEnd(kind: number): void {
		if (kind === Ev.OFFLINE) {
			if (this.upSince >= 0 && this.link.now() - this.upSince >= this.options.keepalive * 1000)
				this.attempts = 0; // the session held for a keepalive interval: the backoff starts again
			this.upSince = -1;
			if ((this.bits & Bit.CONNECT_AFTER_CLOSE)) {
				this.bits &= ~Bit.CONNECT_AFTER_CLOSE;
				if (this.state === State.IDLE) // unless the offline handler connected already
					this.attempt();
				return;
			}
		}
		const reconnect = this.options.reconnect;
		if (!reconnect || (this.bits & Bit.STOPPED) || this.state !== State.IDLE)
			return;
		const { min, max } = reconnect;
		const ceiling = Math.min(max, min * 2 ** Math.min(this.attempts++, 30));
		this.bits |= Bit.RETRYING;
		this.arm(Math.round(min / 10 + this.options.random() * (ceiling - min / 10))); // a tenth of min as a floor: never a tight loop
	}

	protected lost(why: string): void {
		trace(`mqtt: ${why}\n`);
		this.teardown();
		this.post(Ev.OFFLINE, 0, undefined, undefined);
	}

	protected finishClose(): void {
		this.teardown();
		this.post(Ev.OFFLINE, 0, undefined, undefined);
	}

	protected protocolError(why: string): void {
		if (this.state === State.HANDSHAKE)
			return this.fail(Fail.NOT_A_CONNACK_MSG);
		this.lost(`protocol error: ${why}`);
	}

	protected teardown(): void {
		this.state = State.IDLE;
		this.bits &= ~Bit.CLOSE_PENDING;
		this.link.cancel();
		this.link.close();
		this.fill = 0;
		this.skip = 0;
		this.unread = 0;
		this.writable = 0;
		this.pingSentAt = -1;
		this.writing = undefined;
		this.clearControl();
		if (this.options.cleanSession) { // 3.1.2.4: the session ends with the connection
			this.incomingCount = 0;
			if (this.options.offlineQueue) // but not what the app handed over: it goes again after the next CONNACK
				return this.keepPublishesOnly();
			this.clearQueue();
			for (let i = 0; i < this.flightPacket.length; i++) {
				if (this.slotState(i) !== Slot.FREE)
					this.release(i);
			}
		}
	}

	/** Hands one event to the owner; afterEnd() decides what follows a connfail or an offline. */
	protected dispatch(kind: number, n: number, a: unknown, b: unknown): void {
		const owner = this.owner;
		switch (kind) {
			case Ev.CONNECT:
				return owner.connected(n === 1);
			case Ev.CONNFAIL:
				return owner.connectFailed(n);
			case Ev.OFFLINE:
				return owner.offline();
			case Ev.MESSAGE:
				owner.message(a as string, b as string | ArrayBuffer | undefined, n);
				return this.options.store?.delivered(n); // a QoS 2 one kept over a reset is marked as delivered
			case Ev.OVERFLOW:
				owner.overflow(a as string, b as string | ArrayBuffer | undefined, n);
				return this.options.store?.delivered(n);
			case Ev.PUBACK:
				return owner.published(n);
			case Ev.SUBACK:
				return owner.subscribed(n, a as number[]);
			case Ev.DRAINED:
				return owner.drained();
			default:
				return owner.unsubscribed(n);
		}
	}
}
Object.freeze(Session.prototype); // preloaded: a frozen prototype stays in flash
