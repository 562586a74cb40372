/**
 * Mutations of a body's fields: a value of the wrong type, a wrong model, a field missing or
 * unknown, a number past any range, a string of megabytes or with NUL characters, nesting 10,000
 * deep. Each returns what it did, or undefined when the body is no longer an object.
 *
 * @module
 */

import {
  define,
  deleteAt,
  getAt,
  isPlainObject,
  type JsonObject,
  type Path,
  pathsOf,
  setAt,
  show,
  stringPathsOf,
} from "./body_paths.ts";
import { geminiPath } from "./doors.ts";
import { type Draft, namesModelInPath } from "./draft.ts";
import { pick } from "./draw.ts";
import { pathSegment, Raw } from "./encode.ts";
import { deeplyNested, hostileValue } from "./hostile_values.ts";

/** Any field, replaced by a hostile value. */
export function wrongType(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const path = pick(d.rng, pathsOf(d.body));
  const [name, value] = hostileValue(d.rng);
  setAt(d.body, path, value);
  return `wrong type at ${show(path)}: ${name}`;
}

/** The model, in the body or in Gemini's path, replaced by a hostile value. */
export function wrongModel(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const [name, value] = hostileValue(d.rng);
  if (namesModelInPath(d)) {
    d.path = geminiPath(pathSegment(value));
    return `model in the path: ${name}`;
  }
  d.body.model = value;
  return `model: ${name}`;
}

/** Any field, or any item of an array, removed. */
export function missingField(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const path = pick(d.rng, pathsOf(d.body));
  deleteAt(d.body, path);
  return `missing ${show(path)}`;
}

const UNKNOWN_KEYS = [
  "x_unknown_field",
  "__proto__",
  "constructor",
  "",
  "\u0000",
  "模型",
  "toString",
];

/** A key no door knows, on the body or on any object inside it. */
export function unknownField(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const objects: Path[] = [[], ...pathsOf(d.body).filter((p) => isPlainObject(getAt(d.body, p)))];
  const path = pick(d.rng, objects);
  const key = pick(d.rng, UNKNOWN_KEYS);
  const [name, value] = d.rng() < 0.5 ? ["string", "surprise"] : hostileValue(d.rng);
  define(getAt(d.body, path) as JsonObject, key, value);
  return `unknown field ${JSON.stringify(key)} at ${show(path) || "top level"}: ${name}`;
}

const NUMERIC_FIELDS: Path[] = [["max_tokens"], ["n"], ["top_p"], ["seed"]];
const HUGE_NUMBERS = ["1e999", "-1e999", "1e308", "-1", "18446744073709551617", "1e-400", "-0"];

/** A numeric field, mostly one the door has, out of any range JavaScript reads exactly. */
export function hugeNumber(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const path = d.spec.numbers.length > 0 && d.rng() < 0.8
    ? pick(d.rng, d.spec.numbers)
    : pick(d.rng, NUMERIC_FIELDS);
  const text = pick(d.rng, HUGE_NUMBERS);
  setAt(d.body, path, new Raw(text));
  return `${show(path)}: ${text}`;
}

/** A string field of 0.2 to 2 MB. */
export function longString(d: Draft): string | undefined {
  const path = anyStringField(d);
  if (!path) return undefined;
  const big = "lorem ipsum ".repeat(Math.floor((200_000 + d.rng() * 1_800_000) / 12));
  setAt(d.body, path, big);
  return `${show(path)}: a ${Math.round(big.length / 1000)} KB string`;
}

/** A string field with NUL at its start, after 40 characters, and at its end. */
export function nulCharacters(d: Draft): string | undefined {
  const path = anyStringField(d);
  if (!path) return undefined;
  const value = getAt(d.body, path) as string;
  setAt(d.body, path, `\u0000${value.slice(0, 40)}\u0000${value.slice(40)}\u0000`);
  return `NUL characters in ${show(path)}`;
}

/** The path of one of the body's strings, or undefined when it has none (or is no object). */
function anyStringField(d: Draft): Path | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const strings = stringPathsOf(d.body);
  return strings.length > 0 ? pick(d.rng, strings) : undefined;
}

/** Nesting 10,000 deep in a field, or as the whole body. */
export function deepTopLevel(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const kind = pick(d.rng, ["object field", "whole body of objects", "whole body of arrays"]);
  if (kind === "object field") d.body.metadata = deeplyNested("objects");
  else d.body = deeplyNested(kind === "whole body of arrays" ? "arrays" : "objects");
  return `nesting 10,000 deep at top level (${kind})`;
}
