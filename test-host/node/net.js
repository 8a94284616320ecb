// Moddable's `net` module on the host: Net.resolve through the system resolver (IPv4, as lwIP),
// always answering asynchronously; Net.get with the host's values.
import dns from "node:dns";
import os from "node:os";

function ipv4() {
	for (const entries of Object.values(os.networkInterfaces())) {
		for (const entry of entries ?? []) {
			if (entry.family === "IPv4" && !entry.internal)
				return entry;
		}
	}
	return { address: "127.0.0.1", mac: "02:00:00:00:00:01" };
}

export default class Net {
	static resolve(name, callback) {
		dns.lookup(String(name), { family: 4 }, (error, address) => callback(name, error ? undefined : address));
	}
	static get(what) {
		switch (what) {
			case "IP":
				return ipv4().address;
			case "MAC":
				return ipv4().mac.toUpperCase();
			case "SSID":
				return "host";
			case "BSSID":
				return "02:00:00:00:00:00";
			case "RSSI":
				return -40;
			case "DNS":
				return dns.getServers();
			default:
				return undefined;
		}
	}
}
