// `time` inside XS. An engine started with { clock: "unset" } begins as an ESP8266 does, at
// 1970 plus the time since boot, until Time.set: then Date.now() runs from the time given.
import { call } from "./channel.js";

const realNow = Date.now;
const boot = realNow();
let base = 0;
let from = boot;
if (call({ op: "image" }).value.clockUnset)
	Date.now = () => base + realNow() - from;

/** The host's own clock, asked of Node (xsnap's is not the wall clock): what ../sntp.js answers with. */
export function hostSeconds() {
	return call({ op: "clock" }).value;
}

export default class Time {
	static set(seconds) {
		base = seconds * 1000;
		from = realNow();
	}
	static get ticks() {
		return realNow() - boot;
	}
}
