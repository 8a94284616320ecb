// `embedded:io/socket/tcp/tls` on the host: the ECMA-419 socket of tcp.js over Node's TLS, with
// the options of Moddable's TLSSocket: `host` names the server for SNI and verification,
// `secure.certificate` is the DER of a CA to trust, `secure.verify` false skips verification,
// `secure.clientCertificates` (DER, the device's first) and `secure.clientKey` (PKCS#8 DER) make
// it mutual, `secure.applicationLayerProtocolNegotiation` names the protocols offered by ALPN.
// A failed handshake is reported as onError with its cause as the argument: Moddable's TLS
// socket throws the cause from inside its TCP callbacks instead, where the client's transport
// catches it (modules/mqtt/transport.ts), so the client sees the same either way. Like that socket
// (examples/io/tcp/tlssocket), onWritable reports the free space less 96 bytes, each write
// costs a record's overhead on top of its bytes (69: header, CBC IV, SHA-256 MAC, padding),
// and read() takes a count only: Moddable's ignored a buffer argument before May 2023, so this one
// throws for it rather than let a test pass that an older SDK would fail.
import { isIP } from "node:net";
import tls from "node:tls";
import { HostSocket } from "./tcp.js";

function pem(der, label = "CERTIFICATE") {
	const bytes = der instanceof ArrayBuffer ? new Uint8Array(der) : new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
	const base64 = Buffer.from(bytes).toString("base64").replace(/.{64}/g, "$&\n");
	return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

export default class TLSSocket extends HostSocket {
	constructor(options) {
		super(options, (o) => {
			const secure = o.secure ?? {};
			const servername = secure.serverName ?? o.host;
			const socket = tls.connect({
				host: o.address,
				port: o.port,
				servername: isIP(servername) ? undefined : servername, // SNI carries names only (RFC 6066, 3)
				ca: secure.certificate ? [pem(secure.certificate)] : undefined,
				rejectUnauthorized: secure.verify !== false,
				maxVersion: "TLSv1.2", // Moddable's TLS speaks 1.2 only (it sets protocolVersion 0x303)
				cert: secure.clientCertificates?.map((der) => pem(der)).join(""),
				key: secure.clientKey ? pem(secure.clientKey, "PRIVATE KEY") : undefined,
				ALPNProtocols: secure.applicationLayerProtocolNegotiation === undefined ? undefined : [secure.applicationLayerProtocolNegotiation].flat(),
				checkServerIdentity: (name, certificate) => tls.checkServerIdentity(servername ?? name, certificate),
			});
			socket.once("secureConnect", () => this.hostConnected());
			return socket;
		}, { reserve: 96, overhead: 69 });
	}

	/** The cause of a failed handshake, in the words the device's transport uses (tlsCause). */
	hostCause(error) {
		const code = error.code ?? "";
		if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID")
			return `certificate expired or not yet valid (${error.message})`;
		if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
			return `the broker's name is not in its certificate's subjectAltName (${error.message})`;
		if (/CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(code))
			return `certificate not trusted (${error.message})`;
		return `handshake failed (${error.message})`;
	}

	read(count) {
		if (typeof count === "object")
			throw new Error("TLS read into a buffer: Moddable's TLS socket does not support it");
		return super.read(count);
	}
}
