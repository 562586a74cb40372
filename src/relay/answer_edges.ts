/**
 * A JSON answer read for its top-level figures (model, usage) without holding all of it: within
 * `limit` bytes it is parsed whole; past it (an embeddings batch of many megabytes) only its first
 * and last EDGE characters are kept, and the fields providers put at the top level are read from
 * those edges (the last `usage` of an OpenAI answer, Gemini's `usageMetadata` and `modelVersion`,
 * near the end; a `model` near the start when none is near the end). An event stream's figures are
 * those of its last event that carries a usage.
 *
 * @module
 */

import { SseBlocks } from "./sse.ts";

type Json = Record<string, unknown>;

/** Characters kept at each end of an answer too large to hold. */
const EDGE = 64 * 1024;

/** Top-level fields read from the edges, each the last of its name in the tail. */
const EDGE_FIELDS = ["usage", "usageMetadata", "model", "modelVersion"];

/** The answer's top-level object (whole, or its figures read from its edges), if it is JSON. */
export async function readAnswerFigures(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Json | undefined> {
  const decoder = new TextDecoder();
  let whole: string[] | undefined = [];
  let size = 0;
  let head = "";
  let tail = "";
  for await (const chunk of body) {
    size += chunk.byteLength;
    const text = decoder.decode(chunk, { stream: true });
    if (whole === undefined) {
      tail = (tail + text).slice(-EDGE);
      continue;
    }
    whole.push(text);
    if (size <= limit) continue;
    const all = whole.join("");
    [head, tail, whole] = [all.slice(0, EDGE), all.slice(-EDGE), undefined];
  }
  const rest = decoder.decode();
  if (whole !== undefined) return parsedObject(whole.join("") + rest);
  return figuresAtEdges(head, (tail + rest).slice(-EDGE));
}

/** The last event of an event stream that carries a usage (`usage` or `usageMetadata`), if any. */
export async function readStreamFigures(
  body: ReadableStream<Uint8Array>,
): Promise<Json | undefined> {
  const blocks = new SseBlocks();
  let found: Json | undefined;
  const look = (block: string) => {
    for (const line of block.split("\n")) {
      if (!line.startsWith("data:") || !line.includes('"usage')) continue;
      const event = parsedObject(line.slice(5).trim());
      if (event?.usage || event?.usageMetadata) found = event;
    }
  };
  for await (const chunk of body) look(blocks.push(chunk));
  look(blocks.flush() ?? "");
  return found;
}

function parsedObject(text: string): Json | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The figures found at the edges of a large answer: each field's last value in the tail. */
export function figuresAtEdges(head: string, tail: string): Json | undefined {
  if (!head.trimStart().startsWith("{")) return undefined;
  const out: Json = {};
  for (const name of EDGE_FIELDS) {
    const value = keyedValue(tail, name, "last") ??
      (name === "model" ? keyedValue(head, name, "first") : undefined);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The value of the last (or first) `"name":` in `text` that parses, if any. */
function keyedValue(text: string, name: string, which: "last" | "first"): unknown {
  const key = `"${name}"`;
  const found = which === "last"
    ? (before: number) => (before < 0 ? -1 : text.lastIndexOf(key, before))
    : (after: number) => text.indexOf(key, after);
  for (let at = found(which === "last" ? text.length : 0); at >= 0;) {
    const value = valueAfterKey(text, at + key.length);
    if (value !== undefined) return value;
    at = found(which === "last" ? at - 1 : at + 1);
  }
  return undefined;
}

/** The JSON value after a key ending at `from` (`: value`), if one is there whole. */
function valueAfterKey(text: string, from: number): unknown {
  const colon = /^\s*:\s*/.exec(text.slice(from, from + 64));
  if (!colon) return undefined;
  const start = from + colon[0].length;
  const end = valueEnd(text, start);
  if (end === undefined) return undefined;
  try {
    return JSON.parse(text.slice(start, end));
  } catch {
    return undefined;
  }
}

/** Where the JSON value starting at `start` ends: an object, array or string by its own bounds. */
function valueEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (c === "," || /\s/.test(c))) return i;
  }
  return undefined;
}
