/**
 * What every non-OpenAI upstream provides to the Chat Completions door: a translator between
 * OpenAI's chat format and the provider's own, as pure functions over plain JSON (no I/O), so a
 * large body can be translated in a worker and each piece tested on its own.
 *
 * The door hands a translator an OpenAI chat body that squint has already optimized; its images
 * are `data:` URLs (inlined bytes) or, only for providers that take them (`takesImageUrls`),
 * http(s) URLs. The translator returns the provider's request; squint sends it, then hands the
 * provider's answer back to the translator and relays the OpenAI-shaped result as if OpenAI had
 * answered (stats, cache and logging work the same for every provider).
 */

/** An OpenAI Chat Completions request body, parsed (fields squint does not know kept). */
export type ChatBody = Record<string, unknown>;

/** A JSON object. */
export type Json = Record<string, unknown>;

/** The provider request a translator builds. */
export interface UpstreamRequest {
  /**
   * Path and query appended to the provider's base URL (e.g. `/v1/messages`,
   * `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, `/api/chat`).
   */
  path: string;
  /** Provider headers besides content type and credentials (e.g. `anthropic-version`). */
  headers: [string, string][];
  body: Json;
}

/** One event of an upstream stream: an SSE event (its `event:` name, if any, and data), or one NDJSON line as `data`. */
export interface StreamEvent {
  event?: string;
  data: string;
}

/**
 * Translates one upstream stream, event by event, into OpenAI `chat.completion.chunk` objects:
 * a role chunk first, content and tool-call argument deltas as they come, a chunk with the
 * finish reason, and last a usage chunk (`choices: []`, `usage` in OpenAI's shape). Stateful;
 * one per stream.
 */
export interface StreamTranslator {
  /** The chunks one upstream event gives (often none or one). */
  push(event: StreamEvent): Json[];
  /** The chunks still owed when the upstream stream ends (e.g. the usage chunk). */
  end(): Json[];
}

/** The translation between OpenAI's chat format and one provider's. */
export interface ChatTranslator {
  /** Whether the provider fetches http(s) image URLs itself (else squint inlines them first). */
  readonly takesImageUrls: boolean;
  /**
   * The provider request for `body`. `model` is the model name as the provider knows it (any
   * routing prefix such as `ollama/` already stripped); `stream` says whether to stream. Throws
   * `TranslationError` for what the provider cannot take (the client gets 400).
   */
  request(body: ChatBody, model: string, stream: boolean): UpstreamRequest;
  /** The provider's JSON answer as an OpenAI `chat.completion` object. */
  response(answer: Json, model: string): Json;
  /** A translator for one streamed answer. */
  stream(model: string): StreamTranslator;
  /**
   * The provider's error answer (`status`, raw body text) as OpenAI's error object
   * `{ error: { message, type, param, code } }`, keeping the provider's message.
   */
  error(status: number, body: string): Json;
}

/** A request the provider cannot take, said in the client's terms (answered with 400). */
export class TranslationError extends Error {
  override name = "TranslationError";
  /** `param`: where in the OpenAI body the problem is (e.g. `messages[2].content[1]`). */
  constructor(message: string, readonly param: string | null = null) {
    super(message);
  }
}

/** OpenAI's finish reasons. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/**
 * The chat completion's `service_tier` for the tier a provider says it served a call at
 * (Anthropic's `usage.service_tier`, Gemini's `x-gemini-service-tier`): `standard` is OpenAI's
 * `default`, `flex` and `priority` the same words; nothing when it says none.
 */
export function openAITier(tier: unknown): { service_tier?: string } {
  if (typeof tier !== "string" || tier === "") return {};
  const word = tier.toLowerCase();
  return { service_tier: word === "standard" ? "default" : word };
}

/** The OpenAI `usage` object squint produces from any provider's counts. */
export function openAIUsage(counts: {
  /** All input tokens billed (uncached, cache reads and cache writes together). */
  prompt: number;
  completion: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedRead?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic), reported alongside. */
  cacheWrite?: number;
  /** Of those, the ones written for an hour (billed at their own rate). */
  cacheWrite1h?: number;
}): Json {
  const usage: Json = {
    prompt_tokens: counts.prompt,
    completion_tokens: counts.completion,
    total_tokens: counts.prompt + counts.completion,
    prompt_tokens_details: { cached_tokens: counts.cachedRead ?? 0 },
  };
  if (counts.cacheWrite) usage.cache_creation_input_tokens = counts.cacheWrite;
  if (counts.cacheWrite1h) usage.cache_creation_1h_input_tokens = counts.cacheWrite1h;
  return usage;
}
