// Moddable's `time` on the host: the Node process's clock is already set, so Time.set only
// keeps what the app gave it (hostLastSet, for tests); the XS engine's can start unset.
// hostSeconds() is the host's own clock, which ../sntp.js answers with.
export function hostSeconds() {
	return Math.floor(Date.now() / 1000);
}

export default class Time {
	static hostLastSet;
	static set(seconds) {
		Time.hostLastSet = seconds;
	}
	static get ticks() {
		return Math.floor(performance.now());
	}
}
