// Moddable's legacy `wifi` module on the host: a station that is already associated. A new
// WiFi with a callback is told "connect" then "gotIP", as a device would be after joining.
export default class WiFi {
	static gotIP = "gotIP";
	static lostIP = "lostIP";
	static connected = "connect";
	static disconnected = "disconnect";
	static Mode = Object.freeze({ none: 0, station: 1, accessPoint: 2 });
	static mode = 1;
	#callback;

	constructor(options, callback) {
		this.#callback = callback;
		if (callback) {
			setImmediate(() => this.#callback?.(WiFi.connected));
			setImmediate(() => this.#callback?.(WiFi.gotIP));
		}
	}
	close() {
		this.#callback = undefined;
	}
	static scan(options, callback) {
		setImmediate(() => callback(null));
	}
	static connect() {}
	static disconnect() {}
	static accessPoint() {
		throw new Error("no access point on the host");
	}
}
