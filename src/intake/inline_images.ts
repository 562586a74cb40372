/**
 * Inline images leave the parsed body as markers, so the main thread never holds (or re-encodes)
 * large base64 strings: they travel as bytes to the workers and back into the outgoing body.
 * Used by the main thread for small bodies and by the image workers for large ones.
 */

/** A marker string that replaces an extracted value; JSON.stringify writes the NUL as \u0000. */
const MARKER_PREFIX = "\u0000squint:";
const MARKER_IN_JSON = /"\\u0000squint:(\d+)"/g;

/** Data URLs shorter than this stay in the body: too small to be worth a round trip. */
export const MIN_INLINE_BYTES = 64;

/**
 * Whether a string leaves the body: an inline data URL worth extracting, or a client string that
 * looks like a marker (lifted too, so it is spliced back as written and can never be mistaken
 * for one of squint's).
 */
export function isInlineData(value: string): boolean {
  return (value.length >= MIN_INLINE_BYTES && value.startsWith("data:")) ||
    value.startsWith(MARKER_PREFIX);
}

/** The marker for reference `ref`. */
export function marker(ref: number): string {
  return MARKER_PREFIX + ref;
}

/** The reference number of a marker string, or undefined. */
export function markerRef(value: unknown): number | undefined {
  if (typeof value !== "string" || !value.startsWith(MARKER_PREFIX)) return undefined;
  return Number(value.slice(MARKER_PREFIX.length));
}

/**
 * Replaces, in place, every inline data URL in `json` by a marker and returns the extracted
 * strings in reference order.
 */
export function extractInlineData(json: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === "string") {
          if (isInlineData(v)) node[i] = marker(found.push(v) - 1);
        } else if (v && typeof v === "object") visit(v);
      }
    } else if (node && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      for (const key in obj) {
        const v = obj[key];
        if (typeof v === "string") {
          if (isInlineData(v)) obj[key] = marker(found.push(v) - 1);
        } else if (v && typeof v === "object") visit(v);
      }
    }
  };
  visit(json);
  return found;
}

/** A JSON string literal, quotes included, as text or as UTF-8 bytes. */
export type JsonLiteral = string | Uint8Array;

/** The JSON literal of a string, as UTF-8 bytes (built in workers for large strings). */
export function jsonLiteral(value: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Serializes `json`, splicing each marker's JSON literal back in without copying it: the parts
 * become one Blob, which fetch streams as the request body.
 */
export function assembleBody(
  json: unknown,
  parts: ReadonlyMap<number, JsonLiteral>,
): Blob | string {
  const text = JSON.stringify(json);
  // Text-only bodies stay a string: fetch sends a string without the Blob machinery.
  if (parts.size === 0) return text;
  const pieces: BlobPart[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKER_IN_JSON)) {
    const part = parts.get(Number(match[1]));
    if (part === undefined) continue;
    pieces.push(text.slice(last, match.index), part as BlobPart);
    last = match.index + match[0].length;
  }
  pieces.push(text.slice(last));
  return new Blob(pieces, { type: "application/json" });
}
