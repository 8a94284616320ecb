// Moddable's Timer semantics (documentation/base/base.md, "Timer"), independent of the clock
// underneath, so Node and the XS bridge behave alike: a timer whose repeat interval is 0 when
// its callback returns is cleared; Timer.schedule re-arms a timer, or unschedules it (infinite
// intervals) when called without intervals.
export function makeTimer(clock) {
	const live = new Set();

	class HostTimer {
		callback;
		armed = false;
		repeat = 0;
		cleared = false;
		constructor(callback) {
			this.callback = callback;
		}
	}

	function disarm(timer) {
		if (timer.armed) {
			timer.armed = false;
			clock.disarm(timer);
		}
	}

	function arm(timer, interval, repeat) {
		disarm(timer);
		timer.repeat = repeat;
		timer.armed = true;
		clock.arm(timer, Math.max(0, Math.min(interval, 0x7FFFFFFF)));
		live.add(timer);
	}

	function fire(timer) {
		if (!timer.armed)
			return;
		timer.armed = false;
		timer.callback(timer);
		if (timer.cleared || timer.armed || timer.repeat === Infinity)
			return;	// cleared, re-armed, or unscheduled by its callback
		if (timer.repeat)
			arm(timer, timer.repeat, timer.repeat);
		else
			Timer.clear(timer);
	}

	class Timer {
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
			clock.release?.(timer);
		}
		/** Host only: clears every timer, as a device reset would. */
		static hostClearAll() {
			for (const timer of live)
				Timer.clear(timer);
		}
	}
	return { Timer, fire };
}
