// The one timer of the client, on the host's stand-in for Moddable's `timer`, which follows the
// Linux simulator's lin/timer.c (SDK 8.2.3): a timer rescheduled from inside its own callback
// leaves an orphan that keeps firing, and fires on a freed record once the timer is cleared.
// The transport must keep to what every Moddable timer handles.
import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { makeTimer } from "../timer-core.js";
import { Transport } from "../../build/host/modules/mqtt/transport.js";

/** The stand-in over a manual clock: advance(ms) fires what comes due, in order. */
function manual() {
	let now = 0;
	const due = new Map(); // source -> when
	const { Timer } = makeTimer({
		arm(source, ms) {
			due.set(source, now + ms);
		},
		disarm(source) {
			due.delete(source);
		},
	});
	function advance(ms) {
		const end = now + ms;
		for (;;) {
			let next;
			for (const [source, when] of due) {
				if (when <= end && (!next || when < due.get(next)))
					next = source;
			}
			if (!next)
				break;
			now = due.get(next);
			due.delete(next);
			next.fire(next);
		}
		now = end;
	}
	return { Timer, advance, now: () => now };
}

describe("the host's timer, as Moddable's lin/timer.c", () => {
	it("a repeating timer unscheduled and rescheduled from its own callback keeps firing, then fires on a freed record", () => {
		const { Timer, advance } = manual();
		let fired = 0;
		const timer = Timer.set(
			(t) => { // what transport.ts did until this test
				Timer.schedule(t);
				if (++fired < 5)
					Timer.schedule(t, 10, 0x7FFFFFFF);
			},
			10,
			0x7FFFFFFF,
		);
		advance(200);
		assert.ok(fired > 5, `${fired} fires for 5 armings`);
		Timer.clear(timer);
		assert.throws(() => advance(100), /freed timer/);
	});
	it("a repeating timer rescheduled from outside its callback fires as armed, and not after it is cleared", () => {
		const { Timer, advance, now } = manual();
		const fires = [];
		const timer = Timer.set(() => fires.push(now()), 10, 0x7FFFFFFF);
		advance(5);
		Timer.schedule(timer, 20, 30);
		advance(100);
		Timer.clear(timer);
		advance(100);
		assert.deepEqual(fires, [25, 55, 85]);
	});
	it("a pending timer rescheduled from outside its callback fires once, at the new time", () => {
		const { Timer, advance, now } = manual();
		const fires = [];
		const timer = Timer.set(() => fires.push(now()), 50);
		advance(20);
		Timer.schedule(timer, 50);
		advance(1000);
		assert.deepEqual(fires, [70]);
	});
	it("a one-shot timer is done after its callback, even one that rescheduled it", () => {
		const { Timer, advance } = manual();
		let fired = 0;
		let again;
		const timer = Timer.set((t) => {
			fired++;
			Timer.schedule(t, 10);
		}, 10);
		advance(100);
		assert.equal(fired, 1);
		assert.throws(() => Timer.schedule(timer, 10), /invalid timer/);
		Timer.clear(timer); // a no-op, as on the device
		again = Timer.repeat(() => fired++, 10);
		advance(30);
		Timer.clear(again);
		advance(30);
		assert.equal(fired, 4);
	});
});

describe("the transport's timer", () => {
	const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

	it("fires once per arming, whether armed from its own firing or from outside, and never after close", async () => {
		const transport = new Transport();
		const fires = [];
		let rearm = 8;
		transport.attach({
			linkTimer() {
				fires.push(Date.now());
				if (--rearm > 0)
					transport.schedule(5); // from inside the firing, as the session does
			},
			linkResolved() {},
			linkWritable() {},
			linkReadable() {},
			linkError() {},
		});
		transport.schedule(5);
		transport.schedule(10); // replaces the first arming
		await sleep(300);
		assert.equal(fires.length, 8, `${fires.length} fires for 8 armings`);
		transport.schedule(5);
		transport.cancel();
		transport.schedule(20);
		transport.close();
		await sleep(100);
		assert.equal(fires.length, 8, "nothing fires after cancel() and close()");
	});
});
