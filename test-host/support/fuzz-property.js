// The decoder's contract under random input, for fast-check: byte streams (valid packet
// streams, then mutated: bits flipped, bytes cut, garbage inserted, lengths rewritten) split at
// random points and fed to a connected session over a fake link. The session must never throw,
// never ask the link for more bytes than it offered, never read more than max_message_length at
// once, and end either still connected having delivered what was valid, or with exactly one
// clean offline (a protocol error) and nothing after it.
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { connectedSession } from "./fake-link.js";
import { setTraceSink } from "../node/globals.js";

setTraceSink(() => {}); // every protocol error is traced; a fuzz run makes thousands

const MAX = 128;

const packet = fc.oneof(
	fc.record({
		cmd: fc.constant("publish"),
		topic: fc.stringMatching(/^[a-z/]{1,20}$/),
		payload: fc.uint8Array({ maxLength: 300 }),
		qos: fc.constantFrom(0, 1, 2),
		messageId: fc.integer({ min: 1, max: 65_535 }),
		retain: fc.boolean(),
	}),
	fc.record({ cmd: fc.constantFrom("puback", "pubrec", "pubrel", "pubcomp", "unsuback"), messageId: fc.integer({ min: 1, max: 65_535 }) }),
	fc.record({
		cmd: fc.constant("suback"),
		messageId: fc.integer({ min: 1, max: 65_535 }),
		granted: fc.array(fc.constantFrom(0, 1, 2, 128), { minLength: 1, maxLength: 4 }),
	}),
	fc.constant({ cmd: "pingresp" }),
);

const mutation = fc.oneof(
	fc.record({ kind: fc.constant("flip"), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
	fc.record({ kind: fc.constant("cut"), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
	fc.record({ kind: fc.constant("insert"), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
	fc.record({ kind: fc.constant("length"), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 5 }) }),
);

function mutate(bytes, mutations) {
	let out = Array.from(bytes);
	for (const m of mutations) {
		if (!out.length)
			break;
		const at = m.at % out.length;
		if (m.kind === "flip")
			out[at] ^= 1 << m.bit;
		else if (m.kind === "cut")
			out.splice(at, m.length);
		else if (m.kind === "insert")
			out.splice(at, 0, ...m.bytes);
		else
			out.splice(at, Math.min(m.bytes.length, out.length - at), ...m.bytes);
	}
	return Uint8Array.from(out);
}

export const streams = fc.oneof(
	{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
	{
		weight: 3,
		arbitrary: fc.tuple(fc.array(packet, { maxLength: 6 }), fc.array(mutation, { maxLength: 4 })).map(([packets, mutations]) => {
			const valid = packets.map((p) =>
				mqttPacket.generate(p.cmd === "publish" ? { ...p, payload: Buffer.from(p.payload), messageId: p.qos ? p.messageId : undefined } : p, {
					protocolVersion: 4,
				})
			);
			return mutate(Buffer.concat(valid), mutations);
		}),
	},
);

export const splits = fc.array(fc.nat(), { maxLength: 12 });

/** Runs one case; returns "delivered" or "protocol error", throws when the contract is broken. */
export function feed(bytes, cuts) {
	const { link, owner } = connectedSession({ maxMessageLength: MAX, reportWritten: false });
	const points = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
	let from = 0;
	for (const to of [...points, bytes.length]) {
		if (to > from) {
			if (link.closed)
				break;
			link.receive(bytes.subarray(from, to));
			from = to;
		}
	}
	if (link.reads.some((n) => n > MAX))
		throw new Error(`read ${Math.max(...link.reads)} bytes at once with max_message_length ${MAX}`);
	const names = owner.names();
	const offline = names.indexOf("offline");
	if (offline >= 0) {
		if (offline !== names.length - 1)
			throw new Error(`events after offline: ${names.join(",")}`);
		if (!link.closed)
			throw new Error("offline without closing the link");
		return "protocol error";
	}
	if (link.closed)
		throw new Error("link closed without offline");
	return "delivered";
}

export function property(tally) {
	return fc.property(streams, splits, (bytes, cuts) => {
		const outcome = feed(bytes, cuts);
		tally[outcome] = (tally[outcome] ?? 0) + 1;
	});
}
