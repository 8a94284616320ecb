// The legacy `wifi` module inside XS: a station that is already associated, as on Node.
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
			Promise.resolve().then(() => {
				this.#callback?.(WiFi.connected);
				this.#callback?.(WiFi.gotIP);
			});
		}
	}
	close() {
		this.#callback = undefined;
	}
	static scan(options, callback) {
		Promise.resolve().then(() => callback(null));
	}
	static connect() {}
	static disconnect() {}
}
