// `timer` for the in-XS client benchmarks: nothing runs by itself; runTimers() fires the timers
// set so far to run at once (a name answered, events handed over later). Timers set for later
// (keepalive, deadlines) never fire: no benchmark runs long enough to need them.
const pending = new Set();

export default class Timer {
	static set(callback, ms = 0, repeat = 0) {
		const timer = { callback, ms, repeat };
		pending.add(timer);
		return timer;
	}
	static repeat(callback, ms) {
		return Timer.set(callback, ms, ms);
	}
	static schedule(timer, ms) {
		if (ms === undefined)
			pending.delete(timer);
		else {
			timer.ms = ms;
			pending.add(timer);
		}
	}
	static clear(timer) {
		pending.delete(timer);
	}
}

export function runTimers() {
	for (const timer of [...pending]) {
		if (timer.repeat || timer.ms)
			continue;
		pending.delete(timer);
		timer.callback(timer);
	}
}
