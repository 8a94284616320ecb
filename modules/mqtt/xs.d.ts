/*
 * XS built-ins that @moddable/typings declares only in part. XS's String.fromArrayBuffer
 * takes a byte offset and length (xs/sources/xsString.c), which lets the client decode a
 * topic or payload straight out of its receive buffer without copying it first.
 */

interface StringConstructor {
	fromArrayBuffer(buffer: ArrayBufferLike, byteOffset?: number, byteLength?: number): string;
}

// Moddable's `logical` (modules/data/logical, brought by manifest_ws.json): bitwise operations
// on a buffer in place, natively; `src` repeats over `count` bytes of `dst`.
declare module "logical" {
	export default class Logical {
		static xor(dst: ArrayBuffer | ArrayBufferView, src: ArrayBuffer | ArrayBufferView | number | string, count?: number): void;
	}
}

// ES2024, native in Moddable's XS; this project's tsconfig stops at ES2022's library.
interface String {
	isWellFormed(): boolean;
}
