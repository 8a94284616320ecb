// Moddable's legacy `socket` in memory, for Moddable's own MQTT client in the benchmarks:
// writes are dropped; read(ArrayBuffer) hands over the bytes given, as the lwIP socket hands
// over a buffer of what arrived.
export const sockets = [];

export class Socket {
	input;
	constructor() {
		sockets.push(this);
	}
	read() {
		const input = this.input;
		this.input = undefined;
		return input;
	}
	write() {}
	close() {}
}
