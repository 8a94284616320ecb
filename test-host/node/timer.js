// Moddable's `timer` module over Node's timers.
import { makeTimer } from "../timer-core.js";

const handles = new WeakMap();
const { Timer, fire } = makeTimer({
	arm(timer, ms) {
		handles.set(timer, setTimeout(fire, ms, timer));
	},
	disarm(timer) {
		clearTimeout(handles.get(timer));
	},
});

export default Timer;
