/**
 * Writing a body, valid or not, as the bytes sent: JSON, except that {@linkcode Raw} text goes in
 * as it is where a value goes (`1e999`, nesting 10,000 deep) and {@linkcode Bytes} go in as they
 * are between a string's quotes (invalid UTF-8) — things `JSON.stringify` cannot write.
 *
 * @module
 */

import { isPlainObject } from "./body_paths.ts";

/** JSON text placed as is where a value goes (`1e999`, nesting 10,000 deep, …). */
export class Raw {
  constructor(readonly text: string) {}
}

/** Bytes placed as is between the quotes of a JSON string (invalid UTF-8). */
export class Bytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** The body's bytes: JSON, with Raw text and Bytes placed as they are. */
export function encode(value: unknown): Uint8Array<ArrayBuffer> {
  const chunks: (string | Uint8Array)[] = [];
  let text = "";
  const write = (v: unknown): void => {
    if (v instanceof Raw) text += v.text;
    else if (v instanceof Bytes) {
      chunks.push(text + '"', v.bytes);
      text = '"';
    } else if (Array.isArray(v)) {
      text += "[";
      v.forEach((item, i) => {
        if (i > 0) text += ",";
        write(item);
      });
      text += "]";
    } else if (isPlainObject(v)) {
      text += "{";
      Object.entries(v).forEach(([key, item], i) => {
        text += `${i > 0 ? "," : ""}${JSON.stringify(key)}:`;
        write(item);
      });
      text += "}";
    } else text += JSON.stringify(v) ?? "null";
  };
  write(value);
  chunks.push(text);
  const encoder = new TextEncoder();
  return concat(chunks.map((c) => typeof c === "string" ? encoder.encode(c) : c));
}

/**
 * A path segment carrying `value`'s text, percent-encoded byte by byte (invalid UTF-8 kept), cut
 * to 8 KB: fetch refuses longer URLs itself.
 */
export function pathSegment(value: unknown): string {
  const bytes = value instanceof Bytes
    ? value.bytes
    : new TextEncoder().encode(value instanceof Raw ? value.text : String(value));
  return [...bytes.subarray(0, 2_700)].map((b) =>
    /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, "0")}`
  ).join("");
}

/** `parts` one after another. */
export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
