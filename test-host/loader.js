// Node module resolve hook: bare Moddable specifiers resolve through specifiers.js.
import { pathToFileURL } from "node:url";
import { specifierFor } from "./specifiers.js";

export async function resolve(specifier, context, next) {
	if (!specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("node:") && !specifier.includes("://")) {
		const file = specifierFor(specifier, "node");
		if (file)
			return { url: pathToFileURL(file).href, shortCircuit: true };
	}
	return next(specifier, context);
}
