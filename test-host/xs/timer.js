// `timer` inside XS: Moddable's semantics from timer-core.js over Node's clock.
import { makeTimer } from "../timer-core.js";
import { call, host, on, register } from "./channel.js";

const { Timer, fire } = makeTimer({
	arm(timer, ms) {
		timer.id ??= register(timer);
		call({ op: "timer.arm", id: timer.id, ms });
	},
	disarm(timer) {
		call({ op: "timer.disarm", id: timer.id });
	},
	// a cleared timer is the app's garbage, as a device's is: the registry lets it go
	release(timer) {
		host.objects.delete(timer.id);
	},
});

on("timer.fire", ({ id }) => {
	const timer = host.objects.get(id);
	if (timer)
		fire(timer);
});

export default Timer;
