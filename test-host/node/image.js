// What the host runtime's "image" holds, as an mcconfig build decides it for a device: whether
// TLS is in (the app included modules/mqtt/manifest_tls.json), whether WebSocket is in
// (manifest_ws.json), whether MQTT 5 is (manifest_v5.json), which folder holds the app's
// resources, and the flash behind the "storage" partition (a file that outlives the process,
// or memory). Set by the engine that starts a device app (startEngine's options).

export const image = { tls: true, websocket: true, v5: true, resources: undefined, flash: undefined, storage: undefined };

/** The medium is made when the app first opens the partition (./flash.js), not for every engine. */
export function hostImage({ tls = true, websocket = true, v5 = true, resources, flash } = {}) {
	image.tls = tls;
	image.websocket = websocket;
	image.v5 = v5;
	image.resources = resources;
	image.flash = flash;
	image.storage?.close(); // the next app opens the file again and reads what this one wrote
	image.storage = undefined;
}
