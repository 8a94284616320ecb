// What the host runtime's "image" holds, as an mcconfig build decides it for a device: whether
// TLS is in (the app included modules/mqtt/manifest_tls.json) and which folder holds the app's
// resources. Set by the engine that starts a device app (startEngine's options).
export const image = { tls: true, resources: undefined };

export function hostImage({ tls = true, resources } = {}) {
	image.tls = tls;
	image.resources = resources;
}
