/*
 * Deep sleep where there is none (lin, and the host runtime): the process ends, and a runner
 * (tools/sleepy.mjs) that reads the app's "sleep <ms>" trace line kills it and starts it again
 * on the same flash, as the ESP8266's wake from deep sleep resets it. On the ESP8266 the
 * example's manifest takes sleep-esp.js instead.
 */
export default function sleep(ms: number): void {
	trace(`sleep ${ms}\n`);
}
