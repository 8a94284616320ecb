// `sntp` inside XS: the host's clock, asked of Node after a round trip's delay (see ../node/sntp.js).
import Timer from "./timer.js";
import { call } from "./channel.js";

export default class SNTP {
	static time = 1;
	static retry = 2;
	static error = -1;
	#timer;
	constructor({ host }, callback) {
		this.#timer = Timer.set(() => {
			if (host)
				callback(SNTP.time, call({ op: "sntp" }).value);
			else
				callback(SNTP.error, "no host");
		}, 20);
	}
	close() {
		Timer.clear(this.#timer);
	}
}
