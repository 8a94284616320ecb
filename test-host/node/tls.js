// `embedded:io/socket/tcp/tls` on the host: the ECMA-419 socket of tcp.js over Node's TLS, with
// the options of Moddable's TLSSocket: `host` names the server for SNI and verification,
// `secure.certificate` is the DER of a CA to trust, `secure.verify` false skips verification.
// A failed handshake is reported as onError, as Moddable's TLS socket does.
import tls from "node:tls";
import { HostSocket } from "./tcp.js";

function pem(der) {
	const bytes = der instanceof ArrayBuffer ? new Uint8Array(der) : new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
	const base64 = Buffer.from(bytes).toString("base64").replace(/.{64}/g, "$&\n");
	return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

export default class TLSSocket extends HostSocket {
	constructor(options) {
		super(options, (o) => {
			const secure = o.secure ?? {};
			const servername = secure.serverName ?? o.host;
			const socket = tls.connect({
				host: o.address,
				port: o.port,
				servername,
				ca: secure.certificate ? [pem(secure.certificate)] : undefined,
				rejectUnauthorized: secure.verify !== false,
				checkServerIdentity: (name, certificate) => tls.checkServerIdentity(servername ?? name, certificate),
			});
			socket.once("secureConnect", () => this.hostConnected());
			return socket;
		});
	}
}
