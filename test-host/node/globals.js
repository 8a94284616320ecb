// The XS globals Moddable apps use, installed into Node: `trace` (Moddable's: arguments
// concatenated, no newline added) and the built-ins of ../builtins.js. Tests capture trace
// output with setTraceSink.
import "../builtins.js";

let sink = (text) => process.stdout.write(text);

export function setTraceSink(fn) {
	const previous = sink;
	sink = fn;
	return previous;
}

globalThis.trace = (...parts) => sink(parts.join(""));
