/*
 * Deep sleep on the ESP8266 with Moddable 8.2.3's `system` module (modules/io/system): its
 * deepSleep(us) posts a message whose handler calls the SDK's system_deep_sleep_instant, so the
 * sleep starts once the current turn has ended. The chip wakes by a reset (GPIO16 wired to RST),
 * and the app starts from the top.
 */
import "system";

export default function sleep(ms) {
	trace(`sleep ${ms}\n`);
	System.deepSleep(ms * 1000);
}
