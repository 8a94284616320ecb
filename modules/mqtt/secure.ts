/*
 * TLS for the client: the check of options.tls and the secure socket's opening. In an image
 * only when the app includes manifest_tls.json, which also brings the TLS socket; the rest of
 * the client finds this module with Modules.importNow, so a plain image carries none of it.
 *
 * What Moddable's TLS socket does, and this file allows for (examples/io/tcp/tlssocket):
 *  - it calls its callbacks without itself as `this`, so they are closures here;
 *  - it runs its handshake inside the TCP socket's callbacks and lets a failure (untrusted or
 *    expired certificate, an alert) escape them as an exception, which on the device aborts
 *    the machine; it calls onError only for TCP errors. It is given a TCP whose callbacks
 *    catch, and the exception's message becomes the cause the session traces.
 * The TLS socket is looked up rather than imported: mcconfig maps its specifier to the SDK's
 * JavaScript, which has no typings for TypeScript to check an import against.
 */

import TCP from "embedded:io/socket/tcp";
import Modules from "modules";
import { fail } from "./arguments.js";
import type { Secure, SecureHost, Socket, TLSOptions } from "./link.js";

const isBuffer = (value: unknown) => value instanceof ArrayBuffer;

function check(m: string, tls: TLSOptions): void {
	if (typeof tls !== "object")
		fail(m, "options.tls", "must be an object", true);
	if (tls.certificate !== undefined && !isBuffer(tls.certificate))
		fail(m, "options.tls.certificate", "must be an ArrayBuffer holding a DER certificate", true);
	const chain = tls.clientCertificates;
	if (chain !== undefined && (!Array.isArray(chain) || !chain.length || !chain.every(isBuffer)))
		fail(m, "options.tls.clientCertificates", "must be a non-empty array of ArrayBuffers holding DER certificates, the device's first", true);
	if (tls.clientKey !== undefined && !isBuffer(tls.clientKey))
		fail(m, "options.tls.clientKey", "must be an ArrayBuffer holding a PKCS#8 DER key", true);
	if ((chain === undefined) !== (tls.clientKey === undefined))
		fail(m, "options.tls.clientKey", "and options.tls.clientCertificates must be given together");
	const alpn = tls.alpn;
	if (alpn !== undefined && typeof alpn !== "string" && !(Array.isArray(alpn) && alpn.length && alpn.every((name) => typeof name === "string")))
		fail(m, "options.tls.alpn", "must be a protocol name or an array of them", true);
}

/** Moddable's TLS exceptions (modules/crypt/ssl) in the words a user can act on. */
function cause(error: unknown): string {
	const message = String((error as Error)?.message ?? error);
	if (message.indexOf("date validation") >= 0)
		return `certificate expired or not yet valid; is the clock set? (${message})`;
	if (message.indexOf("auth err") >= 0)
		return `certificate not trusted, or the broker's name is not in its subjectAltName (${message})`;
	if (message.indexOf("alert") >= 0)
		return `the broker ended the handshake (${message})`;
	return `handshake failed (${message})`;
}

/** A TLS socket to `address`, its callbacks reporting to the host while its generation holds. */
function open(host: SecureHost, address: string, port: number, name: string, tls: TLSOptions | undefined): void {
	const generation = host.generation;
	const owner = host.owner!;
	const options = {
		address,
		port,
		nodelay: true,
		onReadable: (count: number) => {
			if (generation === host.generation)
				owner.linkReadable(count);
		},
		onWritable: (count: number) => {
			if (generation === host.generation)
				owner.linkWritable(host.free = count);
		},
		onError: (error?: unknown) => { // the host's TLS socket gives the cause; the device's none
			if (generation === host.generation)
				owner.linkError(error === undefined ? undefined : String(error));
		},
	};
	// constructed with `new` by the TLS socket: returning the socket makes it the result
	function GuardedTCP(tcpOptions: { onReadable: (count?: number) => void; onWritable: (count?: number) => void; onError: (count?: number) => void }) {
		const guard = (callback: (count?: number) => void) => (count?: number) => {
			try {
				callback(count);
			}
			catch (error) {
				if (generation === host.generation)
					host.failLater(cause(error));
			}
		};
		return new TCP(
			{
				...tcpOptions,
				onReadable: guard(tcpOptions.onReadable),
				onWritable: guard(tcpOptions.onWritable),
				onError: guard(tcpOptions.onError),
			} as unknown as ConstructorParameters<typeof TCP>[0],
		);
	}
	// Moddable's TLS session takes serverName, certificate, verify, clientCertificates and
	// clientKey by these names; ALPN by its long one
	const session = tls?.alpn ? { ...tls, applicationLayerProtocolNegotiation: tls.alpn } : { ...tls };
	const secureOptions = { ...options, host: tls?.serverName ?? name, secure: session, TCP: { io: GuardedTCP } };
	try {
		const TLSSocket = Modules.importNow("embedded:io/socket/tcp/tls") as new(options: object) => Socket;
		host.socket = new TLSSocket(secureOptions);
	}
	catch (error) { // a CA certificate outside its dates is refused here
		host.failLater(cause(error));
	}
}

const secure: Secure = Object.freeze({ check, open });
export default secure;
