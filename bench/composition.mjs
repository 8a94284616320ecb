// Inheritance or composition for the session's layers (tables.ts, outbox.ts, inbox.ts,
// session.ts), measured inside XS: `node --import ./test-host/register.js bench/composition.mjs`.
// Each layer's fields are read from its source, so the objects built here hold what the
// session's do. Inheritance: one object with every layer's fields, methods reached through
// `this`. Composition: one object per layer, each holding the one below and, for the calls that
// go up (pump, dispatch, afterEnd...), the one above. Printed: the heap of each shape (ESP8266
// layout: 16-byte slots) and XS's meter for a call and a field read across one layer.
import { readFileSync } from "node:fs";
import { startEngine } from "../test-host/engine.js";

const LAYERS = ["tables", "outbox", "inbox", "session"];
const CALLS = 10_000;

/** The instance fields a layer's class declares (not its methods, not getters). */
function fields(layer) {
	const text = readFileSync(new URL(`../modules/mqtt/${layer}.ts`, import.meta.url), "utf8");
	const names = [...text.matchAll(/^\t(?:protected|private|declare private) (\w+)\??(?::| =|;)/gm)].map((m) => m[1]);
	return names;
}

const counts = LAYERS.map(fields);
const body = (names) => names.map((name) => `this.${name} = 0;`).join(" ");
const script = `
	class Layer0 { constructor() { ${body(counts[0])} } read(x) { return this.${counts[0][0]} + x; } }
	class Layer1 extends Layer0 { constructor() { super(); ${body(counts[1])} } }
	class Layer2 extends Layer1 { constructor() { super(); ${body(counts[2])} } }
	class Inherited extends Layer2 {
		constructor() { super(); ${body(counts[3])} }
		get $outbox() { return this; }
		$calls(n) { let s = 0; for (let i = 0; i < n; i++) s += this.read(i); return s; }
		$reads(n) { let s = 0; for (let i = 0; i < n; i++) s += this.${counts[0][0]}; return s; }
		$loop(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
	}
	class Part0 { constructor(up) { this.up = up; ${body(counts[0])} } read(x) { return this.${counts[0][0]} + x; } }
	class Part1 {	// outbox: the layer that calls into the tables most
		constructor(up) { this.up = up; this.down = new Part0(this); ${body(counts[1])} }
		$calls(n) { let s = 0; for (let i = 0; i < n; i++) s += this.down.read(i); return s; }
		$reads(n) { let s = 0; for (let i = 0; i < n; i++) s += this.down.${counts[0][0]}; return s; }
	}
	class Part2 { constructor(up) { this.up = up; this.down = new Part1(this); ${body(counts[2])} } }
	class Composed {
		constructor() { this.down = new Part2(this); ${body(counts[3])} }
		get $outbox() { return this.down.down; }
	}
	class TablesApart {	// only the tables an object of their own, the rest inherited as today
		constructor() { this.tables = new Part0(this); ${body([...counts[1], ...counts[2], ...counts[3]])} }
		get $outbox() { return this; }
		$calls(n) { let s = 0; for (let i = 0; i < n; i++) s += this.tables.read(i); return s; }
		$reads(n) { let s = 0; for (let i = 0; i < n; i++) s += this.tables.${counts[0][0]}; return s; }
	}
	globalThis.shapes = { Inherited, Composed, TablesApart };
	globalThis.kept = [];
`;

const engine = await startEngine("xs");
try {
	await engine.evaluate(script);
	const rows = [];
	const base = await engine.evaluate(`new shapes.Inherited().$loop(${CALLS})`);
	for (const shape of ["Inherited", "TablesApart", "Composed"]) {
		const before = await engine.heap();
		await engine.evaluate(`kept.push(new shapes.${shape}())`);
		const after = await engine.heap();
		const slots = after.slots - before.slots;
		const calls = await engine.evaluate(`kept.at(-1).$outbox.$calls(${CALLS})`);
		const reads = await engine.evaluate(`kept.at(-1).$outbox.$reads(${CALLS})`);
		rows.push({ shape, slots, bytes: slots * 16, call: (calls.compute - base.compute) / CALLS, read: (reads.compute - base.compute) / CALLS });
	}
	console.log(`fields per layer (${LAYERS.join(", ")}): ${counts.map((c) => c.length).join(", ")}`);
	console.log("| shape | slots | bytes (16-byte slots) | computrons per call from the outbox into the tables | per field read there |");
	console.log("|---|---:|---:|---:|---:|");
	for (const r of rows)
		console.log(`| ${r.shape} | ${r.slots} | ${r.bytes} | ${r.call.toFixed(1)} | ${r.read.toFixed(1)} |`);
}
finally {
	await engine.close();
}
