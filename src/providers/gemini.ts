/**
 * Google Gemini behind the Chat Completions door: an OpenAI chat body becomes a
 * `models/{model}:generateContent` request (`:streamGenerateContent?alt=sse` when streaming), and
 * Gemini's answers, stream chunks and errors come back in OpenAI's shapes.
 *
 * Wire format: ai.google.dev/api/generate-content (`GenerateContentRequest`,
 * `GenerateContentResponse`), as typed by @google/genai 3.1.0 (`genai.d.ts`) and seen in live
 * `alt=sse` captures (each SSE event is one whole `GenerateContentResponse`, usage a running total).
 *
 * @module
 */

import {
  type ChatBody,
  type ChatTranslator,
  type FinishReason,
  type Json,
  openAIUsage,
  type StreamEvent,
  type StreamTranslator,
  TranslationError,
  type UpstreamRequest,
} from "./types.ts";
import { base64DataUrl, isObject, toolArguments } from "./openai_parts.ts";
import { own } from "../own.ts";
import { levelOfDetail, takesPartLevels } from "../models/media_resolution.ts";

type GeminiRole = "user" | "model";
interface Content {
  role: GeminiRole;
  parts: Json[];
}

/** Where one OpenAI message goes: a Gemini turn, or `systemInstruction`. */
interface Turn {
  role: GeminiRole | "system";
  parts: Json[];
}

/** Tool-call ids seen so far in the conversation, with their function names. */
type CallNames = Map<string, string>;

/**
 * The documented stand-in for a missing thought signature (ai.google.dev/gemini-api/docs/
 * thought-signatures): Gemini 3 rejects a replayed function call without one (400), and a
 * client that dropped `extra_content` has nothing better to send.
 */
const SKIP_SIGNATURE = "skip_thought_signature_validator";

/** Each OpenAI role as the Gemini turn it becomes. */
const MESSAGE_TURNS: Record<
  string,
  (message: Json, at: string, calls: CallNames, levels: boolean) => Turn
> = {
  system: (message, at) => ({ role: "system", parts: textParts(message.content, at) }),
  developer: (message, at) => ({ role: "system", parts: textParts(message.content, at) }),
  user: (message, at, _, levels) => ({
    role: "user",
    parts: contentParts(message.content, at, levels),
  }),
  assistant: (message, at, calls, levels) => ({
    role: "model",
    parts: [...contentParts(message.content, at, levels), ...functionCalls(message, at, calls)],
  }),
  tool: (message, at, calls) => ({ role: "user", parts: [functionResponse(message, at, calls)] }),
};

/**
 * Each OpenAI content part type as a Gemini part; `levels`: the model takes a `media_resolution`
 * level per part, which an image's `detail` (low, high) becomes.
 */
const CONTENT_PARTS: Record<string, (part: Json, at: string, levels: boolean) => Json> = {
  text: (part) => ({ text: String(part.text ?? "") }),
  refusal: (part) => ({ text: String(part.refusal ?? "") }),
  image_url: (part, at, levels) => {
    const image = objectAt(part.image_url);
    const level = levels ? levelOfDetail(image?.detail) : undefined;
    const inline = inlineData(image?.url, `${at}.image_url.url`);
    return level ? { ...inline, mediaResolution: { level } } : inline;
  },
  file: (part, at) => inlineData(objectAt(part.file)?.file_data, `${at}.file.file_data`),
  // A video squint left whole (SQUINT_VIDEO_GEMINI): Gemini samples it itself.
  video_url: (part, at) => inlineData(objectAt(part.video_url)?.url, `${at}.video_url.url`),
  input_audio: (part) => {
    const audio = objectAt(part.input_audio) ?? {};
    return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
  },
};

/**
 * Gemini's `serviceTier` for a chat request's `service_tier` (`auto`, or none: Gemini's own
 * default). The tier served comes back in `x-gemini-service-tier` (translate.ts).
 */
const SERVICE_TIERS: Readonly<Record<string, string>> = {
  default: "standard",
  flex: "flex",
  priority: "priority",
};

/** OpenAI sampling fields `generationConfig` takes as they are, by Gemini name. */
const GENERATION_FIELDS: [openai: string, gemini: string][] = [
  ["temperature", "temperature"],
  ["top_p", "topP"],
  ["n", "candidateCount"],
  ["seed", "seed"],
];

/**
 * `response_format` as `generationConfig` fields. A JSON schema goes to `responseJsonSchema`,
 * which takes JSON Schema as it is (`additionalProperties`, `$ref`, `anyOf`…), unlike the
 * OpenAPI-subset `responseSchema` (@google/genai `GenerationConfig.responseJsonSchema`).
 */
const RESPONSE_FORMATS: Record<string, (format: Json) => Json> = {
  text: () => ({}),
  json_object: () => ({ responseMimeType: "application/json" }),
  json_schema: (format) => {
    const schema = objectAt(objectAt(format.json_schema)?.schema);
    return {
      responseMimeType: "application/json",
      ...(schema ? { responseJsonSchema: schema } : {}),
    };
  },
};

/** `tool_choice` strings as `functionCallingConfig.mode`. */
const TOOL_CHOICE_MODES: Record<string, string> = { none: "NONE", auto: "AUTO", required: "ANY" };

/**
 * The fields of Gemini's `Schema` (an OpenAPI 3.0 subset, @google/genai `Schema`). The API
 * rejects any other field ("Unknown name … Cannot find field"), so function parameters keep
 * these only: `$schema`, `$id`, `$ref`, `$defs`, `additionalProperties`, `const`, `allOf`, `not`,
 * `examples`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `uniqueItems`… are dropped.
 */
const SCHEMA_FIELDS = new Set(
  ("type format title description nullable enum default example items minItems maxItems " +
    "properties required propertyOrdering minProperties maxProperties minLength maxLength " +
    "pattern minimum maximum anyOf").split(" "),
);

/** Gemini finish reasons that are not a plain stop; any other (OTHER, LANGUAGE…) stops. */
const FINISH_REASONS: Record<string, FinishReason> = {
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  BLOCKLIST: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  IMAGE_PROHIBITED_CONTENT: "content_filter",
};

/** Google's canonical error statuses as OpenAI error types; any other is `api_error`. */
const ERROR_TYPES: Record<string, string> = {
  INVALID_ARGUMENT: "invalid_request_error",
  UNAUTHENTICATED: "authentication_error",
  PERMISSION_DENIED: "permission_error",
  NOT_FOUND: "not_found_error",
  RESOURCE_EXHAUSTED: "rate_limit_error",
};

/** The status Google names for an HTTP code, for error bodies that are not Google's JSON. */
const STATUS_BY_HTTP: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** Gemini's translator; squint inlines http(s) images first (`takesImageUrls` false). */
export const geminiChat: ChatTranslator = {
  takesImageUrls: false,
  request: geminiRequest,
  response: chatCompletion,
  stream: (model) => new GeminiStream(model),
  error: openAIError,
};

function geminiRequest(body: ChatBody, model: string, stream: boolean): UpstreamRequest {
  if (!Array.isArray(body.messages)) {
    throw new TranslationError("messages must be an array", "messages");
  }
  const system: Json[] = [];
  const contents: Content[] = [];
  const calls: CallNames = new Map();
  const levels = takesPartLevels(model);
  body.messages.forEach((value, i) => {
    const at = `messages[${i}]`;
    const message = objectAt(value) ?? {};
    const turn = own(MESSAGE_TURNS, String(message.role));
    if (!turn) throw new TranslationError(`Gemini has no role '${message.role}'`, `${at}.role`);
    const { role, parts } = turn(message, at, calls, levels);
    if (role === "system") system.push(...parts);
    else if (parts.length > 0 && contents.at(-1)?.role === role) {
      contents.at(-1)!.parts.push(...parts);
    } else if (parts.length > 0) contents.push({ role, parts });
  });
  if (contents.length === 0) {
    throw new TranslationError("Gemini needs at least one user or assistant message", "messages");
  }

  const request: Json = { contents };
  if (system.length > 0) request.systemInstruction = { parts: system };
  const declarations = functionDeclarations(body.tools);
  if (declarations.length > 0) {
    request.tools = [{ functionDeclarations: declarations }];
    if (body.tool_choice != null) {
      request.toolConfig = { functionCallingConfig: callingConfig(body.tool_choice) };
    }
  }
  const generationConfig = generationConfigOf(body);
  if (body.reasoning_effort != null) {
    generationConfig.thinkingConfig = thinkingConfig(body.reasoning_effort, model);
  }
  if (Object.keys(generationConfig).length > 0) request.generationConfig = generationConfig;
  const tier = typeof body.service_tier === "string"
    ? own(SERVICE_TIERS, body.service_tier)
    : undefined;
  if (tier) request.serviceTier = tier;

  const name = encodeURIComponent(model);
  const path = stream
    ? `/v1beta/models/${name}:streamGenerateContent?alt=sse`
    : `/v1beta/models/${name}:generateContent`;
  return { path, headers: [], body: request };
}

function contentParts(content: unknown, at: string, levels = false): Json[] {
  if (content == null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content)) {
    throw new TranslationError("content must be a string or an array", `${at}.content`);
  }
  return content.flatMap((value, k) => {
    const where = `${at}.content[${k}]`;
    const part = objectAt(value) ?? {};
    const convert = own(CONTENT_PARTS, String(part.type));
    if (!convert) throw new TranslationError(`Gemini takes no '${part.type}' content parts`, where);
    const converted = convert(part, where, levels);
    return converted.text === "" ? [] : [converted];
  });
}

function textParts(content: unknown, at: string): Json[] {
  const parts = contentParts(content, at);
  const other = parts.findIndex((part) => typeof part.text !== "string");
  if (other >= 0) {
    throw new TranslationError("System messages take text only", `${at}.content[${other}]`);
  }
  return parts;
}

function inlineData(url: unknown, at: string): Json {
  const inline = base64DataUrl(url);
  if (!inline) {
    throw new TranslationError("Gemini takes files and images as base64 data: URLs only", at);
  }
  return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
}

function functionCalls(message: Json, at: string, calls: CallNames): Json[] {
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  return toolCalls.map((value, j) => {
    const where = `${at}.tool_calls[${j}]`;
    const call = objectAt(value) ?? {};
    const fn = objectAt(call.function);
    if (call.type !== "function" || typeof fn?.name !== "string") {
      throw new TranslationError("Gemini takes function tool calls only", where);
    }
    if (typeof call.id === "string") calls.set(call.id, fn.name);
    const part: Json = {
      functionCall: {
        name: fn.name,
        args: toolArguments(fn.arguments, `${where}.function.arguments`),
      },
    };
    const signature = objectAt(objectAt(call.extra_content)?.google)?.thought_signature;
    if (typeof signature === "string") part.thoughtSignature = signature;
    else if (j === 0) part.thoughtSignature = SKIP_SIGNATURE;
    return part;
  });
}

function functionResponse(message: Json, at: string, calls: CallNames): Json {
  const id = message.tool_call_id;
  const name = typeof id === "string" ? calls.get(id) : undefined;
  if (name === undefined) {
    throw new TranslationError(
      `No earlier assistant tool call has the id '${id}'`,
      `${at}.tool_call_id`,
    );
  }
  const text = typeof message.content === "string"
    ? message.content
    : contentParts(message.content, at).map((part) => part.text ?? "").join("");
  return { functionResponse: { name, response: { content: jsonObjectOr(text) } } };
}

function jsonObjectOr(text: string): unknown {
  try {
    return objectAt(JSON.parse(text)) ?? text;
  } catch {
    return text;
  }
}

function functionDeclarations(tools: unknown): Json[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((value, t) => {
    const tool = objectAt(value) ?? {};
    const fn = objectAt(tool.function);
    if (tool.type !== "function" || typeof fn?.name !== "string") {
      throw new TranslationError("Gemini takes function tools only", `tools[${t}]`);
    }
    const declaration: Json = { name: fn.name };
    if (typeof fn.description === "string") declaration.description = fn.description;
    const parameters = geminiSchema(fn.parameters);
    if (parameters.properties) declaration.parameters = parameters;
    return declaration;
  });
}

/** A JSON Schema as Gemini's `Schema`: known fields only, types upper-case, nulls as `nullable`. */
function geminiSchema(value: unknown): Json {
  const source = objectAt(value) ?? {};
  const schema: Json = {};
  for (const [key, field] of Object.entries(source)) {
    const name = key === "oneOf" ? "anyOf" : key;
    if (!SCHEMA_FIELDS.has(name) || field === undefined) continue;
    if (name === "type") Object.assign(schema, schemaType(field));
    else if (name === "items") schema.items = geminiSchema(field);
    else if (name === "anyOf") Object.assign(schema, schemaVariants(field));
    else if (name === "enum" && Array.isArray(field)) schema.enum = field.map(String);
    else if (name === "properties") {
      const entries = Object.entries(objectAt(field) ?? {});
      if (entries.length > 0) {
        schema.properties = Object.fromEntries(entries.map(([k, v]) => [k, geminiSchema(v)]));
      }
    } else schema[name] = field;
  }
  const properties = objectAt(schema.properties) ?? {};
  if (Array.isArray(schema.required)) {
    schema.required = schema.required.filter((k) => Object.hasOwn(properties, k));
  }
  if (!schema.properties) delete schema.required;
  return schema;
}

function schemaType(type: unknown): Json {
  const types = (Array.isArray(type) ? type : [type]).map((t) => String(t).toUpperCase());
  const nullable = types.includes("NULL") ? { nullable: true } : {};
  const rest = types.filter((t) => t !== "NULL");
  if (rest.length <= 1) return { ...(rest.length === 1 ? { type: rest[0] } : {}), ...nullable };
  return { anyOf: rest.map((t) => ({ type: t })), ...nullable };
}

function schemaVariants(variants: unknown): Json {
  const list = (Array.isArray(variants) ? variants : []).flatMap((v): Json[] => {
    const variant = objectAt(v);
    return variant ? [variant] : [];
  });
  const isNull = (v: Json) => v.type === "null";
  const nullable = list.some(isNull) ? { nullable: true } : {};
  const rest = list.filter((v) => !isNull(v)).map(geminiSchema);
  if (rest.length === 1) return { ...rest[0], ...nullable };
  return { anyOf: rest, ...nullable };
}

function callingConfig(choice: unknown): Json {
  const mode = typeof choice === "string" ? own(TOOL_CHOICE_MODES, choice) : undefined;
  if (mode) return { mode };
  const named = objectAt(choice);
  const name = objectAt(named?.function)?.name;
  if (named?.type === "function" && typeof name === "string") {
    return { mode: "ANY", allowedFunctionNames: [name] };
  }
  throw new TranslationError(
    "Gemini takes tool_choice none, auto, required or one function",
    "tool_choice",
  );
}

/**
 * `reasoning_effort` as Gemini's thinking, as Google's OpenAI compatibility maps it
 * (ai.google.dev/gemini-api/docs/openai): Gemini 2.5 takes a budget (low 1,024, medium 8,192,
 * high 24,576 tokens; none 0, thinking off), Gemini 3 a level by name. Where Google names no
 * value squint takes the nearest: minimal is low's budget on 2.5, none is minimal on 3.
 */
const THINKING_BUDGETS: Record<string, number> = {
  none: 0,
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24576,
};
const THINKING_LEVELS: Record<string, string> = {
  none: "minimal",
  minimal: "minimal",
  low: "low",
  medium: "medium",
  high: "high",
};

function thinkingConfig(effort: unknown, model: string): Json {
  const level = own(THINKING_LEVELS, String(effort));
  if (typeof effort !== "string" || level === undefined) {
    throw new TranslationError(
      `reasoning_effort must be one of ${Object.keys(THINKING_BUDGETS).join(", ")}`,
      "reasoning_effort",
    );
  }
  return /^gemini-[3-9]/.test(model)
    ? { thinkingLevel: level }
    : { thinkingBudget: THINKING_BUDGETS[effort] };
}

function generationConfigOf(body: ChatBody): Json {
  const config: Json = {};
  for (const [openai, gemini] of GENERATION_FIELDS) {
    if (body[openai] != null) config[gemini] = body[openai];
  }
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit != null) config.maxOutputTokens = limit;
  if (typeof body.stop === "string") config.stopSequences = [body.stop];
  else if (Array.isArray(body.stop)) config.stopSequences = body.stop;
  const format = objectAt(body.response_format);
  if (format) {
    const convert = own(RESPONSE_FORMATS, String(format.type));
    if (!convert) {
      throw new TranslationError(
        `Gemini has no '${format.type}' response format`,
        "response_format",
      );
    }
    Object.assign(config, convert(format));
  }
  return config;
}

let answers = 0;

function chatCompletion(answer: Json, model: string): Json {
  const nextCallId = callIds();
  const candidates = Array.isArray(answer.candidates) ? answer.candidates.map(objectAt) : [];
  const choices: Json[] = candidates.map((candidate = {}, position) => {
    const parts = candidateParts(candidate);
    const calls = parts.filter((part) => objectAt(part.functionCall));
    const toolCalls = calls.map((part) => toolCall(part, nextCallId()));
    const texts = visibleTexts(parts);
    const message: Json = { role: "assistant", content: texts.length > 0 ? texts.join("") : null };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return {
      index: typeof candidate.index === "number" ? candidate.index : position,
      message: { ...message, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: finishReason(candidate.finishReason, toolCalls.length > 0),
    };
  });
  if (choices.length === 0 && objectAt(answer.promptFeedback)?.blockReason) {
    choices.push({
      index: 0,
      message: { role: "assistant", content: null, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: "content_filter",
    });
  }
  return {
    id: completionId(answer),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: typeof answer.modelVersion === "string" ? answer.modelVersion : model,
    choices,
    usage: usageOf(objectAt(answer.usageMetadata) ?? {}),
  };
}

function completionId(answer: Json): string {
  return `chatcmpl-gemini-${typeof answer.responseId === "string" ? answer.responseId : ++answers}`;
}

/** Tool-call ids `call_0`, `call_1`, … numbered within one answer. */
function callIds(): () => string {
  let next = 0;
  return () => `call_${next++}`;
}

function candidateParts(candidate: Json): Json[] {
  const parts = objectAt(candidate.content)?.parts;
  return Array.isArray(parts) ? parts.map((part) => objectAt(part) ?? {}) : [];
}

/** The answer's text pieces; thought summaries (`thought: true`) are not the answer. */
function visibleTexts(parts: Json[]): string[] {
  const visible = parts.filter((part) => typeof part.text === "string" && part.thought !== true);
  return visible.map((part) => part.text as string);
}

/**
 * A function call as an OpenAI tool call. Its thought signature rides along in
 * `extra_content.google.thought_signature`, where Google's own OpenAI-compatible endpoint puts it.
 */
function toolCall(part: Json, id: string): Json {
  const call = objectAt(part.functionCall) ?? {};
  const toolCall: Json = {
    id,
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  };
  if (typeof part.thoughtSignature === "string") {
    toolCall.extra_content = { google: { thought_signature: part.thoughtSignature } };
  }
  return toolCall;
}

function finishReason(reason: unknown, hasCalls: boolean): FinishReason {
  const mapped = own(FINISH_REASONS, String(reason)) ?? "stop";
  return mapped === "stop" && hasCalls ? "tool_calls" : mapped;
}

/**
 * The prompt tokens Gemini counted as audio (`promptTokensDetails`, modality AUDIO), which it
 * bills at their own input rate.
 */
export function geminiAudioTokens(metadata: Json): number {
  const details = Array.isArray(metadata.promptTokensDetails) ? metadata.promptTokensDetails : [];
  return details.filter(isObject).filter((d) => d.modality === "AUDIO")
    .reduce((sum, d) => sum + (typeof d.tokenCount === "number" ? d.tokenCount : 0), 0);
}

function usageOf(metadata: Json): Json {
  const count = (key: string) => typeof metadata[key] === "number" ? metadata[key] as number : 0;
  const usage = openAIUsage({
    prompt: count("promptTokenCount") + count("toolUsePromptTokenCount"),
    completion: count("candidatesTokenCount") + count("thoughtsTokenCount"),
    cachedRead: count("cachedContentTokenCount"),
  });
  const audio = geminiAudioTokens(metadata);
  if (audio > 0) (usage.prompt_tokens_details as Json).audio_tokens = audio;
  if (count("thoughtsTokenCount") > 0) {
    usage.completion_tokens_details = { reasoning_tokens: count("thoughtsTokenCount") };
  }
  return usage;
}

/** One streamed answer: every SSE event is a whole `GenerateContentResponse` chunk. */
class GeminiStream implements StreamTranslator {
  #head?: Json;
  #opened = new Set<number>();
  #finished = new Set<number>();
  #withCalls = new Set<number>();
  #callsPerChoice = new Map<number, number>();
  #nextCallId = callIds();
  #usage?: Json;

  constructor(readonly model: string) {}

  push(event: StreamEvent): Json[] {
    let chunk: Json | undefined;
    try {
      chunk = objectAt(JSON.parse(event.data));
    } catch {
      return [];
    }
    if (!chunk) return [];
    if (objectAt(chunk.error)) return [openAIError(0, event.data)];
    this.#head ??= {
      id: completionId(chunk),
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: typeof chunk.modelVersion === "string" ? chunk.modelVersion : this.model,
    };
    if (objectAt(chunk.usageMetadata)) this.#usage = usageOf(objectAt(chunk.usageMetadata)!);
    const candidates = Array.isArray(chunk.candidates) ? chunk.candidates.map(objectAt) : [];
    const out: Json[] = [];
    if (candidates.length === 0 && objectAt(chunk.promptFeedback)?.blockReason) {
      out.push(...this.#open(0), ...this.#finish(0, "content_filter"));
    }
    candidates.forEach((candidate = {}, position) => {
      const index = typeof candidate.index === "number" ? candidate.index : position;
      const parts = candidateParts(candidate);
      out.push(...this.#open(index));
      const text = visibleTexts(parts).join("");
      if (text !== "") out.push(this.#chunk(index, { content: text }));
      for (const part of parts.filter((part) => objectAt(part.functionCall))) {
        const k = this.#callsPerChoice.get(index) ?? 0;
        this.#callsPerChoice.set(index, k + 1);
        this.#withCalls.add(index);
        out.push(
          this.#chunk(index, { tool_calls: [{ index: k, ...toolCall(part, this.#nextCallId()) }] }),
        );
      }
      if (candidate.finishReason !== undefined) {
        out.push(
          ...this.#finish(index, finishReason(candidate.finishReason, this.#withCalls.has(index))),
        );
      }
    });
    return out;
  }

  end(): Json[] {
    if (!this.#head || !this.#usage) return [];
    return [{ ...this.#head, choices: [], usage: this.#usage }];
  }

  #open(index: number): Json[] {
    if (this.#opened.has(index)) return [];
    this.#opened.add(index);
    return [this.#chunk(index, { role: "assistant", content: "" })];
  }

  #finish(index: number, reason: FinishReason): Json[] {
    if (this.#finished.has(index)) return [];
    this.#finished.add(index);
    return [this.#chunk(index, {}, reason)];
  }

  #chunk(index: number, delta: Json, finish: FinishReason | null = null): Json {
    return { ...this.#head, choices: [{ index, delta, logprobs: null, finish_reason: finish }] };
  }
}

/** Google's `{error: {code, message, status}}` (alone or first of an array) as OpenAI's error. */
function openAIError(status: number, body: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const error = objectAt(objectAt(Array.isArray(parsed) ? parsed[0] : parsed)?.error);
  const name = typeof error?.status === "string" ? error.status : STATUS_BY_HTTP[status];
  const message = typeof error?.message === "string"
    ? error.message
    : body.trim() || `Gemini answered HTTP ${status}`;
  return {
    error: {
      message,
      type: (name && own(ERROR_TYPES, name)) ?? "api_error",
      param: null,
      code: name ?? null,
    },
  };
}

function objectAt(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}
