// Moddable's `modules` on the host, for both engines: Modules.has and Modules.importNow over the
// modules the host image holds that code looks up rather than imports: mqtt/secure and the TLS
// socket when TLS is in, mqtt/websocket when WebSocket is in. Each engine gives those modules and
// how it knows what the image holds ({ tls, websocket }).
const SECURE = "mqtt/secure";
const TLS = "embedded:io/socket/tcp/tls";
const WEBSOCKET = "mqtt/websocket";

export function makeModules(secure, TLSSocket, websocket, image) {
	return class Modules {
		static has(name) {
			if (name === SECURE || name === TLS)
				return image().tls;
			return name === WEBSOCKET && image().websocket;
		}
		static importNow(name) {
			if (!Modules.has(name))
				throw new Error(`module "${name}" not found`);
			return name === TLS ? TLSSocket : name === SECURE ? secure : websocket;
		}
	};
}
