// `modules` for the in-XS client benchmarks: a plain image, no TLS.
export default {
	has() {
		return false;
	},
	importNow() {
		throw new Error("not in this image");
	},
};
