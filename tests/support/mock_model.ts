/**
 * The mock's "model": what it answers and how many tokens it bills, as pure functions of the
 * request, so a test can compute the exact text and usage a gateway must relay.
 *
 * - prompt tokens: `ceil(C / 4) + Σ imageTokens(part, model)`, where C is the number of UTF-16
 *   code units of message text (string `content` and `text` parts of every message) and the sum
 *   runs over every `image_url` part; nothing else (roles, names, tools) counts.
 * - answer: `Echo: ` and the first 60 characters of the last user message's text, then
 *   ` [images: N]` when the request holds N > 0 image parts.
 * - completion tokens: one per streamed piece; text splits into words with their leading
 *   whitespace (`"Echo:"`, `" hello"`), tool-call arguments into 5-character fragments.
 *
 * @module
 */

/** An image content part of a chat message. */
export interface ChatImagePart {
  type: "image_url";
  image_url: { url: string; detail?: string };
}

/** Prices one image part in prompt tokens; the model is the request's. */
export type ImageTokens = (part: ChatImagePart, model: string) => number;

/** The fields of a chat completion request the mock reads. */
export interface ChatRequestBody {
  model: string;
  messages: { role: string; content?: unknown }[];
  n?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean } | null;
  tools?: { type: string; function?: { name: string; parameters?: JsonSchema } }[];
  tool_choice?: string | { type: string; function?: { name: string } };
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  service_tier?: unknown;
}

/** The part of JSON Schema the mock reads to invent tool-call arguments. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
}

const SNIPPET_LENGTH = 60;
const FRAGMENT_LENGTH = 5;

/** Prices nothing: the default {@linkcode ImageTokens}. */
export const noImageTokens: ImageTokens = () => 0;

function contentParts(content: unknown): { type?: string; text?: unknown }[] {
  return Array.isArray(content) ? content : [];
}

/** The text of one message's `content`: the string itself, or its `text` parts joined by spaces. */
export function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  return contentParts(content)
    .filter((part) => part.type === "text" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join(" ");
}

/** The prompt tokens the mock bills for a chat request (see the module doc for the formula). */
export function countPromptTokens(
  request: ChatRequestBody,
  imageTokens: ImageTokens = noImageTokens,
): number {
  let characters = 0;
  let images = 0;
  for (const message of request.messages) {
    if (typeof message.content === "string") {
      characters += message.content.length;
      continue;
    }
    for (const part of contentParts(message.content)) {
      if (part.type === "text" && typeof part.text === "string") characters += part.text.length;
      if (part.type === "image_url") images += imageTokens(part as ChatImagePart, request.model);
    }
  }
  return Math.ceil(characters / 4) + images;
}

/** How many `image_url` parts the request holds, over all messages. */
export function countImages(request: ChatRequestBody): number {
  let images = 0;
  for (const message of request.messages) {
    for (const part of contentParts(message.content)) if (part.type === "image_url") images++;
  }
  return images;
}

/** The text the mock answers a chat request with (see the module doc). */
export function answerText(request: ChatRequestBody): string {
  const lastUser = request.messages.findLast((message) => message.role === "user");
  const snippet = messageText(lastUser?.content).slice(0, SNIPPET_LENGTH);
  const images = countImages(request);
  return `Echo: ${snippet}` + (images > 0 ? ` [images: ${images}]` : "");
}

/** Splits text into the pieces it streams as, one completion token each; joining them is lossless. */
export function textPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Piece `i` of a `mock-chunks-N` or `mock-slow` answer: `tok0`, ` tok1`, ` tok2`, … */
export function numberedPiece(i: number): string {
  return i === 0 ? "tok0" : ` tok${i}`;
}

/** The most completion tokens the request allows, or `Infinity`. */
export function completionLimit(request: ChatRequestBody): number {
  return request.max_completion_tokens ?? request.max_tokens ?? Infinity;
}

/** A function call the mock decides to make. */
export interface PlannedToolCall {
  name: string;
  arguments: string;
}

/**
 * The call the mock makes when the request forces one: `tool_choice` `"required"` (the first
 * tool) or `{type: "function", function: {name}}` (that tool). Otherwise the mock answers text.
 */
export function forcedToolCall(request: ChatRequestBody): PlannedToolCall | null {
  const functions = (request.tools ?? []).filter((tool) => tool.function);
  if (functions.length === 0) return null;
  const choice = request.tool_choice;
  let name: string | undefined;
  if (choice === "required") name = functions[0].function!.name;
  else if (typeof choice === "object" && choice.type === "function") name = choice.function?.name;
  if (name === undefined) return null;
  const schema = functions.find((tool) => tool.function!.name === name)?.function?.parameters;
  return { name, arguments: JSON.stringify(sampleValue(schema ?? { type: "object" })) };
}

/** A value that fits the schema: first enum value, `"mock"`, `1`, `true`, `[]`, or an object. */
function sampleValue(schema: JsonSchema): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "string") return "mock";
  if (type === "integer" || type === "number") return 1;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "object" || schema.properties) {
    const value: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      value[key] = sampleValue(property);
    }
    return value;
  }
  return null;
}

/** Splits tool-call arguments into the fragments they stream as. */
export function argumentFragments(args: string): string[] {
  const fragments: string[] = [];
  for (let i = 0; i < args.length; i += FRAGMENT_LENGTH) {
    fragments.push(args.slice(i, i + FRAGMENT_LENGTH));
  }
  return fragments;
}

/** Tokens of one embeddings or legacy-completions input: `ceil(chars / 4)`, or a token array's length. */
export function inputTokens(input: unknown): number {
  if (typeof input === "string") return Math.ceil(input.length / 4);
  if (Array.isArray(input)) return input.length;
  return 0;
}

/**
 * A deterministic unit-length embedding of `text`: an FNV-1a hash seeds xorshift32, and every
 * component is rounded to float32 so float and base64 encodings carry the same numbers.
 */
export function embeddingVector(text: string, dimensions: number): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
  const raw: number[] = [];
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const value = (seed >>> 0) / 0x80000000 - 1;
    raw.push(value);
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return raw.map((value) => Math.fround(value * scale));
}
