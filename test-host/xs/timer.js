// `timer` inside XS: Moddable's semantics from timer-core.js over Node's clock. Sources are
// registered by id, so that a bundle evaluated later in the worker fires those of the first.
import { makeTimer } from "../timer-core.js";
import { call, host, on, register } from "./channel.js";

const { Timer } = makeTimer({
	arm(source, ms) {
		source.id ||= register(source);
		call({ op: "timer.arm", id: source.id, ms });
	},
	disarm(source) {
		call({ op: "timer.disarm", id: source.id });
	},
	release(source) {
		host.objects.delete(source.id);
	},
});

on("timer.fire", ({ id }) => {
	const source = host.objects.get(id);
	source?.fire(source);
});

export default Timer;
