// Moddable's `modules` on the host, for both engines: Modules.has and Modules.importNow over the
// modules the host image holds that code looks up rather than imports: mqtt/secure and the TLS
// socket when TLS is in, mqtt/websocket when WebSocket is in, mqtt/client5 when MQTT 5 is in.
// Each engine gives those modules and how it knows what the image holds ({ tls, websocket, v5 }).
// mqtt/client5 imports mqtt/client, which imports `modules`: the agent hands it over once both
// are loaded (hostProvide), as a static import here would make a cycle that evaluates client5
// before the class it extends.
const SECURE = "mqtt/secure";
const TLS = "embedded:io/socket/tcp/tls";
const WEBSOCKET = "mqtt/websocket";
const V5 = "mqtt/client5";

export function makeModules(secure, TLSSocket, websocket, image) {
	let client5;
	return class Modules {
		static hostProvide(name, module) {
			if (name === V5)
				client5 = module;
		}
		static has(name) {
			if (name === SECURE || name === TLS)
				return image().tls;
			if (name === V5)
				return !!client5 && image().v5;
			return name === WEBSOCKET && image().websocket;
		}
		static importNow(name) {
			if (!Modules.has(name))
				throw new Error(`module "${name}" not found`);
			return name === TLS ? TLSSocket : name === SECURE ? secure : name === V5 ? client5 : websocket;
		}
	};
}
