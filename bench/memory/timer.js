// `timer` for the in-XS client benchmarks: nothing runs by itself; runTimers() fires the one-shot
// timers set so far (a name answered, events handed over later). Repeating timers (keepalive)
// never fire: no benchmark runs long enough to need them.
const pending = new Set();

export default class Timer {
	static set(callback, ms, repeat) {
		const timer = { callback, repeat };
		pending.add(timer);
		return timer;
	}
	static repeat(callback, ms) {
		return Timer.set(callback, ms, ms);
	}
	static schedule(timer, ms) {
		if (ms === undefined)
			pending.delete(timer);
		else
			pending.add(timer);
	}
	static clear(timer) {
		pending.delete(timer);
	}
}

export function runTimers() {
	for (const timer of [...pending]) {
		if (timer.repeat)
			continue;
		pending.delete(timer);
		timer.callback(timer);
	}
}
