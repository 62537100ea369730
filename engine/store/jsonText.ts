/**
 * JSON text the engine made of a value already: an instance's snapshot, serialized part by part
 * (runtime/snapshotJson.ts) so that a command on an instance with a thousand tokens does not serialize
 * the thousand again. The stores that keep JSON as text write it instead of serializing the value
 * once more. The engine registers a snapshot it builds for one commit and never changes afterwards.
 */
const TEXT = Symbol('json text');

/** Attaches the text (a property no serialization, spread or comparison sees). */
export function registerJson(value: object, text: string): void {
  Object.defineProperty(value, TEXT, { value: text, enumerable: false });
}

/** The registered text of `value`, else JSON.stringify. */
export function jsonOf(value: unknown): string {
  return (value !== null && typeof value === 'object' && (value as { [TEXT]?: string })[TEXT]) || JSON.stringify(value);
}
