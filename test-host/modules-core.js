// Moddable's `modules` on the host, for both engines: Modules.has and Modules.importNow over the
// modules the host image holds that code looks up rather than imports: mqtt/secure and the TLS
// socket, when TLS is in. Each engine gives those two and how it knows whether TLS is in.
const SECURE = "mqtt/secure";
const TLS = "embedded:io/socket/tcp/tls";

export function makeModules(secure, TLSSocket, hasTls) {
	return class Modules {
		static has(name) {
			return (name === SECURE || name === TLS) && hasTls();
		}
		static importNow(name) {
			if (!Modules.has(name))
				throw new Error(`module "${name}" not found`);
			return name === TLS ? TLSSocket : secure;
		}
	};
}
