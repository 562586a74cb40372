/**
 * The Anthropic Messages API (`POST /v1/messages`, `anthropic-version: 2023-06-01`) behind the
 * Chat Completions door: OpenAI chat bodies to Messages requests, Messages answers, streams and
 * errors back to OpenAI's shapes. Pure functions over plain JSON; the mappings are tables.
 *
 * Choices the OpenAI format leaves open, and why:
 * - `anthropic-version: 2023-06-01`, not the newer `2026-10-21`: the newer version rejects
 *   `temperature`, `top_p` and `top_k` at any value (platform.claude.com/docs/en/api/versioning).
 * - `response_format` `json_schema` becomes `output_config.format` (Anthropic's structured outputs,
 *   generally available: platform.claude.com/docs/en/build-with-claude/structured-outputs); the
 *   answer's text is then the JSON itself, so nothing maps back. `json_object` has no Anthropic
 *   counterpart (a schema is required) and is refused.
 * - Empty text is dropped, as Anthropic rejects empty text blocks ("text content blocks must be
 *   non-empty"); a message left without blocks is dropped with it.
 * - `cache_control` on an OpenAI content part (the LiteLLM/OpenRouter convention) is kept on the
 *   block it becomes, so clients can place Anthropic cache breakpoints through the door.
 * - Fields with no Anthropic counterpart (`seed`, penalties, `logprobs`, `stream_options`, …) are
 *   dropped; the stream always ends with a usage chunk.
 *
 * @module
 */

import {
  type ChatBody,
  type ChatTranslator,
  type FinishReason,
  type Json,
  openAITier,
  openAIUsage,
  type StreamEvent,
  type StreamTranslator,
  TranslationError,
  type UpstreamRequest,
} from "./types.ts";
import { base64DataUrl, isObject, toolArguments } from "./openai_parts.ts";
import { own } from "../own.ts";

/** The API version squint speaks (see the module doc for why not the newest). */
export const ANTHROPIC_VERSION = "2023-06-01";
/** `max_tokens` is required by Anthropic; this is sent when the client gives no limit. */
export const DEFAULT_MAX_TOKENS = 4096;
/** Anthropic's temperature range is 0–1 (OpenAI's 0–2). */
const MAX_TEMPERATURE = 1;

/** Anthropic `stop_reason` → OpenAI `finish_reason`. */
const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** OpenAI string `tool_choice` → Anthropic `tool_choice`. */
const TOOL_CHOICES: Record<string, Json> = {
  none: { type: "none" },
  auto: { type: "auto" },
  required: { type: "any" },
};

/** Anthropic error `type` → the OpenAI-side `type` and `code` squint reports. */
const ERROR_TYPES: Record<string, { type: string; code: string | null }> = {
  invalid_request_error: { type: "invalid_request_error", code: null },
  authentication_error: { type: "authentication_error", code: "invalid_api_key" },
  permission_error: { type: "permission_error", code: null },
  not_found_error: { type: "not_found_error", code: null },
  request_too_large: { type: "invalid_request_error", code: "request_too_large" },
  rate_limit_error: { type: "rate_limit_error", code: "rate_limit_exceeded" },
  api_error: { type: "api_error", code: null },
  overloaded_error: { type: "overloaded_error", code: "overloaded" },
};

/** Image types Anthropic takes, with the aliases clients write. */
const IMAGE_MEDIA_TYPES: Record<string, string> = {
  "image/jpeg": "image/jpeg",
  "image/jpg": "image/jpeg",
  "image/png": "image/png",
  "image/gif": "image/gif",
  "image/webp": "image/webp",
};

/** OpenAI-side fields copied to the Messages request under another name or shape. */
const SAMPLING_FIELDS: [string, string, (value: number) => number][] = [
  ["temperature", "temperature", (t) => Math.min(t, MAX_TEMPERATURE)],
  ["top_p", "top_p", (p) => p],
];

type Block = Json;
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

/** One content part → an Anthropic block (or null for empty text); `where` names it for errors. */
function partBlock(part: unknown, where: string, allowImages: boolean): Block | null {
  if (!isObject(part)) throw new TranslationError("content part must be an object", where);
  let block: Block | null;
  if (part.type === "text" || part.type === "refusal") {
    const text = part.type === "text" ? part.text : part.refusal;
    if (typeof text !== "string") throw new TranslationError("text part without text", where);
    block = text === "" ? null : { type: "text", text };
  } else if (part.type === "image_url" && allowImages) {
    block = imageBlock(part, where);
  } else {
    throw new TranslationError(`Anthropic cannot take a '${String(part.type)}' part here`, where);
  }
  if (block && isObject(part.cache_control)) block.cache_control = part.cache_control;
  return block;
}

/** An `image_url` part → an Anthropic image block: inline base64 or a URL Anthropic fetches. */
function imageBlock(part: Json, where: string): Block {
  const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
  if (typeof url !== "string") throw new TranslationError("image_url without url", where);
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  const inline = base64DataUrl(url);
  if (!inline) {
    throw new TranslationError("image URL must be http(s) or a base64 data: URL", where);
  }
  const mediaType = own(IMAGE_MEDIA_TYPES, inline.mediaType);
  if (!mediaType) {
    throw new TranslationError(
      `Anthropic takes JPEG, PNG, GIF and WebP images, not ${inline.mediaType}`,
      where,
    );
  }
  return { type: "image", source: { type: "base64", media_type: mediaType, data: inline.data } };
}

/** Message `content` (string or parts) → blocks, empty text left out. */
function contentBlocks(content: unknown, where: string, allowImages: boolean): Block[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) {
    throw new TranslationError("content must be a string or parts", where);
  }
  return content
    .map((part, j) => partBlock(part, `${where}[${j}]`, allowImages))
    .filter((block): block is Block => block !== null);
}

/** Assistant `tool_calls` → `tool_use` blocks, arguments parsed. */
function toolUseBlocks(calls: unknown, where: string): Block[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw new TranslationError("tool_calls must be an array", where);
  return calls.map((call, k) => {
    const at = `${where}[${k}]`;
    if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== "string") {
      throw new TranslationError("tool call without a function name", at);
    }
    const input = toolArguments(call.function.arguments, `${at}.function.arguments`);
    return { type: "tool_use", id: call.id, name: call.function.name, input };
  });
}

/** What each OpenAI role becomes: a turn of blocks, or system text (null for the turn). */
const ROLES: Record<string, (message: Json, where: string) => Turn | null> = {
  system: () => null,
  developer: () => null,
  user: (m, where) => ({
    role: "user",
    content: contentBlocks(m.content, `${where}.content`, true),
  }),
  assistant: (m, where) => ({
    role: "assistant",
    content: [
      ...contentBlocks(m.content, `${where}.content`, false),
      ...toolUseBlocks(m.tool_calls, `${where}.tool_calls`),
    ],
  }),
  tool: (m, where) => {
    if (typeof m.tool_call_id !== "string") {
      throw new TranslationError("tool message without tool_call_id", `${where}.tool_call_id`);
    }
    const content = typeof m.content === "string"
      ? m.content
      : contentBlocks(m.content, `${where}.content`, true);
    const result: Block = { type: "tool_result", tool_use_id: m.tool_call_id };
    if (content.length > 0) result.content = content;
    return { role: "user", content: [result] };
  },
};

/** The text blocks of every system and developer message, in order. */
function systemBlocks(messages: Json[]): Block[] {
  return messages.flatMap((m, i) =>
    m.role === "system" || m.role === "developer"
      ? contentBlocks(m.content, `messages[${i}].content`, false)
      : []
  );
}

/** The conversation as alternating Anthropic turns (same-role neighbours merged). */
function turns(messages: Json[]): Turn[] {
  const out: Turn[] = [];
  messages.forEach((message, i) => {
    const convert = own(ROLES, String(message.role));
    if (!convert) {
      throw new TranslationError(`unsupported role '${message.role}'`, `messages[${i}].role`);
    }
    const turn = convert(message, `messages[${i}]`);
    if (!turn || turn.content.length === 0) return;
    const last = out.at(-1);
    if (last?.role === turn.role) last.content.push(...turn.content);
    else out.push(turn);
  });
  return out;
}

function tools(value: unknown): Json[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new TranslationError("tools must be an array", "tools");
  return value.map((tool, i) => {
    if (!isObject(tool) || tool.type !== "function" || !isObject(tool.function)) {
      throw new TranslationError("Anthropic takes function tools only", `tools[${i}].type`);
    }
    const fn = tool.function;
    return {
      name: fn.name,
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      input_schema: fn.parameters ?? { type: "object", properties: {} },
    };
  });
}

function toolChoice(body: ChatBody, hasTools: boolean): Json | undefined {
  const choice = body.tool_choice;
  let out: Json | undefined;
  if (typeof choice === "string") {
    const named = own(TOOL_CHOICES, choice);
    out = named && { ...named };
    if (!out) throw new TranslationError(`unknown tool_choice '${choice}'`, "tool_choice");
  } else if (isObject(choice)) {
    const name = isObject(choice.function) ? choice.function.name : undefined;
    if (choice.type !== "function" || typeof name !== "string") {
      throw new TranslationError(
        "Anthropic takes tool_choice for one function only",
        "tool_choice",
      );
    }
    out = { type: "tool", name };
  }
  if (body.parallel_tool_calls === false && hasTools && out?.type !== "none") {
    out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  return out;
}

function outputConfig(format: unknown): Json | undefined {
  if (!isObject(format) || format.type === "text") return undefined;
  if (format.type === "json_schema" && isObject(format.json_schema)) {
    const schema = format.json_schema.schema ?? { type: "object" };
    return { format: { type: "json_schema", schema } };
  }
  throw new TranslationError(
    `Anthropic has no '${String(format.type)}' response format; use json_schema`,
    "response_format",
  );
}

function request(body: ChatBody, model: string, stream: boolean): UpstreamRequest {
  if (!Array.isArray(body.messages)) {
    throw new TranslationError("messages must be an array", "messages");
  }
  if (typeof body.n === "number" && body.n > 1) {
    throw new TranslationError("Anthropic answers with one choice; n must be 1", "n");
  }
  const messages = body.messages.map((m, i) => {
    if (!isObject(m)) throw new TranslationError("message must be an object", `messages[${i}]`);
    return m;
  });
  const out: Json = {
    model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  const system = systemBlocks(messages);
  if (system.length > 0) out.system = system;
  out.messages = turns(messages);
  const toolList = tools(body.tools);
  if (toolList) out.tools = toolList;
  const choice = toolChoice(body, (toolList?.length ?? 0) > 0);
  if (choice) out.tool_choice = choice;
  if (typeof body.stop === "string") out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop)) out.stop_sequences = body.stop;
  for (const [from, to, convert] of SAMPLING_FIELDS) {
    if (typeof body[from] === "number") out[to] = convert(body[from] as number);
  }
  const config = outputConfig(body.response_format);
  if (config) out.output_config = config;
  if (typeof body.user === "string") out.metadata = { user_id: body.user };
  // Extended thinking, as Anthropic's OpenAI compatibility takes it (`extra_body.thinking`).
  if (isObject(body.thinking)) out.thinking = body.thinking;
  if (stream) out.stream = true;
  return {
    path: "/v1/messages",
    headers: [["anthropic-version", ANTHROPIC_VERSION]],
    body: out,
  };
}

/** Anthropic usage (message, message_start or cumulative message_delta) → OpenAI usage. */
function usage(counts: UsageCounts): Json {
  return openAIUsage({
    prompt: counts.input + counts.cacheRead + counts.cacheWrite,
    completion: counts.output,
    cachedRead: counts.cacheRead,
    cacheWrite: counts.cacheWrite,
    cacheWrite1h: counts.cacheWrite1h,
  });
}

interface UsageCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Of the cache writes, the one-hour ones (`cache_creation.ephemeral_1h_input_tokens`). */
  cacheWrite1h: number;
}

/** Reads the counts present in an Anthropic `usage` over `into` (absent or null fields kept). */
function readUsage(value: unknown, into: UsageCounts): UsageCounts {
  if (!isObject(value)) return into;
  const read = (field: string, fallback: number) =>
    typeof value[field] === "number" ? value[field] as number : fallback;
  return {
    input: read("input_tokens", into.input),
    output: read("output_tokens", into.output),
    cacheRead: read("cache_read_input_tokens", into.cacheRead),
    cacheWrite: read("cache_creation_input_tokens", into.cacheWrite),
    cacheWrite1h: isObject(value.cache_creation) &&
        typeof value.cache_creation.ephemeral_1h_input_tokens === "number"
      ? value.cache_creation.ephemeral_1h_input_tokens
      : into.cacheWrite1h,
  };
}

const NO_USAGE: UsageCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 };

/** The chat completion's `service_tier` for the tier an Anthropic `usage` says, if any. */
const tierOf = (usage: unknown) => openAITier(isObject(usage) ? usage.service_tier : undefined);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const finishReason = (stopReason: unknown): FinishReason =>
  own(FINISH_REASONS, String(stopReason)) ?? "stop";

function response(answer: Json, model: string): Json {
  const blocks = Array.isArray(answer.content) ? answer.content.filter(isObject) : [];
  const text = blocks.filter((b) => b.type === "text").map((b) => String(b.text ?? "")).join("");
  const toolCalls = blocks.filter((b) => b.type === "tool_use").map((b) => ({
    id: b.id,
    type: "function",
    function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
  }));
  const message: Json = {
    role: "assistant",
    content: text === "" && toolCalls.length ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  message.refusal = null;
  return {
    id: answer.id,
    object: "chat.completion",
    created: nowSeconds(),
    model: typeof answer.model === "string" ? answer.model : model,
    choices: [{
      index: 0,
      message,
      logprobs: null,
      finish_reason: finishReason(answer.stop_reason),
    }],
    usage: usage(readUsage(answer.usage, NO_USAGE)),
    ...tierOf(answer.usage),
  };
}

/** One streamed answer: Anthropic's events in, OpenAI chunks out. */
class AnthropicStream implements StreamTranslator {
  #id = "";
  #model: string;
  #created = nowSeconds();
  #usage = NO_USAGE;
  /** The tier `message_start` said the call is served at, as each chunk carries it. */
  #tier: Json = {};
  /** Anthropic content-block index → OpenAI tool-call index. */
  #toolIndex = new Map<number, number>();
  #finished = false;
  #usageSent = false;

  constructor(model: string) {
    this.#model = model;
  }

  push(event: StreamEvent): Json[] {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return [];
    }
    if (!isObject(data)) return [];
    const type = typeof data.type === "string" ? data.type : event.event;
    const handle = type ? this.#handlers[type] : undefined;
    return handle ? handle(data) : [];
  }

  end(): Json[] {
    return this.#finished && !this.#usageSent ? this.#usageChunk() : [];
  }

  readonly #handlers: Record<string, (data: Json) => Json[]> = {
    message_start: (data) => {
      const message = isObject(data.message) ? data.message : {};
      if (typeof message.id === "string") this.#id = message.id;
      if (typeof message.model === "string") this.#model = message.model;
      this.#usage = readUsage(message.usage, this.#usage);
      this.#tier = tierOf(message.usage);
      return [this.#chunk({ role: "assistant", content: "" })];
    },
    content_block_start: (data) => {
      const block = isObject(data.content_block) ? data.content_block : {};
      if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
        return [this.#chunk({ content: block.text })];
      }
      if (block.type !== "tool_use") return [];
      const index = this.#toolIndex.size;
      this.#toolIndex.set(Number(data.index), index);
      return [this.#chunk({
        tool_calls: [{
          index,
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: "" },
        }],
      })];
    },
    content_block_delta: (data) => {
      const delta = isObject(data.delta) ? data.delta : {};
      if (delta.type === "text_delta" && typeof delta.text === "string" && delta.text !== "") {
        return [this.#chunk({ content: delta.text })];
      }
      const index = this.#toolIndex.get(Number(data.index));
      if (delta.type !== "input_json_delta" || index === undefined) return [];
      if (typeof delta.partial_json !== "string" || delta.partial_json === "") return [];
      return [
        this.#chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] }),
      ];
    },
    message_delta: (data) => {
      this.#usage = readUsage(data.usage, this.#usage);
      const delta = isObject(data.delta) ? data.delta : {};
      if (delta.stop_reason === undefined || delta.stop_reason === null) return [];
      this.#finished = true;
      return [this.#chunk({}, finishReason(delta.stop_reason))];
    },
    message_stop: () => this.#usageSent ? [] : this.#usageChunk(),
    error: (data) => {
      const error = isObject(data.error) ? data.error : {};
      return [openAIError(String(error.message ?? "Anthropic stream error"), error.type, 500)];
    },
  };

  #head(): Json {
    return {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.#model,
      ...this.#tier,
    };
  }

  #chunk(delta: Json, finish: FinishReason | null = null): Json {
    return {
      ...this.#head(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
  }

  #usageChunk(): Json[] {
    this.#usageSent = true;
    return [{ ...this.#head(), choices: [], usage: usage(this.#usage) }];
  }
}

/** OpenAI's error object for an Anthropic error type (or, unknown, the HTTP status). */
function openAIError(message: string, anthropicType: unknown, status: number): Json {
  const mapped = own(ERROR_TYPES, String(anthropicType)) ?? {
    type: status < 500 ? "invalid_request_error" : "api_error",
    code: null,
  };
  return { error: { message, type: mapped.type, param: null, code: mapped.code } };
}

function error(status: number, body: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const inner = isObject(parsed) && isObject(parsed.error) ? parsed.error : undefined;
  if (inner && typeof inner.message === "string") {
    return openAIError(inner.message, inner.type, status);
  }
  const text = body.trim();
  return openAIError(text === "" ? `Anthropic answered HTTP ${status}` : text, undefined, status);
}

/** The Anthropic Messages API translator. */
export const anthropicChat: ChatTranslator = {
  takesImageUrls: true,
  request,
  response,
  stream: (model) => new AnthropicStream(model),
  error,
};
