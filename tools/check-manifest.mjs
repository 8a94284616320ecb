// Checks our Moddable manifests against the sources, without the SDK:
//  - every relative path a manifest of ours names exists (with .ts/.js/.json where mcconfig adds one);
//  - every module that modules/ and src/ import is ours (mapped in a manifest), or provided by an
//    SDK manifest we include (the table below, checked against $MODDABLE when it is set), and
//    is implemented by the host runtime (test-host/specifiers.js);
//  - every `config.key` the code reads is declared in a manifest's config;
//  - per platform, resolved as mcconfig's tools/mcmanifest.js does (a manifest's own section,
//    then the first matching entry of its `platforms`, or "..." when none matches), every
//    module of ours is mapped exactly once: mcconfig merges all mappings and compiles the first.
// Prints what it checked; exits 1 listing every problem. Run by the test suite.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// What the SDK manifests we include provide, and which one provides it.
const SDK = {
	"timer": "$(MODDABLE)/examples/manifest_base.json (build/devices/<platform>/manifest.json)",
	"time": "build/devices/<platform>/manifest.json (every device platform)",
	"Resource": "$(MODDABLE)/examples/manifest_base.json (modules/files/resource)",
	"net": "$(MODDABLE)/modules/network/net/manifest.json",
	"wifi": "$(MODDABLE)/examples/manifest_net.json (modules/network/wifi/manifest.json)",
	"sntp": "$(MODDABLE)/examples/manifest_net.json (modules/network/sntp/manifest.json)",
	"modules": "$(MODDABLE)/modules/base/modules/manifest.json",
	"mc/config": "mcconfig (generated from the manifests' config)",
	"embedded:io/socket/tcp": "modules/mqtt/manifest.json (the SDK's socket per platform)",
	"flash": "modules/mqtt/manifest_store.json ($(MODDABLE)/modules/files/flash; on lin our modules/mqtt/lin/flash)",
	"crc": "modules/mqtt/manifest_store.json ($(MODDABLE)/modules/data/crc)",
	"logical": "modules/mqtt/manifest_ws.json ($(MODDABLE)/modules/data/logical)",
	"file": "modules/mqtt/manifest_store.json on lin ($(MODDABLE)/modules/files/file)",
};

// Sources only one device build compiles: the host runtime need not provide what they import.
const DEVICE_ONLY = [join("modules", "mqtt", "lin")];

// The apps we build: the default one, its secure and mutual-TLS builds, store and forward, reconnect, the sleepy sensor, MQTT 5.
const APPS = [
	"manifest.json",
	"src/examples/secure/manifest.json",
	"src/examples/mutual-tls/manifest.json",
	"src/examples/store/manifest.json",
	"src/examples/reconnect/manifest.json",
	"src/examples/sleepy/manifest.json",
	"src/examples/mqtt5/manifest.json",
];
// Platforms whose module mappings are resolved: ours by name, and one that falls to "...".
const PLATFORMS = ["esp", "lin", "mac", "esp32"];

/** mcconfig's matchPlatform: exact name, "x/*", "*\/x", shortened by its last part, then "...". */
function matchPlatform(platforms, name) {
	const parts = name.split("/");
	while (parts.length) {
		const partial = parts.join("/");
		for (const n of Object.keys(platforms)) {
			if (n.endsWith("/*") ? partial.startsWith(n.slice(0, -1)) : n.startsWith("*/") ? partial.endsWith(n.slice(1)) : partial === n)
				return platforms[n];
		}
		parts.length -= 1;
	}
	return platforms["..."];
}

/**
 * Specifier -> the sources the apps' manifests map it to on one platform, as mcconfig merges
 * them; `read` gives a manifest's JSON (checkManifests has them all parsed already).
 */
export function mappingsFor(platform, apps, read = readJson) {
	const mappings = new Map();
	const seen = new Set();
	const visit = (path) => {
		if (seen.has(path))
			return;
		seen.add(path);
		const json = read(path);
		const matched = json.platforms ? matchPlatform(json.platforms, platform) : undefined;
		for (const section of [json, matched]) {
			for (const include of [section?.include ?? []].flat()) {
				if (!include.startsWith("$("))
					visit(resolve(dirname(path), include));
			}
			for (const [specifier, source] of Object.entries(section?.modules ?? {})) {
				if (specifier === "*")
					continue;
				const list = mappings.get(specifier) ?? [];
				list.push(relative(root, resolve(dirname(path), String(source))));
				mappings.set(specifier, list);
			}
		}
	};
	for (const app of apps)
		visit(app);
	return mappings;
}

function readJson(path) {
	return JSON.parse(readFileSync(path, "utf8"));
}

/** Our manifests: the apps' and every relative include, recursively. */
function manifests(path, seen = new Map()) {
	if (seen.has(path))
		return seen;
	const json = readJson(path);
	seen.set(path, json);
	const includes = [];
	const collect = (section) => {
		const value = section?.include;
		if (value)
			includes.push(...(Array.isArray(value) ? value : [value]));
	};
	collect(json);
	for (const platform of Object.values(json.platforms ?? {}))
		collect(platform);
	for (const include of includes) {
		if (!include.startsWith("$("))
			manifests(resolve(dirname(path), include), seen);
	}
	return seen;
}

function sections(json) {
	return [json, ...Object.values(json.platforms ?? {})];
}

function sourceExists(base) {
	return [".ts", ".js", ".json", ".d.ts", ""].some((extension) => existsSync(base + extension));
}

function walk(dir, out = []) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory())
			walk(path, out);
		else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
			out.push(path);
	}
	return out;
}

export async function checkManifests() {
	const problems = [];
	const notes = [];
	const all = new Map();
	for (const app of APPS)
		manifests(join(root, app), all);
	const ours = new Map(); // specifier -> source file base
	const mapped = new Set(); // every source base a manifest maps, on any platform
	const config = new Set();
	const sdkIncludes = new Set();
	for (const [path, json] of all) {
		const here = dirname(path);
		for (const section of sections(json)) {
			for (const include of [section.include ?? []].flat()) {
				if (include.startsWith("$(MODDABLE)"))
					sdkIncludes.add(include);
				else if (!existsSync(resolve(here, include)))
					problems.push(`${relative(root, path)}: include ${include} does not exist`);
			}
			for (const [specifier, source] of Object.entries(section.modules ?? {})) {
				for (const item of [source].flat()) {
					if (item.startsWith("$("))
						continue;
					const base = resolve(here, item);
					if (!sourceExists(base))
						problems.push(`${relative(root, path)}: module ${specifier} -> ${item} does not exist`);
					mapped.add(base);
					if (specifier !== "*")
						ours.set(specifier, base);
				}
			}
			for (const type of section.typescript?.tsconfig?.compilerOptions?.types ?? []) {
				if (!type.startsWith("$(") && !sourceExists(resolve(here, type)) && !existsSync(resolve(here, type) + ".d.ts"))
					problems.push(`${relative(root, path)}: typescript type ${type} does not exist`);
			}
			for (const key of Object.keys(section.config ?? {}))
				config.add(key);
		}
	}

	for (const app of APPS) {
		for (const platform of PLATFORMS) {
			for (const [specifier, sources] of mappingsFor(platform, [join(root, app)], (path) => all.get(path) ?? readJson(path))) {
				if (new Set(sources).size > 1)
					problems.push(`${app} on ${platform}: ${specifier} is mapped ${sources.length} times (${sources.join(", ")}); mcconfig compiles the first`);
			}
		}
	}

	const moddable = process.env.MODDABLE;
	if (moddable && existsSync(moddable)) {
		for (const include of sdkIncludes) {
			const path = include.replace("$(MODDABLE)", moddable);
			if (!existsSync(path))
				problems.push(`SDK include ${include} not found under ${moddable}`);
		}
	}
	else
		notes.push("MODDABLE is not set: SDK include paths were not checked against an SDK tree");

	const { specifierFor } = await import(join(root, "test-host/specifiers.js"));
	const files = [...walk(join(root, "modules")), ...walk(join(root, "src"))];
	const imported = new Set();
	for (const file of files) {
		const text = readFileSync(file, "utf8");
		for (const match of text.matchAll(/^\s*import\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm)) {
			const typeOnly = !!match[1];
			const specifier = match[2];
			if (specifier.startsWith(".")) {
				const target = resolve(dirname(file), specifier.replace(/\.js$/, ""));
				if (!sourceExists(target))
					problems.push(`${relative(root, file)}: import ${specifier} does not exist`);
				else if (!typeOnly && !mapped.has(target))
					problems.push(`${relative(root, file)}: imports ${specifier}, which no manifest of ours maps`);
				continue;
			}
			imported.add(specifier);
			if (ours.has(specifier) || typeOnly)
				continue;
			if (!(specifier in SDK))
				problems.push(`${relative(root, file)}: imports ${specifier}, which is neither ours nor provided by an SDK manifest we include`);
			if (!specifierFor(specifier, "node") && !DEVICE_ONLY.some((dir) => relative(root, file).startsWith(dir)))
				problems.push(`${relative(root, file)}: imports ${specifier}, which the host runtime does not provide`);
		}
		for (const match of text.matchAll(/\bconfig\.([A-Za-z_$][\w$]*)/g)) {
			if (!config.has(match[1]))
				problems.push(`${relative(root, file)}: reads config.${match[1]}, which no manifest declares`);
		}
	}
	return {
		problems,
		notes,
		manifests: all.size,
		files: files.length,
		specifiers: [...imported].sort(),
		ours: [...ours.keys()].sort(),
		config: [...config].sort(),
	};
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const result = await checkManifests();
	console.log(`manifests: ${result.manifests}, source files: ${result.files}`);
	console.log(`our modules: ${result.ours.join(", ")}`);
	console.log(`platform modules imported: ${result.specifiers.filter((s) => !result.ours.includes(s)).join(", ")}`);
	console.log(`config keys: ${result.config.join(", ")}`);
	for (const note of result.notes)
		console.log(`note: ${note}`);
	for (const problem of result.problems)
		console.log(`problem: ${problem}`);
	process.exit(result.problems.length ? 1 : 0);
}
