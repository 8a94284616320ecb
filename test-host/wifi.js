// Moddable's legacy `wifi` module on the host, in both engines: a station that is already
// associated. A new WiFi with a callback is told "connect", then "gotIP", after the turn that
// made it, as a device that has joined its network would be. What src/ uses, nothing more.
export default class WiFi {
	static gotIP = "gotIP";
	static connected = "connect";
	static disconnected = "disconnect";

	constructor(options, callback) {
		if (callback) {
			Promise.resolve().then(() => {
				callback(WiFi.connected);
				callback(WiFi.gotIP);
			});
		}
	}
}
