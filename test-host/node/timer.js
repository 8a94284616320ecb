// Moddable's `timer` module over Node's timers.
import { makeTimer } from "../timer-core.js";

const handles = new WeakMap(); // clock source -> Node timeout
const { Timer } = makeTimer({
	arm(source, ms) {
		handles.set(source, setTimeout(() => source.fire(source), ms));
	},
	disarm(source) {
		clearTimeout(handles.get(source));
	},
});

export default Timer;
