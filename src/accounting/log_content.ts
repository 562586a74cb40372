/** What of a request's messages the log may keep (`SQUINT_LOG_CONTENT`). */

const MARKER = /\\u0000squint:\d+/g;
const INLINE_DATA = /"data:[^"]*"/g;

function redact(node: unknown): unknown {
  if (typeof node === "string") return `[${node.length} chars]`;
  if (Array.isArray(node)) return node.map(redact);
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, k === "role" || k === "type" ? v : redact(v)]),
    );
  }
  return node;
}

/** The messages as the log keeps them: none (`off`), shape only (`redacted`), or text (`full`). Images never. */
export function contentForLog(messages: unknown, mode: "off" | "redacted" | "full"): string | null {
  if (mode === "off" || messages === undefined) return null;
  const kept = mode === "redacted" ? redact(messages) : messages;
  return JSON.stringify(kept).replace(MARKER, "[image]").replace(INLINE_DATA, '"[inline data]"');
}
