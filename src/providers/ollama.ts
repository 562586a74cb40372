/**
 * The Ollama upstream: OpenAI chat bodies as requests to Ollama's native `POST /api/chat`, and
 * its answers (one JSON object, or NDJSON lines when streamed) back in OpenAI's shape.
 *
 * Thinking: `reasoning_effort` becomes `think`, and the answer's `thinking` comes back as the
 * message's `reasoning` (a delta's, streamed), as Ollama's own OpenAI layer does.
 *
 * Wire format from ollama/ollama: `api/types.go` (ChatRequest, Message, ToolCall, ChatResponse,
 * Metrics), `docs/api.md` ("Generate a chat completion"), `docs/api/errors.mdx` (errors, also
 * mid-stream) and `docs/api/usage.mdx` (counts on the `done` line only). Where Ollama's own
 * OpenAI layer (`openai/openai.go`: FromChatRequest, ToChatCompletion, NewError) already maps a
 * field, this module maps it the same way.
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

/** An OpenAI content part, as far as this module reads it. */
interface OpenAIPart {
  type?: string;
  text?: unknown;
  refusal?: unknown;
  image_url?: string | { url?: unknown };
}

/** An OpenAI tool call in an assistant message. */
interface OpenAIToolCall {
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** An OpenAI chat message, as far as this module reads it. */
interface OpenAIMessage {
  role?: string;
  content?: unknown;
  /** An assistant turn's thinking, as Ollama's own OpenAI layer answers it. */
  reasoning?: unknown;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
}

/** A tool call in an Ollama message: arguments are an object, not a JSON string. */
interface OllamaToolCall {
  id?: string;
  function?: { index?: number; name?: string; arguments?: unknown };
}

/** An Ollama chat answer, or one line of a streamed one (`error` only on failure). */
interface OllamaAnswer {
  model?: string;
  created_at?: string;
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: unknown;
}

/** OpenAI roles and the Ollama role each becomes. */
const ROLES: Record<string, string> = {
  system: "system",
  developer: "system",
  user: "user",
  assistant: "assistant",
  tool: "tool",
};

/** Content parts that carry text, and where their text is. */
const PART_TEXT: Record<string, (part: OpenAIPart) => unknown> = {
  text: (part) => part.text,
  refusal: (part) => part.refusal,
};

/** Ollama's sampling `options` and where each one's value is in an OpenAI body. */
const OPTIONS: [string, (body: ChatBody) => unknown][] = [
  ["temperature", (body) => body.temperature],
  ["top_p", (body) => body.top_p],
  ["num_predict", (body) => body.max_completion_tokens ?? body.max_tokens],
  ["stop", (body) => typeof body.stop === "string" ? [body.stop] : body.stop],
  ["seed", (body) => body.seed],
  ["frequency_penalty", (body) => body.frequency_penalty],
  ["presence_penalty", (body) => body.presence_penalty],
];

/** OpenAI `response_format` types and the Ollama `format` each becomes (undefined: none). */
const FORMATS: Record<string, (format: Json) => unknown> = {
  text: () => undefined,
  json_object: () => "json",
  json_schema: (format) => (format.json_schema as Json | undefined)?.schema,
};

/**
 * `reasoning_effort` (or `reasoning.effort`) as Ollama's `think`, as Ollama's own OpenAI layer
 * maps it (`openai/openai.go` FromChatRequest): a level, or `none` for no thinking.
 */
const THINK: Record<string, string | boolean> = {
  high: "high",
  medium: "medium",
  low: "low",
  none: false,
};

/** Ollama's `done_reason` values OpenAI has a finish reason for; any other (`load`…) is `stop`. */
const FINISH_REASONS: Record<string, FinishReason> = { stop: "stop", length: "length" };

/** OpenAI error types by status; any other is `invalid_request_error` below 500, else `api_error`. */
const ERROR_TYPES: Record<number, string> = {
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
};

/** Ollama error messages OpenAI words its own way: the message, then OpenAI's type and code. */
const KNOWN_ERRORS: [RegExp, string, string][] = [
  // OpenAI answers an unknown model with 404 invalid_request_error / model_not_found.
  [/^model ['"].+['"] not found/, "invalid_request_error", "model_not_found"],
];

let completions = 0;
let toolCalls = 0;

/** Text and image payloads of one message's `content`: text parts joined by newlines. */
function contentOf(content: unknown, at: string): { text: string; images: string[] } {
  if (content === undefined || content === null) return { text: "", images: [] };
  if (typeof content === "string") return { text: content, images: [] };
  if (!Array.isArray(content)) {
    throw new TranslationError("content must be a string or an array of parts", at);
  }
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part: OpenAIPart, j) => {
    const where = `${at}[${j}]`;
    const text = own(PART_TEXT, String(part?.type))?.(part);
    if (typeof text === "string") return texts.push(text);
    if (part?.type === "image_url") return images.push(imagePayload(part.image_url, where));
    throw new TranslationError(`Ollama takes text and image parts, not '${part?.type}'`, where);
  });
  return { text: texts.join("\n"), images };
}

/** The base64 payload of an inline image (`data:…;base64,` stripped). */
function imagePayload(image: OpenAIPart["image_url"], at: string): string {
  const url = typeof image === "string" ? image : image?.url;
  if (typeof url !== "string") throw new TranslationError("image_url has no url", at);
  const inline = base64DataUrl(url);
  if (inline) return inline.data;
  if (/^https?:/i.test(url)) {
    throw new TranslationError(
      "Ollama takes images only as inline bytes (base64 data: URLs), not as http(s) URLs",
      at,
    );
  }
  throw new TranslationError("image URL is not a base64 data: URL", at);
}

/** An OpenAI tool call as Ollama's: the arguments string parsed into an object. */
function ollamaToolCall(call: OpenAIToolCall, at: string): Json {
  const args = toolArguments(call.function?.arguments, `${at}.function.arguments`);
  return { function: { name: call.function?.name, arguments: args } };
}

/** The messages in Ollama's shape; a tool result is named after the call it answers. */
function ollamaMessages(messages: unknown): Json[] {
  if (!Array.isArray(messages)) throw new TranslationError("messages must be an array", "messages");
  const callNames = new Map<string, string>();
  return messages.map((message: OpenAIMessage, i) => {
    const at = `messages[${i}]`;
    const role = own(ROLES, String(message?.role));
    if (!role) throw new TranslationError(`Ollama has no '${message?.role}' role`, `${at}.role`);
    const { text, images } = contentOf(message.content, `${at}.content`);
    const out: Json = { role, content: text };
    if (images.length > 0) out.images = images;
    if (role === "assistant" && typeof message.reasoning === "string" && message.reasoning) {
      out.thinking = message.reasoning;
    }
    if (role === "assistant" && message.tool_calls?.length) {
      out.tool_calls = message.tool_calls.map((call, j) => {
        if (call.id && call.function?.name) callNames.set(call.id, call.function.name);
        return ollamaToolCall(call, `${at}.tool_calls[${j}]`);
      });
    }
    if (role === "tool") {
      const name = message.name ?? callNames.get(message.tool_call_id ?? "");
      if (name) out.tool_name = name;
    }
    return out;
  });
}

/**
 * The tools to offer. Ollama has no `tool_choice`: `none` offers none, a named function offers
 * only that one, and `required` cannot be enforced (all tools are offered).
 */
function ollamaTools(body: ChatBody): Json[] | undefined {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0 || body.tool_choice === "none") return undefined;
  tools.forEach((tool: Json, i) => {
    if (tool?.type !== "function") {
      throw new TranslationError(
        `Ollama takes function tools only, not '${tool?.type}'`,
        `tools[${i}]`,
      );
    }
  });
  const named = isObject(body.tool_choice) ? (body.tool_choice.function as Json)?.name : undefined;
  if (named === undefined) return tools;
  const chosen = tools.filter((tool: Json) => (tool.function as Json)?.name === named);
  if (chosen.length === 0) {
    throw new TranslationError(
      `tool_choice names '${named}', which is not in tools`,
      "tool_choice",
    );
  }
  return chosen;
}

/** Ollama's `format` for an OpenAI `response_format` (undefined: free text). */
function ollamaFormat(responseFormat: unknown): unknown {
  if (responseFormat === undefined || responseFormat === null) return undefined;
  const type = isObject(responseFormat) ? String(responseFormat.type) : "";
  const format = own(FORMATS, type);
  if (!format) {
    throw new TranslationError(`Ollama has no response_format '${type}'`, "response_format.type");
  }
  const value = format(responseFormat as Json);
  if (type === "json_schema" && !isObject(value)) {
    throw new TranslationError("json_schema needs a schema", "response_format.json_schema.schema");
  }
  return value;
}

/** Ollama's `think` for the body's reasoning effort (undefined: the model's default). */
function ollamaThink(body: ChatBody): string | boolean | undefined {
  const reasoning = body.reasoning;
  const nested = isObject(reasoning) ? reasoning.effort : undefined;
  const [effort, at] = nested != null
    ? [nested, "reasoning.effort"]
    : [body.reasoning_effort, "reasoning_effort"];
  if (effort == null) return undefined;
  const think = own(THINK, String(effort));
  if (think === undefined) {
    throw new TranslationError(
      `Ollama takes reasoning effort ${Object.keys(THINK).join(", ")}, not '${effort}'`,
      at,
    );
  }
  return think;
}

/** Ollama's `options` from the sampling fields the body sets. */
function ollamaOptions(body: ChatBody): Json {
  const options: Json = {};
  for (const [name, read] of OPTIONS) {
    const value = read(body);
    if (value !== undefined && value !== null) options[name] = value;
  }
  return options;
}

/** Unix seconds of Ollama's `created_at` (RFC 3339 with nanoseconds); now if it has none. */
function createdOf(createdAt: unknown): number {
  const ms = typeof createdAt === "string" ? Date.parse(createdAt) : NaN;
  return Math.floor((Number.isNaN(ms) ? Date.now() : ms) / 1000);
}

/** Ollama's tool calls in OpenAI's shape, each with a new id and its arguments as JSON text. */
function openAIToolCalls(calls: OllamaToolCall[] | undefined): Json[] {
  return (calls ?? []).map((call) => ({
    id: `call_${++toolCalls}`,
    type: "function",
    function: {
      name: call.function?.name ?? "",
      // An object on Ollama's wire; text already if a proxy in between stringified it.
      arguments: typeof call.function?.arguments === "string"
        ? call.function.arguments
        : JSON.stringify(call.function?.arguments ?? {}),
    },
  }));
}

/** OpenAI's finish reason: `tool_calls` whenever a tool was called (as Ollama's layer says). */
function finishReason(doneReason: unknown, calledTools: boolean): FinishReason {
  if (calledTools) return "tool_calls";
  return own(FINISH_REASONS, String(doneReason)) ?? "stop";
}

/** OpenAI usage from a final answer's counts (Ollama omits a count that is zero). */
function usageOf(answer: OllamaAnswer): Json {
  return openAIUsage({ prompt: answer.prompt_eval_count ?? 0, completion: answer.eval_count ?? 0 });
}

/** An error in a stream, in OpenAI's error shape. */
function streamError(message: string): Json {
  return { error: { message, type: "api_error", param: null, code: null } };
}

/** Translates one NDJSON stream of `/api/chat` into `chat.completion.chunk` objects. */
class OllamaStream implements StreamTranslator {
  readonly #id = `chatcmpl-ollama-${++completions}`;
  #created = 0;
  #started = false;
  #calls = 0;
  #over = false;

  constructor(readonly model: string) {}

  push(event: StreamEvent): Json[] {
    if (this.#over) return [];
    let line: OllamaAnswer;
    try {
      line = JSON.parse(event.data);
    } catch {
      this.#over = true;
      return [
        streamError(`Ollama sent a stream line that is not JSON: ${event.data.slice(0, 200)}`),
      ];
    }
    if (line.error !== undefined) {
      this.#over = true;
      return [streamError(String(line.error))];
    }
    const out: Json[] = [];
    if (!this.#started) {
      this.#started = true;
      this.#created = createdOf(line.created_at);
      out.push(this.#chunk({ role: "assistant", content: "", refusal: null }));
    }
    const thinking = line.message?.thinking;
    if (thinking) out.push(this.#chunk({ reasoning: thinking }));
    const content = line.message?.content;
    if (content) out.push(this.#chunk({ content }));
    const calls = openAIToolCalls(line.message?.tool_calls);
    if (calls.length > 0) {
      out.push(
        this.#chunk({ tool_calls: calls.map((call) => ({ index: this.#calls++, ...call })) }),
      );
    }
    if (line.done) {
      this.#over = true;
      out.push(this.#chunk({}, finishReason(line.done_reason, this.#calls > 0)));
      out.push({ ...this.#head(), choices: [], usage: usageOf(line) });
    }
    return out;
  }

  end(): Json[] {
    if (this.#over) return [];
    this.#over = true;
    return [streamError("Ollama's stream ended before its final line (done: true)")];
  }

  #head(): Json {
    return {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.model,
    };
  }

  #chunk(delta: Json, finish: FinishReason | null = null): Json {
    return {
      ...this.#head(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
  }
}

/** The translation between OpenAI's chat format and Ollama's native `/api/chat`. */
export const ollamaChat: ChatTranslator = {
  takesImageUrls: false,

  request(body: ChatBody, model: string, stream: boolean): UpstreamRequest {
    if (typeof body.n === "number" && body.n > 1) {
      throw new TranslationError("Ollama gives one choice per request; n must be 1", "n");
    }
    const out: Json = { model, messages: ollamaMessages(body.messages) };
    const tools = ollamaTools(body);
    if (tools) out.tools = tools;
    const format = ollamaFormat(body.response_format);
    if (format !== undefined) out.format = format;
    const options = ollamaOptions(body);
    if (Object.keys(options).length > 0) out.options = options;
    const think = ollamaThink(body);
    if (think !== undefined) out.think = think;
    // Ollama streams unless told not to, so `stream` is always said.
    out.stream = stream;
    return { path: "/api/chat", headers: [], body: out };
  },

  response(answer: Json, model: string): Json {
    const { message, done_reason, created_at } = answer as OllamaAnswer;
    const calls = openAIToolCalls(message?.tool_calls);
    const text = message?.content ?? "";
    const reply: Json = {
      role: "assistant",
      content: calls.length > 0 && text === "" ? null : text,
      refusal: null,
    };
    // The model's thinking, where Ollama's OpenAI layer puts it.
    if (message?.thinking) reply.reasoning = message.thinking;
    if (calls.length > 0) reply.tool_calls = calls;
    return {
      id: `chatcmpl-ollama-${++completions}`,
      object: "chat.completion",
      created: createdOf(created_at),
      model,
      choices: [{
        index: 0,
        message: reply,
        logprobs: null,
        finish_reason: finishReason(done_reason, calls.length > 0),
      }],
      usage: usageOf(answer as OllamaAnswer),
    };
  },

  stream(model: string): StreamTranslator {
    return new OllamaStream(model);
  },

  error(status: number, body: string): Json {
    let message = body.trim().slice(0, 500) || `Ollama answered HTTP ${status}`;
    try {
      const parsed = JSON.parse(body);
      if (typeof parsed?.error === "string") message = parsed.error;
    } catch {
      // Not JSON (a proxy's page, Gin's "404 page not found"): the text is the message.
    }
    const known = KNOWN_ERRORS.find(([pattern]) => pattern.test(message));
    const type = known?.[1] ?? ERROR_TYPES[status] ??
      (status < 500 ? "invalid_request_error" : "api_error");
    return { error: { message, type, param: null, code: known?.[2] ?? null } };
  },
};
