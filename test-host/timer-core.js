// Moddable's `timer` module (modules/base/timer/modTimer.c over lin/timer.c, SDK 8.2.3),
// independent of the clock underneath, so Node and the XS bridge behave alike.
//
// The record and its sources follow the Linux simulator's lin/timer.c line by line, not the
// device's mc/timer.c, because lin's handles fewer uses: what runs here runs on both.
//  - A record tracks one clock source (glib's g_timer). Rescheduling removes that source and
//    adds another; a source fires until removed, each time after the interval it was added with.
//  - After a callback, a timer whose repeat interval differs from its first gets a new source
//    at the repeat interval and forgets the one it had. A timer rescheduled from inside its own
//    callback therefore leaves the rescheduled source behind, an orphan that keeps firing the
//    callback, and once the timer is cleared fires on a freed record: mcsim crashes there
//    (a NULL callback in modTimerExecuteOne), and this file throws.
//  - A one-shot timer (repeat 0) is removed after its callback, even one that rescheduled it
//    (mc/timer.c does the same), and the script's Timer is dead: Timer.schedule throws on it.
// The clock arms and disarms sources (objects) and calls source.fire(source) when one is due;
// it may give a source an id of its own, and hears of its end by release(source).
export function makeTimer(clock) {
	const live = new Set(); // the script's timers not yet cleared, for hostClearAll
	const sources = new Set(); // armed

	class HostTimer { // what the script holds (modTimer.c's host object)
		record;
		constructor(record) {
			this.record = record;
		}
	}

	function add(record, ms) { // g_timeout_add
		const source = { record, ms, fire, id: 0 };
		sources.add(source);
		clock.arm(source, ms);
		return source;
	}

	function remove(source) { // g_source_remove
		if (sources.delete(source)) {
			clock.disarm(source);
			clock.release?.(source);
		}
	}

	function removeRecord(record) { // modTimerRemove
		if (record.source) {
			remove(record.source);
			record.source = undefined;
		}
		if (record.freed)
			return;
		record.id = 0;
		record.callback = null;
		if (--record.useCount <= 0)
			record.freed = true;
	}

	/** modTimerExecuteOne: true when the source that fired goes on (G_SOURCE_CONTINUE). */
	function executeOne(record) {
		if (record.freed)
			throw new Error("timer: a clock source fired for a freed timer (Moddable's lin/timer.c reads freed memory here; mcsim crashes)");
		if (record.id === 0) {
			removeRecord(record);
			return false;
		}
		record.useCount++;
		record.callback(record);
		record.useCount--;
		if (record.useCount <= 0 || record.interval === 0) {
			removeRecord(record);
			return false;
		}
		if (record.first !== record.interval) {
			record.source = add(record, record.interval); // the source the callback may have added is forgotten
			record.first = record.interval;
			return false;
		}
		return true;
	}

	function fire(source) {
		if (!sources.has(source))
			return;
		if (executeOne(source.record) && sources.has(source))
			clock.arm(source, source.ms);
		else
			remove(source);
	}

	function clamp(ms) {
		return Math.max(0, Math.min(Math.trunc(Number(ms)) || 0, 0x7FFFFFFF));
	}

	function create(callback, first, interval) { // modTimer.c's createTimer, modTimerAdd
		const timer = new HostTimer(undefined);
		const record = { id: 1, useCount: 1, first, interval, source: undefined, freed: false, callback: undefined };
		record.callback = () => { // xs_timer_callback
			callback(timer);
			if (timer.record && (record.source ? record.interval : -1) === 0)
				forget(timer); // a one-shot timer's script object is done
		};
		timer.record = record;
		record.source = add(record, first);
		live.add(timer);
		return timer;
	}

	function forget(timer) {
		timer.record = undefined;
		live.delete(timer);
	}

	function recordOf(timer) {
		if (!(timer instanceof HostTimer) || !timer.record)
			throw new Error("invalid timer");
		return timer.record;
	}

	class Timer {
		static set(callback, interval = 0, repeat = 0) {
			return create(callback, clamp(interval), clamp(repeat));
		}
		static repeat(callback, interval) {
			return create(callback, clamp(interval), clamp(interval));
		}
		static schedule(timer, ...intervals) {
			const record = recordOf(timer);
			if (!intervals.length) { // modTimerUnschedule
				if (record.id && record.source) {
					remove(record.source);
					record.source = undefined;
				}
				return;
			}
			if (record.source) // modTimerReschedule
				remove(record.source);
			record.first = clamp(intervals[0]);
			record.interval = clamp(intervals[1] ?? 0);
			record.source = add(record, record.first);
		}
		static clear(timer) {
			if (!(timer instanceof HostTimer) || !timer.record)
				return;
			const record = timer.record;
			forget(timer);
			removeRecord(record);
		}
		/** Host only: clears every timer and drops every source, as a device reset would. */
		static hostClearAll() {
			for (const timer of live)
				Timer.clear(timer);
			for (const source of [...sources])
				remove(source);
		}
	}
	return { Timer, fire };
}
