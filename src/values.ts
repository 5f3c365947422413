/** Whether `value` is an object (an array too, not `null`): one whose properties may be read. */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
