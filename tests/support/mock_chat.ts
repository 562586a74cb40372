/**
 * Chat completions of the mock: one plan per request, rendered either as a `chat.completion`
 * body or as the exact chunk sequence OpenAI streams:
 *
 * 1. per choice, a role chunk: `{role: "assistant", content: "", refusal: null}` (for a tool
 *    call: `content: null` and the call's index, id, type, name and `arguments: ""`);
 * 2. content chunks `{content}` (tool calls: `{tool_calls: [{index, function: {arguments}}]}`);
 * 3. per choice, a finish chunk: empty delta and `finish_reason`;
 * 4. with `include_usage` only: a chunk with `choices: []` and the usage (every other chunk then
 *    carries `"usage": null`; without it, no chunk has a `usage` key);
 * 5. `data: [DONE]`.
 *
 * Every chunk carries an `obfuscation` pad unless `stream_options.include_obfuscation` is false.
 *
 * @module
 */

import {
  chatChunk,
  type ChatChunkArgs,
  chatCompletion,
  chatUsage,
  type ChoiceOutcome,
  type ChunkFraming,
  type CompletionHead,
  type FinishReason,
  type IdSource,
  servedTier,
  SSE_DONE,
  sseEvent,
} from "./openai_wire.ts";
import {
  answerText,
  argumentFragments,
  type ChatRequestBody,
  completionLimit,
  countPromptTokens,
  forcedToolCall,
  type ImageTokens,
  numberedPiece,
  textPieces,
} from "./mock_model.ts";

/** What the mock will say: text pieces, or one function call per choice. */
export type ChatOutput =
  | { kind: "text"; pieces: Iterable<string> }
  | { kind: "tool"; name: string; arguments: string; ids: string[] };

/** Everything needed to render one chat completion. */
export interface ChatPlan {
  head: CompletionHead;
  choices: number;
  framing: ChunkFraming;
  promptTokens: number;
  limit: number;
  output: ChatOutput;
}

/** Numbered pieces `tok0`, ` tok1`, … up to `count` of them (lazily: `mock-slow` has thousands). */
export function* numberedPieces(count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield numberedPiece(i);
}

/** Where a chat plan gets its ids, times, image prices and (scripted) answer pieces. */
export interface ChatPlanSources {
  ids: IdSource;
  /** `created` of the completion, in Unix seconds. */
  created: number;
  imageTokens: ImageTokens;
  /** Overrides the echo text (scripted models); a forced tool call wins over both. */
  pieces?: Iterable<string>;
}

/** Plans the answer to a chat request. */
export function planChat(request: ChatRequestBody, sources: ChatPlanSources): ChatPlan {
  const { ids, created, imageTokens, pieces } = sources;
  const choices = Math.max(1, request.n ?? 1);
  const call = forcedToolCall(request);
  const output: ChatOutput = call
    ? { kind: "tool", ...call, ids: Array.from({ length: choices }, () => ids.toolCall()) }
    : { kind: "text", pieces: pieces ?? textPieces(answerText(request)) };
  return {
    head: {
      id: ids.chatCompletion(),
      created,
      model: request.model,
      serviceTier: servedTier(request.service_tier),
    },
    choices,
    framing: {
      includeUsage: request.stream_options?.include_usage === true,
      obfuscate: request.stream_options?.include_obfuscation !== false,
    },
    promptTokens: countPromptTokens(request, imageTokens),
    limit: completionLimit(request),
    output,
  };
}

/** Takes at most `limit` pieces; `truncated` tells whether any were left over. */
function takePieces(
  pieces: Iterable<string>,
  limit: number,
): { taken: string[]; truncated: boolean } {
  const taken: string[] = [];
  for (const piece of pieces) {
    if (taken.length >= limit) return { taken, truncated: true };
    taken.push(piece);
  }
  return { taken, truncated: false };
}

/** Renders the plan as a non-streamed `chat.completion` body. */
export function chatCompletionBody(plan: ChatPlan): Record<string, unknown> {
  const { output } = plan;
  let outcome: (index: number) => ChoiceOutcome;
  let tokens: number;
  if (output.kind === "tool") {
    tokens = argumentFragments(output.arguments).length;
    outcome = (index) => ({
      content: null,
      toolCalls: [{
        id: output.ids[index],
        type: "function",
        function: { name: output.name, arguments: output.arguments },
      }],
      finishReason: "tool_calls",
    });
  } else {
    const { taken, truncated } = takePieces(output.pieces, plan.limit);
    const content = taken.join("");
    tokens = taken.length;
    outcome = () => ({ content, finishReason: truncated ? "length" : "stop" });
  }
  const choices = Array.from({ length: plan.choices }, (_, index) => outcome(index));
  return chatCompletion(plan.head, choices, chatUsage(plan.promptTokens, tokens * plan.choices));
}

/** Renders the plan as the SSE events of a streamed chat completion, lazily. */
export function* chatStreamEvents(plan: ChatPlan): Generator<string> {
  const { head, framing, output } = plan;
  const chunk = (args: ChatChunkArgs) => sseEvent(chatChunk(head, framing, args));
  const each = function* (delta: (index: number) => Record<string, unknown>, textLength: number) {
    for (let index = 0; index < plan.choices; index++) {
      yield chunk({
        choices: [{ index, delta: delta(index), logprobs: null, finish_reason: null }],
        textLength,
      });
    }
  };

  let tokens = 0;
  let finish: FinishReason = "stop";
  if (output.kind === "tool") {
    yield* each((index) => ({
      role: "assistant",
      content: null,
      tool_calls: [{
        index: 0,
        id: output.ids[index],
        type: "function",
        function: { name: output.name, arguments: "" },
      }],
      refusal: null,
    }), 0);
    for (const fragment of argumentFragments(output.arguments)) {
      tokens++;
      yield* each(
        () => ({ tool_calls: [{ index: 0, function: { arguments: fragment } }] }),
        fragment.length,
      );
    }
    finish = "tool_calls";
  } else {
    yield* each(() => ({ role: "assistant", content: "", refusal: null }), 0);
    for (const piece of output.pieces) {
      if (tokens >= plan.limit) {
        finish = "length";
        break;
      }
      tokens++;
      yield* each(() => ({ content: piece }), piece.length);
    }
  }
  for (let index = 0; index < plan.choices; index++) {
    yield chunk({
      choices: [{ index, delta: {}, logprobs: null, finish_reason: finish }],
      textLength: 0,
    });
  }
  if (framing.includeUsage) {
    yield chunk({
      choices: [],
      textLength: 0,
      usage: chatUsage(plan.promptTokens, tokens * plan.choices),
    });
  }
  yield SSE_DONE;
}
