// Moddable's `timer` module over Node timers (documentation/base/base.md, "Timer"): a timer
// whose repeat interval is 0 when its callback returns is cleared; Timer.schedule re-arms a
// timer, or unschedules it (infinite intervals) when called without intervals.
const live = new Set();

class HostTimer {
	callback;
	handle = undefined;
	repeat = 0;
	cleared = false;
	constructor(callback) {
		this.callback = callback;
	}
}

function disarm(timer) {
	if (timer.handle !== undefined) {
		clearTimeout(timer.handle);
		timer.handle = undefined;
	}
}

function arm(timer, interval, repeat) {
	disarm(timer);
	timer.repeat = repeat;
	timer.handle = setTimeout(fire, Math.max(0, Math.min(interval, 0x7FFFFFFF)), timer);
	live.add(timer);
}

function fire(timer) {
	timer.handle = undefined;
	timer.callback(timer);
	if (timer.cleared || timer.handle !== undefined)
		return;
	if (timer.repeat === Infinity)
		return;	// unscheduled by its callback: kept, waiting for Timer.schedule
	if (timer.repeat)
		timer.handle = setTimeout(fire, Math.min(timer.repeat, 0x7FFFFFFF), timer);
	else
		Timer.clear(timer);
}

export default class Timer {
	static set(callback, interval = 0, repeat = 0) {
		const timer = new HostTimer(callback);
		arm(timer, interval, repeat);
		return timer;
	}
	static repeat(callback, interval) {
		return Timer.set(callback, interval, interval);
	}
	static schedule(timer, interval, repeat = 0) {
		if (!(timer instanceof HostTimer) || timer.cleared)
			throw new Error("invalid timer");
		if (interval === undefined) {
			disarm(timer);
			timer.repeat = Infinity;
			return;
		}
		arm(timer, interval, repeat);
	}
	static clear(timer) {
		if (!timer)
			return;
		disarm(timer);
		timer.cleared = true;
		live.delete(timer);
	}
	static delay(ms) {
		const end = Date.now() + ms;
		while (Date.now() < end)
			;
	}
	/** Host only: clears every timer, as a device reset would. */
	static hostClearAll() {
		for (const timer of live)
			Timer.clear(timer);
	}
}
