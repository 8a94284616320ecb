// Moddable's `sntp` on the host, in both engines: answers with the host's clock (itself set by
// NTP) after a network round trip's delay, or SNTP.error for an empty host name, through the
// same callback as the device's.
import Timer from "timer";
import { hostSeconds } from "time";

export default class SNTP {
	static time = 1;
	static retry = 2;
	static error = -1;
	#timer;
	constructor({ host }, callback) {
		this.#timer = Timer.set(() => {
			if (host)
				callback(SNTP.time, hostSeconds());
			else
				callback(SNTP.error, "no host");
		}, 20);
	}
	close() {
		Timer.clear(this.#timer);
	}
}
