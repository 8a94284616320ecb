/*
 * The client id used when the application gives none. Where many clients share one machine
 * (the desktop builds and the host runtime), each gets its own random suffix, chosen once
 * per client, so that default ids never take over each other's sessions. The ESP8266 build
 * replaces this module with esp/identity.ts (see manifest.json).
 */

export default function defaultClientId(): string {
	let suffix = "";
	for (let i = 0; i < 8; i++)
		suffix += ((Math.random() * 16) | 0).toString(16);
	return `NodeMCU_${suffix}`;
}
