// The const enums of modules/mqtt/tables.ts, read from its source: TypeScript writes their
// values into the code that uses them, so the build exports none for a test to import.
import { readFileSync } from "node:fs";

export const TABLES = readFileSync(new URL("../../modules/mqtt/tables.ts", import.meta.url), "utf8");

/** A const enum's members by name (a value may be an expression of earlier members). */
export function constEnum(name) {
	const body = TABLES.match(new RegExp(`const enum ${name} \\{([^}]*)\\}`))[1];
	const values = {};
	let next = 0;
	for (const part of body.replace(/\/\/.*/g, "").split(/[,\n]/)) {
		const member = part.trim();
		if (!member)
			continue;
		const [key, expression] = member.split("=").map((side) => side.trim());
		next = expression === undefined ? next : Function(...Object.keys(values), `return ${expression};`)(...Object.values(values));
		values[key] = next++;
	}
	return values;
}
