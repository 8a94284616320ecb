// `embedded:io/socket/tcp/tls` inside XS: a Node host TLS socket through the bridge.
import { BridgeSocket } from "./tcp.js";

export default class TLSSocket extends BridgeSocket {
	constructor(options) {
		super(options, "tls");
	}
}
