/**
 * Legacy `POST /v1/completions` of the mock: the echo answer of `mock_model.ts` for `prompt`
 * (the first one when it is a list), capped by `max_tokens` (16 when absent, as the real API).
 *
 * @module
 */

import { numberedPieces } from "./mock_chat.ts";
import { answerText, inputTokens, textPieces } from "./mock_model.ts";
import { type IdSource, SSE_DONE, sseEvent, textCompletion } from "./openai_wire.ts";

const DEFAULT_MAX_TOKENS = 16;

/** A legacy completion, as a JSON body or as SSE events. */
export type LegacyAnswer =
  | { kind: "json"; body: Record<string, unknown> }
  | { kind: "stream"; events: string[] };

/**
 * Answers a legacy completion request created at `created` (Unix seconds); `chunks` replaces the
 * echo by `mock-chunks-N` pieces.
 */
export function answerLegacyCompletion(
  body: Record<string, unknown>,
  ids: IdSource,
  created: number,
  chunks?: number,
): LegacyAnswer {
  const model = String(body.model);
  const prompt = body.prompt;
  const first = Array.isArray(prompt) ? prompt[0] : prompt;
  const all = chunks !== undefined
    ? [...numberedPieces(chunks)]
    : textPieces(answerText({ model, messages: [{ role: "user", content: first }] }));
  const limit = typeof body.max_tokens === "number" ? body.max_tokens : DEFAULT_MAX_TOKENS;
  const pieces = all.slice(0, limit);
  const finishReason = pieces.length < all.length ? "length" : "stop";
  const promptTokens = Array.isArray(prompt) && typeof prompt[0] !== "number"
    ? prompt.reduce((sum: number, item: unknown) => sum + inputTokens(item), 0)
    : inputTokens(prompt);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: pieces.length,
    total_tokens: promptTokens + pieces.length,
  };
  const head = { id: ids.textCompletion(), created, model };
  if (body.stream !== true) {
    const text = pieces.join("");
    return { kind: "json", body: textCompletion(head, [{ text, finishReason }], usage) };
  }
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  const nullUsage = options?.include_usage === true ? null : undefined;
  const chunk = (text: string, reason: typeof finishReason | null) =>
    sseEvent(textCompletion(head, [{ text, finishReason: reason }], nullUsage, true));
  return {
    kind: "stream",
    events: [
      ...pieces.map((piece) => chunk(piece, null)),
      chunk("", finishReason),
      ...(nullUsage === null ? [sseEvent(textCompletion(head, [], usage, true))] : []),
      SSE_DONE,
    ],
  };
}
