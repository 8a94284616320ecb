// Moddable's `sntp` on the host: answers with the host's clock (itself set by NTP) after a
// network round trip's delay, or SNTP.error for an empty host name, through the same callback.
export default class SNTP {
	static time = 1;
	static retry = 2;
	static error = -1;
	#timer;
	constructor({ host }, callback) {
		this.#timer = setTimeout(() => {
			if (host)
				callback(SNTP.time, Math.floor(Date.now() / 1000));
			else
				callback(SNTP.error, "no host");
		}, 20);
	}
	close() {
		clearTimeout(this.#timer);
	}
}
