/*
 * MQTT over WebSocket (MQTT 3.1.1 §6, RFC 6455): a Link over another Link (the transport's
 * TCP or TLS), in an image only when the app includes manifest_ws.json. The client finds this
 * module with Modules.importNow, checks a ws:// or wss:// URL with parse(), and hands the
 * session "name/path" as its host: a host name holds no "/", so the slash is what tells this
 * link to speak WebSocket; any other host passes straight through to the transport.
 *
 * On the wire: an HTTP/1.1 upgrade asking for the "mqtt" subprotocol, whose answer is checked
 * (101, Upgrade, Connection, Sec-WebSocket-Accept against the key, the subprotocol, no
 * extension); then every write of the session goes out as binary frames of at most CHUNK
 * bytes, masked with a fresh key per frame (Math.random, as Moddable's modules have no other
 * source) by Moddable's native `logical` module. The session is told of every byte the socket
 * holds, and its read() takes the frame headers (and control frames) aside while it reads the
 * data straight into the session's receive buffer, so an MQTT packet may span frames, a frame
 * may hold several packets, and many frames are parsed in one turn as over TCP. Pings are answered; a close frame, and anything RFC 6455
 * says a client must fail the connection for, ends the link with its cause traced by the
 * session (connfail -5 during the upgrade, as for a refused TLS handshake; offline once the
 * session is up), from a turn of its own.
 */

import Logical from "logical";
import Timer from "timer";
import { fail } from "./arguments.js";
import type { Link, LinkOwner, TLSOptions, WebSocketModule, WebSocketTarget } from "./link.js";

const enum Op {
	CONTINUATION = 0,
	TEXT = 1,
	BINARY = 2,
	CLOSE = 8,
	PING = 9,
	PONG = 10,
	FIN = 0x80,
}
const enum Phase {
	PLAIN,
	UPGRADE,
	RESPONSE,
	OPEN,
	CLOSED,
}
const enum Size {
	CHUNK = 512, // payload bytes of one frame we send: the frame buffer's size, allocated once per link
	AT = 16, // where a frame's payload starts in that buffer: 4-byte aligned, after the largest header we write (8)
	HEADER = 8, // the most a frame of CHUNK bytes adds: 2 bytes, a 16-bit length, the 4-byte mask key
	TLS_RECORD = 96, // what the transport counts for every TLS write (transport.ts)
	RESPONSE = 1024, // the longest answer to the upgrade that is read
	CONTROL = 125, // the longest control frame (RFC 6455 5.5)
}
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// parse

function isNameCharacter(c: number): boolean {
	return (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c === 0x2D || c === 0x2E || c === 0x5F;
}

function parse(m: string, url: string, given: unknown[]): WebSocketTarget {
	const rule = (why: string): never => fail(m, "host", `must be a ws://host[:port][/path] or wss://host[:port][/path] URL: ${why}, got "${url}"`);
	const scheme = url.slice(0, 6).toLowerCase();
	const secure = scheme === "wss://";
	if (!secure && scheme.slice(0, 5) !== "ws://")
		fail(m, "host", `must be a host name, an IP address, or a ws:// or wss:// URL, got "${url}"`);
	for (let i = 0; i < given.length; i++) {
		if (given[i] !== null && given[i] !== undefined)
			fail(
				m,
				i ? "secure" : "port",
				`must be left out with a ws:// or wss:// URL, which holds the port and whether it is secure, got ${
					typeof given[i] === "string" ? `"${given[i]}"` : given[i]
				}`,
			);
	}
	let at = secure ? 6 : 5;
	let end = at;
	while (end < url.length && isNameCharacter(url.charCodeAt(end)))
		end++;
	const name = url.slice(at, end);
	const next = url.charAt(end);
	if (next === "@")
		rule("no user name or password in it (give them to mqtt.Client)");
	if (next === "[")
		rule("no IPv6 address (the device's network is IPv4)");
	if (!name.length || name.length > 253 || (next !== "" && next !== ":" && next !== "/" && next !== "?"))
		rule('the host is a name or an IPv4 address of letters, digits, "-", "." and "_"');
	let port = secure ? 443 : 80;
	if (next === ":") {
		at = ++end;
		while (end < url.length && url.charCodeAt(end) >= 0x30 && url.charCodeAt(end) <= 0x39)
			end++;
		port = end > at && end - at <= 5 ? Number(url.slice(at, end)) : 0;
		if (port < 1 || port > 65535 || (end < url.length && url.charAt(end) !== "/" && url.charAt(end) !== "?"))
			rule("the port is an integer from 1 to 65535");
	}
	let path = url.slice(end);
	for (let i = 0; i < path.length; i++) {
		const c = path.charCodeAt(i);
		if (c <= 0x20 || c >= 0x7F || c === 0x23)
			rule('the path is printable ASCII without spaces or "#" (percent-encode the rest)');
	}
	if (path.charAt(0) !== "/")
		path = "/" + path; // "ws://host" and "ws://host?x" ask for "/" (RFC 6455 3)
	return { host: name + path, port, secure };
}

// SHA-1 and Base64, for the key and Sec-WebSocket-Accept: once per connection

function sha1(text: string): Uint8Array {
	const length = text.length; // ASCII
	const blocks = ((length + 8) >> 6) + 1;
	const w = new Uint32Array(80);
	const h = Uint32Array.of(0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0);
	for (let block = 0; block < blocks; block++) {
		for (let i = 0; i < 16; i++) {
			let word = 0;
			for (let j = 0; j < 4; j++) {
				const k = (block << 6) + (i << 2) + j;
				word = (word << 8) | (k < length ? text.charCodeAt(k) : k === length ? 0x80 : 0);
			}
			w[i] = word;
		}
		if (block === blocks - 1)
			w[15] = length << 3;
		for (let i = 16; i < 80; i++) {
			const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
			w[i] = (x << 1) | (x >>> 31);
		}
		let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!;
		for (let i = 0; i < 80; i++) {
			const f = i < 20 ?
				((b & c) | (~b & d)) + 0x5A827999
				: i < 40 ?
				(b ^ c ^ d) + 0x6ED9EBA1
				: i < 60 ?
				((b & c) | (b & d) | (c & d)) + 0x8F1BBCDC
				: (b ^ c ^ d) + 0xCA62C1D6;
			const t = (((a << 5) | (a >>> 27)) + f + e + w[i]!) >>> 0;
			e = d;
			d = c;
			c = ((b << 30) | (b >>> 2)) >>> 0;
			b = a;
			a = t;
		}
		h[0]! += a;
		h[1]! += b;
		h[2]! += c;
		h[3]! += d;
		h[4]! += e;
	}
	const digest = new Uint8Array(20);
	for (let i = 0; i < 20; i++)
		digest[i] = h[i >> 2]! >>> (24 - ((i & 3) << 3));
	return digest;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64(bytes: Uint8Array): string {
	let text = "";
	for (let i = 0; i < bytes.length; i += 3) {
		const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
		text += BASE64.charAt(n >> 18) + BASE64.charAt((n >> 12) & 63)
			+ (i + 1 < bytes.length ? BASE64.charAt((n >> 6) & 63) : "=")
			+ (i + 2 < bytes.length ? BASE64.charAt(n & 63) : "=");
	}
	return text;
}

/** The Sec-WebSocket-Accept that answers a Sec-WebSocket-Key (RFC 6455 4.2.2). */
export function acceptFor(key: string): string {
	return base64(sha1(key + GUID));
}

// the link

class WebSocketLink implements Link, LinkOwner {
	private inner: Link;
	private owner: LinkOwner | undefined;
	private phase = Phase.PLAIN;
	private secure = false;
	private path = "";
	private authority = ""; // the Host header
	private accept = ""; // the Sec-WebSocket-Accept the key asks for
	private response: Uint8Array | undefined; // the answer to the upgrade, while it comes
	private responseFill = 0;
	private out: Uint8Array | undefined; // the frame we write: header before AT, payload from AT
	private payload: Uint8Array | undefined; // `out` from AT
	private key: Uint8Array | undefined; // `out` from AT - 4: the mask key
	private keyWord: Uint32Array | undefined; // the same 4 bytes, written at once
	private cost = Size.HEADER; // what a frame costs beyond its payload: its header, and a TLS record
	private head!: Uint8Array; // a frame's header, then a control frame's payload from 10: made at the first upgrade
	private two!: Uint8Array; // head's first two bytes
	private headFill = 0;
	private headNeed = 2;
	private unread = 0; // during the upgrade: bytes the inner link reported and we have not read
	private left = 0; // payload bytes of the current frame not yet read
	private control = 0; // the opcode of the control frame being read, 0 for data
	private fragmented = false; // a binary message continues in the next data frame
	private pong = -1; // payload length of a ping still to answer
	private closeCode = 1000; // what our close frame says
	private failure = ""; // why the link must end, found inside read(): reported from a turn of its own
	private free = 0; // the inner link's send space
	private pending = false; // a turn is scheduled for the pong or the failure
	private generation = 0;

	constructor(inner: Link) {
		this.inner = inner;
	}

	attach(owner: LinkOwner): void {
		this.owner = owner;
		this.inner.attach(this);
	}

	resolve(host: string): void {
		const slash = host.indexOf("/");
		this.inner.resolve(slash < 0 ? host : host.slice(0, slash));
	}

	open(address: string, port: number, host: string, secure: boolean, tls: TLSOptions | undefined): void {
		const slash = host.indexOf("/");
		this.generation++;
		if (slash < 0) {
			this.phase = Phase.PLAIN;
			return this.inner.open(address, port, host, secure, tls);
		}
		const name = host.slice(0, slash);
		if (!this.head) { // a client that never speaks WebSocket holds none of it
			this.head = new Uint8Array(10 + Size.CONTROL);
			this.two = this.head.subarray(0, 2);
		}
		this.phase = Phase.UPGRADE;
		this.secure = secure;
		this.cost = secure ? Size.HEADER + Size.TLS_RECORD : Size.HEADER;
		this.path = host.slice(slash);
		this.authority = port === (secure ? 443 : 80) ? name : `${name}:${port}`;
		this.headFill =
			this.left =
			this.unread =
			this.control =
			this.free =
				0;
		this.headNeed = 2;
		this.fragmented = false;
		this.pong = -1;
		this.closeCode = 1000;
		this.failure = "";
		this.inner.open(address, port, name, secure, tls);
	}

	/**
	 * Reads `length` bytes of the stream: frame headers and control frames into head, data
	 * payload straight into `into` from `offset`. Returns how many bytes of data it put there.
	 */
	read(into: Uint8Array, offset: number, length: number): number {
		const inner = this.inner;
		if (this.phase === Phase.PLAIN)
			return inner.read(into, offset, length);
		let to = offset;
		while (length) {
			if (this.failure) { // the rest of what the session asked for is read and dropped
				inner.read(into, to, length);
				break;
			}
			const left = this.left;
			if (!left) {
				const headFill = this.headFill;
				let n = this.headNeed - headFill;
				if (n > length)
					n = length;
				if (n === 2 && !headFill) // a header's first two bytes at once, as a rule: a view of head, read whole
					inner.read(this.two, 0, 2);
				else
					inner.read(this.head, headFill, n);
				length -= n;
				if ((this.headFill = headFill + n) === this.headNeed)
					this.header();
				continue;
			}
			const n = left < length ? left : length;
			this.left = left - n;
			length -= n;
			if (this.control) { // a control frame's payload, into head from 10
				inner.read(this.head, 10 + this.headFill, n);
				this.headFill += n;
				if (!this.left)
					this.controlFrame();
			}
			else
				to += inner.read(into, to, n);
		}
		return to - offset;
	}

	write(from: Uint8Array, offset: number, length: number): number {
		if (this.phase === Phase.PLAIN)
			return this.inner.write(from, offset, length);
		if (length <= Size.CHUNK) // a packet, as a rule
			this.frame(Op.FIN | Op.BINARY, from, offset, length);
		else while (length > 0) {
				const n = length < Size.CHUNK ? length : Size.CHUNK;
				this.frame(Op.FIN | Op.BINARY, from, offset, n);
				offset += n;
				length -= n;
			}
		return this.room();
	}

	close(): void {
		if (this.phase === Phase.OPEN && this.free >= Size.HEADER + 2 + (this.secure ? Size.TLS_RECORD : 0)) {
			const head = this.head;
			head[0] = this.closeCode >> 8;
			head[1] = this.closeCode & 0xFF;
			this.frame(Op.FIN | Op.CLOSE, head, 0, 2);
		}
		this.generation++;
		if (this.phase !== Phase.PLAIN)
			this.phase = Phase.CLOSED;
		this.response = undefined;
		this.inner.close();
	}

	schedule(ms: number): void {
		this.inner.schedule(ms);
	}
	cancel(): void {
		this.inner.cancel();
	}
	now(): number {
		return this.inner.now();
	}

	// LinkOwner: what the inner link reports

	linkResolved(address: string | undefined): void {
		this.owner!.linkResolved(address);
	}

	linkTimer(): void {
		this.owner!.linkTimer();
	}

	linkError(cause?: string): void {
		const phase = this.phase;
		if (phase === Phase.PLAIN)
			return this.owner!.linkError(cause);
		this.phase = Phase.CLOSED;
		if (cause === undefined && phase === Phase.RESPONSE)
			cause = "WebSocket: the connection closed before the answer to the upgrade";
		else if (cause === undefined && phase === Phase.OPEN && (this.headFill || this.left))
			cause = "WebSocket: the connection closed in the middle of a frame";
		this.owner!.linkError(cause);
	}

	linkWritable(count: number): void {
		const phase = this.phase;
		if (phase === Phase.PLAIN)
			return this.owner!.linkWritable(count);
		this.free = count;
		if (phase === Phase.UPGRADE)
			this.request();
		else if (phase === Phase.OPEN) {
			if (this.pong >= 0 && !this.answer())
				return;
			this.owner!.linkWritable(this.room());
		}
	}

	linkReadable(count: number): void {
		if (this.phase === Phase.RESPONSE) {
			this.unread = count;
			while (this.unread && this.phase === Phase.RESPONSE)
				this.readResponse();
			return;
		}
		if (this.phase === Phase.PLAIN || this.phase === Phase.OPEN)
			this.owner!.linkReadable(count); // frames and all: read() takes the framing out
	}

	// sending

	/** What the session may write: the inner space less a header (and a TLS record) per frame. */
	private room(): number {
		const cost = this.cost, free = this.free;
		const frames = (free / (Size.CHUNK + cost)) | 0;
		const rest = free - frames * (Size.CHUNK + cost) - cost;
		return frames * Size.CHUNK + (rest > 0 ? rest : 0);
	}

	/** One frame of `length` (at most CHUNK) bytes, masked, in one write of the inner link. */
	private frame(first: number, from: Uint8Array, offset: number, length: number): void {
		let out = this.out;
		if (!out) {
			out = this.out = new Uint8Array(Size.AT + Size.CHUNK);
			this.payload = out.subarray(Size.AT);
			this.key = out.subarray(Size.AT - 4, Size.AT);
			this.keyWord = new Uint32Array(out.buffer, Size.AT - 4, 1);
		}
		out.set(offset === 0 && length === from.length ? from : from.subarray(offset, offset + length), Size.AT);
		this.keyWord![0] = Math.random() * 0x100000000; // a fresh key (RFC 6455 5.3), ToUint32 by the store
		if (length)
			Logical.xor(this.payload!, this.key!, length);
		let at = Size.AT - 6;
		if (length < 126)
			out[at + 1] = 0x80 | length;
		else {
			at -= 2;
			out[at + 1] = 0x80 | 126;
			out[at + 2] = length >> 8;
			out[at + 3] = length;
		}
		out[at] = first;
		this.free = this.inner.write(out, at, Size.AT - at + length);
	}

	/** The HTTP upgrade (RFC 6455 4.1), with a fresh key. */
	private request(): void {
		const nonce = new Uint8Array(16);
		for (let i = 0; i < 16; i++)
			nonce[i] = (Math.random() * 256) | 0;
		const key = base64(nonce);
		this.accept = acceptFor(key);
		const text =
			`GET ${this.path} HTTP/1.1\r\nHost: ${this.authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`;
		const bytes = new Uint8Array(ArrayBuffer.fromString(text));
		if (this.free < bytes.length + (this.secure ? Size.TLS_RECORD : 0))
			return; // wait for more space (a send buffer holds far more)
		this.phase = Phase.RESPONSE;
		this.response = new Uint8Array(Size.RESPONSE);
		this.responseFill = 0;
		this.free = this.inner.write(bytes, 0, bytes.length);
	}

	/** Answers the ping held in head; false while there is no room for the pong. */
	private answer(): boolean {
		if (this.free < Size.HEADER + this.pong + (this.secure ? Size.TLS_RECORD : 0))
			return false;
		this.frame(Op.FIN | Op.PONG, this.head, 10, this.pong);
		this.pong = -1;
		return true;
	}

	// receiving

	/** Ends the link for a cause RFC 6455 gives; the session traces it and tears the link down. */
	private failWith(cause: string, code = 1002): void {
		this.closeCode = code; // a protocol error (RFC 6455 7.4.1), unless the server closed
		this.owner!.linkError(`WebSocket: ${cause}`);
		this.phase = Phase.CLOSED;
	}

	/** As failWith, found inside read(): nothing more is read, and the session hears of it in a turn of its own. */
	private fault(cause: string, code = 1002): void {
		if (!this.failure) {
			this.failure = cause;
			this.closeCode = code;
			this.later();
		}
	}

	private later(): void {
		if (this.pending)
			return;
		this.pending = true;
		const generation = this.generation;
		Timer.set(() => {
			this.pending = false;
			if (generation !== this.generation)
				return;
			if (this.failure)
				this.failWith(this.failure, this.closeCode);
			else if (this.pong >= 0 && this.answer())
				this.owner!.linkWritable(this.room()); // the pong took space the session counted on
		}, 0);
	}

	private readResponse(): void {
		// no further than the blank line that ends the header can reach: what follows it is
		// frames, read as frames. k bytes already match the start of CR LF CR LF, so the blank
		// line cannot end before 4 - k more bytes.
		const response = this.response!;
		let fill = this.responseFill, k = 0;
		if (fill >= 3 && response[fill - 3] === 0x0D && response[fill - 2] === 0x0A && response[fill - 1] === 0x0D)
			k = 3;
		else if (fill >= 2 && response[fill - 2] === 0x0D && response[fill - 1] === 0x0A)
			k = 2;
		else if (fill >= 1 && response[fill - 1] === 0x0D)
			k = 1;
		let n = 4 - k;
		if (n > this.unread)
			n = this.unread;
		if (fill + n > response.length)
			return this.failWith(`the server's answer to the upgrade is longer than ${Size.RESPONSE} bytes`);
		this.inner.read(response, fill, n);
		this.unread -= n;
		this.responseFill = fill += n;
		if (fill >= 4 && response[fill - 4] === 0x0D && response[fill - 3] === 0x0A && response[fill - 2] === 0x0D && response[fill - 1] === 0x0A)
			this.checkResponse();
	}

	private checkResponse(): void {
		const response = this.response!;
		this.response = undefined;
		let text: string;
		try {
			text = String.fromArrayBuffer(response.buffer, 0, this.responseFill - 4);
		}
		catch {
			return this.failWith("the server's answer to the upgrade is not text");
		}
		const lines = text.split("\r\n");
		const status = lines[0]!;
		if (status.slice(0, 5) !== "HTTP/" || status.charAt(8) !== " ")
			return this.failWith(`the server did not answer in HTTP ("${status}")`);
		let upgrade = "", connection = "", accept = "", protocol = "", extensions = "", location = "";
		for (let i = 1; i < lines.length; i++) {
			const line = lines[i]!, colon = line.indexOf(":");
			if (colon < 0)
				continue;
			const name = line.slice(0, colon).trim().toLowerCase(), value = line.slice(colon + 1).trim();
			if (name === "upgrade")
				upgrade = value.toLowerCase();
			else if (name === "connection")
				connection = value.toLowerCase();
			else if (name === "sec-websocket-accept")
				accept = value;
			else if (name === "sec-websocket-protocol")
				protocol = value;
			else if (name === "sec-websocket-extensions")
				extensions = value;
			else if (name === "location")
				location = value;
		}
		const code = status.slice(9, 12);
		if (code !== "101")
			return this.failWith(
				`the server answered "${status.slice(9)}" to the upgrade of ${this.path}${
					location ? ` (redirects are not followed: Location ${location})` : ""
				}`,
			);
		if (upgrade !== "websocket" || connection.indexOf("upgrade") < 0)
			return this.failWith('the server\'s 101 lacks "Upgrade: websocket" or "Connection: Upgrade"');
		if (accept !== this.accept)
			return this.failWith(`Sec-WebSocket-Accept "${accept}" does not match the key (expected "${this.accept}")`);
		if (protocol !== "mqtt")
			return this.failWith(
				protocol
					? `the server chose the subprotocol "${protocol}", not mqtt`
					: "the server did not accept the mqtt subprotocol (no Sec-WebSocket-Protocol)",
			);
		if (extensions)
			return this.failWith(`the server named extensions the client did not offer (${extensions})`);
		this.phase = Phase.OPEN;
		const generation = this.generation;
		this.owner!.linkWritable(this.room()); // the session sees its link up, and writes CONNECT
		if (this.unread && generation === this.generation)
			this.owner!.linkReadable(this.unread); // frames that came with the answer
	}

	/** The header in head is complete: false when the link must end (fault). */
	private header(): boolean {
		const head = this.head;
		const first = head[0]!, second = head[1]!;
		if (first === (Op.FIN | Op.BINARY) && second < 126 && !this.fragmented) { // a whole message of up to 125 bytes, as a rule
			this.headFill = 0;
			this.left = second;
			return true;
		}
		let length = second & 0x7F;
		if (this.headNeed === 2) {
			let why = "";
			if (first & 0x70)
				why = `a frame with reserved bits set (0x${(first & 0x70).toString(16)}), no extension having been agreed`;
			else if (second & 0x80)
				why = "the server masked a frame (RFC 6455 5.1: it must not)";
			else if (length > 125) {
				this.headNeed = length === 126 ? 4 : 10;
				return true;
			}
			if (why) {
				this.fault(why);
				return false;
			}
		}
		else if (length === 126)
			length = (head[2]! << 8) | head[3]!;
		else {
			const high = ((head[2]! << 24) | (head[3]! << 16) | (head[4]! << 8) | head[5]!) >>> 0;
			if (high > 0x1FFFFF) {
				this.fault(high >= 0x80000000 ? "a frame announced 2^63 bytes or more" : "a frame announced more than 2^53 bytes");
				return false;
			}
			length = high * 0x100000000 + (((head[6]! << 24) | (head[7]! << 16) | (head[8]! << 8) | head[9]!) >>> 0);
		}
		this.headFill = 0;
		this.headNeed = 2;
		const op = first & 0x0F, fin = (first & Op.FIN) !== 0;
		let why = "";
		if (op >= Op.CLOSE) {
			if (op > Op.PONG)
				why = `a frame with the unknown opcode ${op}`;
			else if (!fin)
				why = "a fragmented control frame";
			else if (length > Size.CONTROL)
				why = `a control frame of ${length} bytes (at most ${Size.CONTROL})`;
			else {
				this.control = op;
				this.left = length;
				if (!length)
					this.controlFrame();
				return !this.failure;
			}
		}
		else if (op === Op.TEXT)
			why = "a text frame (MQTT travels in binary frames)";
		else if (op === Op.BINARY) {
			if (this.fragmented)
				why = "a new message before the last one's final frame";
		}
		else if (op !== Op.CONTINUATION)
			why = `a frame with the unknown opcode ${op}`;
		else if (!this.fragmented)
			why = "a continuation frame with no message to continue";
		if (why) {
			this.fault(why);
			return false;
		}
		this.fragmented = !fin;
		this.left = length;
		return true;
	}

	private controlFrame(): void {
		const op = this.control, length = this.headFill;
		this.control = 0;
		this.headFill = 0;
		if (op === Op.PING) {
			this.pong = length; // answered from a turn of its own: the session is reading now
			this.later();
		}
		else if (op === Op.CLOSE) {
			const head = this.head;
			const code = length >= 2 ? ` with code ${(head[10]! << 8) | head[11]!}` : " without a code";
			let reason = "";
			if (length > 2) {
				try {
					reason = ` "${String.fromArrayBuffer(head.buffer, 12, length - 2)}"`;
				}
				catch {
				}
			}
			this.fault(`the server closed the connection${code}${reason}`, 1000);
		}
	}
}
Object.freeze(WebSocketLink.prototype); // preloaded: a frozen prototype stays in flash

const websocket: WebSocketModule = Object.freeze({ parse, link: (inner: Link) => new WebSocketLink(inner) });
export default websocket;
