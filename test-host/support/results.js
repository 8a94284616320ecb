// What a test makes of client.call()'s answer: the value, or the test fails with the error;
// and waiting for something to become true.
import assert from "node:assert/strict";

/** Resolves once `condition()` (it may be async) holds; fails after `timeout` ms naming `what`. */
export async function until(condition, what, timeout = 3000) {
	for (const end = Date.now() + timeout; !(await condition());) {
		if (Date.now() > end)
			assert.fail(`not within ${timeout} ms: ${typeof what === "function" ? what() : what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export function value(result) {
	if (result.error)
		assert.fail(`unexpected ${result.error.name}: ${result.error.message}`);
	return result.value;
}
