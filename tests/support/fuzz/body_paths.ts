/**
 * Paths into a body (`["messages", 1, "content"]`): every path of a body, reading, setting and
 * deleting at one, and showing one in a mutation's description. Raw JSON text and raw bytes
 * (`./encode.ts`) are leaves: they are no plain objects.
 *
 * @module
 */

/** A JSON object being built or broken. */
export type JsonObject = Record<string, unknown>;

/** Keys and indices from a body down to one value. */
export type Path = (string | number)[];

/** Whether `value` is an object literal (not an array, null, or a class instance). */
export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null &&
    Object.getPrototypeOf(value) === Object.prototype;
}

/** Every path into `value`, parents before their children. */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isPlainObject(value)
    ? Object.entries(value)
    : [];
  for (const [key, child] of entries) {
    const path = [...prefix, key];
    out.push(path);
    pathsOf(child, path, out);
  }
  return out;
}

/** Every path into `value` that ends at a string. */
export function stringPathsOf(value: unknown): Path[] {
  return pathsOf(value).filter((path) => typeof getAt(value, path) === "string");
}

/** The value at `path`, or undefined when the path leads nowhere. */
export function getAt(root: unknown, path: Path): unknown {
  let at = root;
  for (const key of path) at = (at as Record<string | number, unknown> | undefined)?.[key];
  return at;
}

/** Sets the value at `path` when its parent exists. */
export function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1));
  if (typeof parent === "object" && parent !== null) {
    define(parent as JsonObject, path.at(-1)!, value);
  }
}

/** Removes the value at `path`: an array closes the gap, an object loses the key. */
export function deleteAt(root: unknown, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else if (isPlainObject(parent)) delete parent[key];
}

/** Sets an own property, `__proto__` included (plain assignment would set the prototype). */
export function define(object: JsonObject, key: string | number, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** `messages[1].content[0].image_url.url`, long keys cut to `…`. */
export function show(path: Path): string {
  return path.map((k, i) =>
    typeof k === "number" ? `[${k}]` : `${i > 0 ? "." : ""}${k.length > 30 ? "…" : k}`
  ).join("");
}
