/*
 * Topic rules an application's topics must follow (MQTT 3.1.1 section 4.7 and 1.5.3).
 * Each check returns the broken rule as a phrase, or undefined when the topic is valid;
 * the facade turns the phrase into an error that names the argument.
 */

import { utf8Length } from "./encode.js";

const charCodeAt = String.prototype.charCodeAt; // see encode.ts: no boxing per character in XS

function common(topic: unknown): string | undefined {
	if (typeof topic !== "string")
		return "must be a string";
	if (!topic.length)
		return "must not be empty";
	const bytes = utf8Length(topic);
	if (bytes < 0)
		return "must be valid UTF-8 (lone surrogate)";
	if (bytes > 65_535)
		return `must be at most 65535 bytes of UTF-8, got ${bytes}`;
	if (topic.indexOf("\u0000") >= 0)
		return "must not contain U+0000";
	return undefined;
}

/** A topic name, as in PUBLISH and the will: no wildcards (4.7.1-1). */
export function topicNameError(topic: unknown): string | undefined {
	const error = common(topic);
	if (error)
		return error;
	if ((topic as string).indexOf("#") >= 0 || (topic as string).indexOf("+") >= 0)
		return "must not contain the wildcards + or #";
	return undefined;
}

/** A topic filter, as in SUBSCRIBE: # only as the whole last level, + only as a whole level (4.7.1-2, -3). */
export function topicFilterError(filter: unknown): string | undefined {
	const error = common(filter);
	if (error)
		return error;
	const text = filter as string;
	for (let i = 0, length = text.length; i < length; i++) {
		const c = charCodeAt.call(text, i);
		if (c !== 0x23 && c !== 0x2B)
			continue;
		const alone = (i === 0 || charCodeAt.call(text, i - 1) === 0x2F) && (i === length - 1 || charCodeAt.call(text, i + 1) === 0x2F);
		if (!alone)
			return `wildcard ${text[i]} must occupy a whole level`;
		if (c === 0x23 && i !== length - 1)
			return "wildcard # must be the last level";
	}
	return undefined;
}
