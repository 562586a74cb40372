/**
 * `POST /v1/responses` of the mock: the echo answer of `mock_model.ts` for the last user input,
 * as a `response` object, or streamed as the Responses API's named events (`response.created`,
 * `response.output_text.delta`…, `response.completed` carrying the usage). Input tokens: the
 * text rule of `mock_model.ts` plus `imageTokens` per `input_image`.
 *
 * @module
 */

import { answerText, inputTokens, textPieces } from "./mock_model.ts";
import { servedTier } from "./openai_wire.ts";

type Json = Record<string, unknown>;

/** The Responses answer, as a JSON body or as SSE events. */
export type ResponsesAnswer =
  | { kind: "json"; body: Json }
  | { kind: "stream"; events: string[] };

function lastUserText(input: unknown): string {
  if (typeof input === "string") return input;
  if (!Array.isArray(input)) return "";
  const last = [...input].reverse().find((i) => i?.role === "user");
  const content = last?.content;
  if (typeof content === "string") return content;
  return Array.isArray(content)
    ? content.filter((p) => p?.type === "input_text").map((p) => p.text).join("\n")
    : "";
}

function countImages(input: unknown): number {
  if (!Array.isArray(input)) return 0;
  return input.flatMap((i) => (Array.isArray(i?.content) ? i.content : []))
    .filter((p: Json) => p?.type === "input_image").length;
}

/** A named SSE event as the Responses API frames it. */
function namedEvent(type: string, payload: Json, sequence: number): string {
  return `event: ${type}\ndata: ${
    JSON.stringify({ type, sequence_number: sequence, ...payload })
  }\n\n`;
}

/** Answers a Responses request with id `id`, created at `created`. */
export function answerResponses(
  body: Json,
  id: string,
  created: number,
  imageTokens = 85,
): ResponsesAnswer {
  const model = String(body.model);
  const question = lastUserText(body.input);
  const text = textPieces(answerText({ model, messages: [{ role: "user", content: question }] }));
  const inputTokensCount = inputTokens(question) + imageTokens * countImages(body.input);
  const usage = {
    input_tokens: inputTokensCount,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: text.length,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokensCount + text.length,
  };
  const message = {
    id: `msg_${id}`,
    type: "message",
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text: text.join(""), annotations: [] }],
  };
  const response = (status: string, output: Json[], withUsage: boolean): Json => ({
    id,
    object: "response",
    created_at: created,
    status,
    model,
    output,
    usage: withUsage ? usage : null,
    service_tier: servedTier(body.service_tier),
  });
  if (body.stream !== true) {
    return { kind: "json", body: response("completed", [message], true) };
  }
  let sequence = 0;
  const events = [
    namedEvent("response.created", { response: response("in_progress", [], false) }, sequence++),
    ...text.map((delta) =>
      namedEvent("response.output_text.delta", {
        item_id: message.id,
        output_index: 0,
        content_index: 0,
        delta,
      }, sequence++)
    ),
    namedEvent(
      "response.completed",
      { response: response("completed", [message], true) },
      sequence++,
    ),
  ];
  return { kind: "stream", events };
}
