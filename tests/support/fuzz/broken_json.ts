/**
 * Mutations of the body as JSON text: a body that is no object or nothing at all, and changes to
 * its encoded bytes — cut short, invalid UTF-8, a byte order mark or UTF-16, a key written twice.
 * The byte changes are queued on the draft and run once the body is encoded, after every value
 * mutation. They always apply.
 *
 * @module
 */

import type { Draft } from "./draft.ts";
import { pick } from "./draw.ts";
import { concat, Raw } from "./encode.ts";
import { INVALID_UTF8 } from "./hostile_values.ts";

const NOT_OBJECTS: [string, string][] = [
  ["a JSON array", '[{"model":"gpt-4o"}]'],
  ["a JSON number", "42"],
  ["a JSON string", '"hello"'],
  ["JSON null", "null"],
  ["JSON true", "true"],
  ["an empty object", "{}"],
  ["whitespace", " \n\t "],
];

/** The whole body replaced by JSON that is no request object. */
export function nonObject(d: Draft): string {
  const [name, text] = pick(d.rng, NOT_OBJECTS);
  d.body = new Raw(text);
  return `body is ${name}`;
}

export function emptyBody(d: Draft): string {
  d.body = new Raw("");
  return "empty body";
}

/** The bytes cut anywhere. */
export function truncated(d: Draft): string {
  const fraction = d.rng();
  d.after.push((bytes) => bytes.slice(0, Math.floor(bytes.length * fraction)));
  return `JSON truncated at ${Math.round(fraction * 100)}%`;
}

/** A byte sequence UTF-8 forbids, anywhere or just inside a string. */
export function invalidUtf8Bytes(d: Draft): string {
  const [name, bad] = pick(d.rng, INVALID_UTF8);
  const inString = d.rng() < 0.5;
  const fraction = d.rng();
  d.after.push((bytes) => {
    // Inside a string: just after the first quote found past the chosen point.
    let at = Math.floor(bytes.length * fraction);
    const quote = inString ? bytes.indexOf(0x22, at) : -1;
    if (quote >= 0) at = quote + 1;
    return insertAt(bytes, at, new Uint8Array(bad));
  });
  return `invalid UTF-8 (${name}) ${inString ? "inside a string" : "anywhere"}`;
}

/** UTF-8 with a byte order mark, or the whole body as UTF-16LE with one. */
export function byteOrderMark(d: Draft): string {
  if (d.rng() < 0.6) {
    d.after.push((bytes) => concat([new Uint8Array([0xef, 0xbb, 0xbf]), bytes]));
    return "UTF-8 byte order mark";
  }
  d.after.push((bytes) => utf16le(new TextDecoder().decode(bytes)));
  return "UTF-16LE with byte order mark";
}

const DUPLICATES: [string, string][] = [
  ["model twice (number wins)", '"model":5'],
  ["model twice (string first)", '"model":"gpt-4o"'],
  ["messages twice", '"messages":"hello"'],
  ["stream twice", '"stream":"yes"'],
  ["squint twice", '"squint":{"optimize":"off"}'],
];

/** A key the body already has, written again at the start or at the end of the top object. */
export function duplicateKeys(d: Draft): string {
  const [name, text] = pick(d.rng, DUPLICATES);
  const last = d.rng() < 0.5;
  d.after.push((bytes) => {
    const at = last ? bytes.lastIndexOf(0x7d) : bytes.indexOf(0x7b) + 1;
    if (at <= 0) return bytes;
    return insertAt(bytes, at, new TextEncoder().encode(last ? `,${text}` : `${text},`));
  });
  return `duplicate key: ${name} ${last ? "at the end" : "at the start"}`;
}

function insertAt(bytes: Uint8Array, at: number, insert: Uint8Array): Uint8Array<ArrayBuffer> {
  return concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
}

/** `text` as UTF-16LE code units after the byte order mark FF FE. */
function utf16le(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(2 + text.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    out[2 + 2 * i] = text.charCodeAt(i) & 0xff;
    out[3 + 2 * i] = text.charCodeAt(i) >> 8;
  }
  return out;
}
