// One figure of the XS rows: run a setup expression, take the live heap, run the measured
// expression (which sends or receives `messages` messages), and divide xsnap's meter by them.
// Setting up first keeps its allocations out of the slots counted.
export async function perMessage(engine, setup, action, messages) {
	await engine.evaluate(setup);
	const { slots } = await engine.heap();
	const meter = await engine.evaluate(action);
	return { compute: meter.compute / messages, slots: (meter.currentHeapCount - slots) / messages };
}
