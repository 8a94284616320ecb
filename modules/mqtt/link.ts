/*
 * The seam between the protocol and the platform. The session drives a Link; a Link reports
 * back through the LinkOwner methods. transport.ts implements it over Moddable's modules;
 * the session tests implement it over a script and a manual clock.
 */

export interface LinkOwner {
	/** DNS answer; undefined when the name does not resolve. */
	linkResolved(address: string | undefined): void;
	/** Free send space; the first call means the connection is up. */
	linkWritable(count: number): void;
	/** Bytes waiting to be read. */
	linkReadable(count: number): void;
	/** Refused, reset, closed by the peer, or failed TLS (with its cause when known): the link is gone. */
	linkError(cause?: string): void;
	/** The one timer fired. */
	linkTimer(): void;
}

export interface TLSOptions {
	/** DER bytes of a CA certificate to trust (Moddable's `secure.certificate`). */
	certificate?: ArrayBuffer;
	/** false disables verification of the server certificate. */
	verify?: boolean;
	/** Server name for SNI and verification when it differs from the host. */
	serverName?: string;
	/** The device's certificate (DER) first, then any intermediate: mutual TLS (Moddable: RSA keys). */
	clientCertificates?: ArrayBuffer[];
	/** The private key of the first client certificate, PKCS#8 DER. */
	clientKey?: ArrayBuffer;
	/** Protocol names offered by ALPN, e.g. "x-amzn-mqtt-ca" for AWS IoT Core on port 443. */
	alpn?: string | string[];
}

/** A socket as the transport uses it: ECMA-419's TCP, or the TLS socket over it. */
export interface Socket {
	read(into: Uint8Array | number): unknown;
	write(buffer: Uint8Array): unknown;
	close(): unknown;
}

/** What secure.ts needs of the transport for which it opens a TLS socket. */
export interface SecureHost {
	readonly owner: LinkOwner | undefined;
	/** Callbacks of a socket opened under an older generation are ignored. */
	readonly generation: number;
	/** Send space: what onWritable reported less what was written since. */
	free: number;
	socket: Socket | undefined;
	/** Reports the link lost from a turn of its own. */
	failLater(cause?: string): void;
}

/** secure.ts, found with Modules.importNow("mqtt/secure") in an image with TLS. */
export interface Secure {
	/** Throws, naming the option and the rule, when options.tls is not what TLS takes. */
	check(method: string, tls: TLSOptions): void;
	/** Opens a TLS socket to `address` for the broker `name`, as the host's `socket`; failures come by failLater. */
	open(host: SecureHost, address: string, port: number, name: string, tls: TLSOptions | undefined): void;
}

/** A broker's address from a ws:// or wss:// URL, as the client gives it to the session. */
export interface WebSocketTarget {
	/** The host name, then the path the upgrade asks for: "broker.example/mqtt". */
	host: string;
	port: number;
	secure: boolean;
}

/** websocket.ts, found with Modules.importNow("mqtt/websocket") in an image with WebSocket. */
export interface WebSocketModule {
	/**
	 * Throws, naming the method, the argument and the rule, when `url` is not a ws:// or wss:// URL
	 * it takes, or when `given` (connect's port and secure) holds more than null or undefined.
	 */
	parse(method: string, url: string, given: unknown[]): WebSocketTarget;
	/** A link over `inner` that speaks WebSocket when the session's host holds a path ("name/path"), and passes through otherwise. */
	link(inner: Link): Link;
}

export interface Link {
	attach(owner: LinkOwner): void;
	resolve(host: string): void;
	open(address: string, port: number, host: string, secure: boolean, tls: TLSOptions | undefined): void;
	/**
	 * Reads exactly `length` bytes of the stream (length is at most what was reported readable)
	 * into `into` at `offset`, and returns how many of them are data there: `length`, or fewer
	 * when the link takes framing out of them (WebSocket).
	 */
	read(into: Uint8Array, offset: number, length: number): number;
	/** Writes exactly `length` bytes; length is at most the free space. Returns what is left of it. */
	write(from: Uint8Array, offset: number, length: number): number;
	/** Idempotent; no owner call follows. */
	close(): void;
	/** Arms the one timer `ms` from now, replacing any earlier arming. */
	schedule(ms: number): void;
	cancel(): void;
	now(): number;
}
