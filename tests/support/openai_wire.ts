/**
 * Builders for OpenAI's wire format as the real API sends it (2025–2026 captures): key order,
 * `null`s and always-present empty fields included, so byte-level relays can be checked against it.
 *
 * Sources: openai SDK types (`chat_completion_chunk.py`, `completion_usage.py`,
 * `chat_completion_stream_options_param.py`) and recorded `api.openai.com` transcripts.
 *
 * @module
 */

/** The `system_fingerprint` the mock reports (real ones are `fp_` and 10 hex digits). */
export const SYSTEM_FINGERPRINT = "fp_6d0c8a1f2b";

/** The last event of every OpenAI stream. */
export const SSE_DONE = "data: [DONE]\n\n";

/** Frames one JSON value as a server-sent event, the way OpenAI does (`data: …` and a blank line). */
export function sseEvent(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** `usage` of a completion as the real API fills it (`CompletionUsage`). */
export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** Builds the `usage` object with every detail field the real API sends, zeros included. */
export function chatUsage(promptTokens: number, completionTokens: number): WireUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** A function call the model makes, as it appears in a non-streamed message. */
export interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Why a choice ended. */
export type FinishReason = "stop" | "length" | "tool_calls";

/** One choice of a `chat.completion`: either text or tool calls. */
export interface ChoiceOutcome {
  content: string | null;
  toolCalls?: WireToolCall[];
  finishReason: FinishReason;
}

/** What every response of one completion shares. */
export interface CompletionHead {
  id: string;
  created: number;
  model: string;
  /** The tier the answer says it was served at (`servedTier`); default `default`. */
  serviceTier?: string;
}

/**
 * The `service_tier` an answer reports for the one a request asked: the tier itself when the
 * mock "has capacity" for it (`flex`, `priority`, `scale`), else `default` (as for `auto`).
 */
export function servedTier(requested: unknown): string {
  return requested === "flex" || requested === "priority" || requested === "scale"
    ? requested
    : "default";
}

/** Builds a non-streamed `chat.completion` body. */
export function chatCompletion(
  head: CompletionHead,
  choices: ChoiceOutcome[],
  usage: WireUsage,
): Record<string, unknown> {
  return {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model: head.model,
    choices: choices.map((choice, index) => ({
      index,
      message: {
        role: "assistant",
        content: choice.content,
        ...(choice.toolCalls ? { tool_calls: choice.toolCalls } : {}),
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    usage,
    service_tier: head.serviceTier ?? "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/** How a chat stream frames its chunks, from `stream_options`. */
export interface ChunkFraming {
  /** `stream_options.include_usage`: every chunk carries `"usage": null`, and a usage chunk ends it. */
  includeUsage: boolean;
  /** `stream_options.include_obfuscation` (default on): every chunk carries an `obfuscation` pad. */
  obfuscate: boolean;
}

const OBFUSCATION_ALPHABET = "Zx7QaL2m9KpR4t8WcY3nVb6H";
const OBFUSCATION_TARGET = 16;

/**
 * A deterministic stand-in for the random `obfuscation` pad: it pads the chunk's text to 16
 * characters (at least one), which is what the real pad is for (normalising chunk sizes).
 */
export function obfuscationPad(textLength: number): string {
  return OBFUSCATION_ALPHABET.slice(0, Math.max(1, OBFUSCATION_TARGET - textLength));
}

/** One entry of a chunk's `choices`. */
export interface ChunkChoice {
  index: number;
  delta: Record<string, unknown>;
  logprobs: null;
  finish_reason: FinishReason | null;
}

/** The parts of one `chat.completion.chunk` that change from chunk to chunk. */
export interface ChatChunkArgs {
  choices: ChunkChoice[];
  /** Length of the text the chunk carries; sizes the obfuscation pad. */
  textLength: number;
  /** The usage of the last chunk of a stream that includes usage (`null` on all others). */
  usage?: WireUsage | null;
}

/**
 * Builds one `chat.completion.chunk`; `usage` is only written when the stream includes usage,
 * `obfuscation` only when it is obfuscated.
 */
export function chatChunk(
  head: CompletionHead,
  framing: ChunkFraming,
  args: ChatChunkArgs,
): Record<string, unknown> {
  const chunk: Record<string, unknown> = {
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    service_tier: head.serviceTier ?? "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: args.choices,
  };
  if (framing.includeUsage) chunk.usage = args.usage ?? null;
  if (framing.obfuscate) chunk.obfuscation = obfuscationPad(args.textLength);
  return chunk;
}

/** Legacy completion usage: the three totals only. */
export interface LegacyUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * Builds a legacy `text_completion` body or, with `stream`, one of its chunks (which the real
 * API writes with `model` after `choices`); `usage` is left out when undefined.
 */
export function textCompletion(
  head: CompletionHead,
  choices: { text: string; finishReason: FinishReason | null }[],
  usage: LegacyUsage | null | undefined,
  stream = false,
): Record<string, unknown> {
  const wireChoices = choices.map((choice, index) => ({
    text: choice.text,
    index,
    logprobs: null,
    finish_reason: choice.finishReason,
  }));
  const body: Record<string, unknown> = { id: head.id, object: "text_completion" };
  body.created = head.created;
  if (stream) {
    body.choices = wireChoices;
    body.model = head.model;
  } else {
    body.model = head.model;
    body.choices = wireChoices;
  }
  if (usage !== undefined) body.usage = usage;
  return body;
}

/** Builds an embeddings `list`; vectors are float arrays or base64 of little-endian float32. */
export function embeddingList(
  model: string,
  vectors: (number[] | string)[],
  promptTokens: number,
): Record<string, unknown> {
  return {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** Encodes a vector the way `encoding_format: "base64"` returns it (the openai-node default). */
export function base64Float32(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `created` of every model the mock lists (gpt-4o-mini's real value). */
const MODEL_CREATED = 1721172741;

/** Builds one `model` object of `GET /v1/models`. */
export function modelObject(id: string): Record<string, unknown> {
  return { id, object: "model", created: MODEL_CREATED, owned_by: "system" };
}

/** Builds the `GET /v1/models` list. */
export function modelList(ids: readonly string[]): Record<string, unknown> {
  return { object: "list", data: ids.map(modelObject) };
}

/** Makes the ids a mock hands out: deterministic per instance, in the real prefixes and lengths. */
export class IdSource {
  #next = 0;

  /** `chatcmpl-` and 29 characters, like a chat completion id. */
  chatCompletion(): string {
    return this.#id("chatcmpl-", 29);
  }

  /** `cmpl-` and 29 characters, like a legacy completion id. */
  textCompletion(): string {
    return this.#id("cmpl-", 29);
  }

  /** `call_` and 24 characters, like a tool call id. */
  toolCall(): string {
    return this.#id("call_", 24);
  }

  /** `req_` and 32 hex digits, like an `x-request-id` header. */
  request(): string {
    return "req_" + (this.#next++).toString(16).padStart(32, "0");
  }

  #id(prefix: string, length: number): string {
    return prefix + "mock" + (this.#next++).toString(36).padStart(length - 4, "0");
  }
}

/** A function tool the tests send: `get_weather(city, unit)`. */
export const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city", "unit"],
    },
  },
};
