// What a test makes of client.call()'s answer: the value, or the test fails with the error.
import assert from "node:assert/strict";

export function value(result) {
	if (result.error)
		assert.fail(`unexpected ${result.error.name}: ${result.error.message}`);
	return result.value;
}
