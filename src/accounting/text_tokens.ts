/**
 * A fast estimate of the text tokens of a Chat Completions body, for `tokens_before`/`after`
 * (both computed the same way, so their difference is exactly what squint changed in images).
 * Labelled as an estimate: the exact count needs each family's tokenizer.
 */

/** Per-message framing tokens (OpenAI's documented chat overhead) and reply priming. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/** ASCII text runs ~4 characters per token; other scripts about one per character. */
export function estimateStringTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

function partTokens(part: unknown): number {
  if (typeof part === "string") return estimateStringTokens(part);
  if (!part || typeof part !== "object") return 0;
  const p = part as Record<string, unknown>;
  if (p.type === "text" && typeof p.text === "string") return estimateStringTokens(p.text);
  return 0;
}

function messageTokens(message: unknown): number {
  if (!message || typeof message !== "object") return 0;
  const m = message as Record<string, unknown>;
  let tokens = PER_MESSAGE;
  if (typeof m.content === "string") tokens += estimateStringTokens(m.content);
  else if (Array.isArray(m.content)) { for (const part of m.content) tokens += partTokens(part); }
  if (typeof m.name === "string") tokens += estimateStringTokens(m.name);
  if (Array.isArray(m.tool_calls)) tokens += estimateStringTokens(JSON.stringify(m.tool_calls));
  return tokens;
}

/** Estimated text and tool-definition tokens of `body` (images excluded). */
export function estimateTextTokens(body: Record<string, unknown>): number {
  let tokens = REPLY_PRIMING;
  if (Array.isArray(body.messages)) { for (const m of body.messages) tokens += messageTokens(m); }
  if (Array.isArray(body.tools)) tokens += estimateStringTokens(JSON.stringify(body.tools));
  return tokens;
}
