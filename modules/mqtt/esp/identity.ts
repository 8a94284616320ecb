/*
 * On a device the default client id must survive reboots, or a persistent session
 * (cleansession 0) could never be resumed: derive it from the station MAC address, as
 * NodeMCU derives its id from the chip id.
 */

import Net from "net";

export default function defaultClientId(): string {
	const mac = Net.get("MAC") ?? "";
	let hex = "";
	for (let i = 0; i < mac.length; i++) {
		if (mac[i] !== ":")
			hex += mac[i]!.toLowerCase();
	}
	return `NodeMCU_${hex}`;
}
