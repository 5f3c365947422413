/** A form or query field's value: several for a repeated field, `undefined` for none. */
export type FieldValue = string | readonly string[] | undefined;

/**
 * Puts `fields` into `params` (a form body, or a URL's query): each field given replaces what `params` had
 * under its name, an array adds each item (`resource`, RFC 8707), and a field left `undefined` is left out.
 */
export function setParams(params: URLSearchParams, fields: Record<string, FieldValue>): URLSearchParams {
	for (const [name, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		params.delete(name);
		for (const item of [value].flat()) params.append(name, item);
	}
	return params;
}
