/**
 * A record's value at a key that a client or an upstream chose (a model, a provider prefix, a
 * media type, an error type): the record's own, never what every object inherits from
 * `Object.prototype` (`constructor`, `toString`, `hasOwnProperty`, …), which `record[key]` and
 * `key in record` would find.
 *
 * @module
 */

/** `record[key]` when `record` itself holds `key`, else undefined. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
