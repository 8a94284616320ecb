// `embedded:io/socket/tcp` in memory for the in-XS client benchmarks: what is written is
// dropped, what is read comes from `input`, as an ECMA-419 socket's read(buffer) copies it; its
// callbacks run with the socket as `this`, which holds the `target` it was given.
export const sockets = [];

export default class TCP {
	options;
	input;
	offset = 0;
	constructor(options) {
		this.options = options;
		this.target = options.target;
		sockets.push(this);
	}
	readable(count) {
		this.options.onReadable.call(this, count);
	}
	writable(count) {
		this.options.onWritable.call(this, count);
	}
	read(into) {
		into.set(this.input.subarray(this.offset, this.offset + into.length));
		this.offset += into.length;
	}
	write() {}
	close() {}
}
