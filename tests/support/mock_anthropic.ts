/**
 * A mock Anthropic upstream on loopback that speaks the Messages API's real wire format, for
 * squint's tests of its Anthropic route (the twin of `mock_openai.ts`).
 *
 * Routes: `POST /v1/messages` (JSON, or with `stream: true` the named SSE events `message_start`,
 * `content_block_start`, `ping`, `content_block_delta`…, `content_block_stop`, `message_delta`,
 * `message_stop`) and `POST /v1/messages/count_tokens`; anything else is Anthropic's 404. Errors
 * have Anthropic's shape `{"type":"error","error":{"type","message"},"request_id"}`.
 *
 * Refused first, in the API's words: no credential (`x-api-key` or `authorization`: 401), no
 * `anthropic-version` header (400), a body that is not JSON or lacks `model`, `messages` or (for
 * messages) `max_tokens` (400), an empty text block (400), and on version `2026-10-21` any
 * `temperature`, `top_p` or `top_k` (400: that version removed them; the SDK sends it).
 *
 * The model, as pure rules a test can compute:
 * - input tokens: `ceil(C / 4) + Σ imageTokens(block)`, C the UTF-16 length of all text (system,
 *   text blocks, string contents, tool results, search results, documents of text or their own
 *   content); PDFs, tools and tool_use inputs count nothing.
 * - prompt caching: everything up to the last block with `cache_control` (or all of it with a
 *   top-level `cache_control`) is the cached prefix, counted the same way; the first time a
 *   prefix is seen it is billed as `cache_creation_input_tokens`, afterwards as
 *   `cache_read_input_tokens`; `input_tokens` is the rest (no minimum length, unlike the API).
 * - answer: `Echo: ` and the first 60 characters of the last user turn's text (tool results
 *   included), then ` [images: N]`; cut at the first stop sequence (`stop_sequence`), then at
 *   `max_tokens` pieces (`max_tokens`). One output token per piece, as in `mock_model.ts`.
 * - `tool_choice` `{type: "tool"}` or `{type: "any"}` (the first tool) answers with one tool_use
 *   block whose input fits the schema, streamed as 5-character `input_json_delta` fragments.
 *
 * Scripted models are those of `mock_scripts.ts` (`mock-error-NNN` with Anthropic's error bodies,
 * `mock-reset`, `mock-slow`, `mock-hang`, `mock-chunks-N`, `mock-fail-N-NNN`), plus `mock-stream-error`: a stream
 * that starts, then sends an `error` event (`overloaded_error`), as the API does when it fails
 * after answering 200; not streamed, it is a 529.
 *
 * @module
 */

import { EventCounter } from "./event_count.ts";
import { numberedPieces } from "./mock_chat.ts";
import type { AbortRecord, RecordedRequest } from "./mock_openai.ts";
import { argumentFragments, forcedToolCall, type JsonSchema, textPieces } from "./mock_model.ts";
import { type Script, scriptFor } from "./mock_scripts.ts";
import { pause } from "./pause.ts";
import type { MockUpstream } from "./mock_upstream.ts";
import {
  abortMarker,
  pacedBody,
  readMockBody,
  serveMock,
  waitForDisconnect,
} from "./mock_server.ts";

/** Prices one image block in input tokens; the model is the request's. */
export type AnthropicImageTokens = (block: Record<string, unknown>, model: string) => number;

/** The default image price: the most a standard-tier image costs (1568 tokens). */
export const STANDARD_IMAGE_TOKENS = 1568;

/** Options of {@linkcode startMockAnthropic}. */
export interface MockAnthropicOptions {
  /** Wait this long before every answer, errors included. Default 0. */
  delayMs?: number;
  /** Every answer waits for this first. */
  gate?: Promise<unknown>;
  /** Keep every request in `requests`. Default true. */
  record?: boolean;
  /** Input tokens of one image block; default {@linkcode STANDARD_IMAGE_TOKENS}. */
  imageTokens?: AnthropicImageTokens;
  /** Pause between the deltas of `mock-slow`. Default 25 ms. */
  slowChunkMs?: number;
  /** Deltas `mock-slow` sends before it finishes normally. Default 2400. */
  slowMaxChunks?: number;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
}

/** One request as the mock received it, with its body's exact text. */
export interface RecordedAnthropicRequest extends RecordedRequest {
  /** The body as sent, decoded as UTF-8 (compare it to assert a byte-identical relay). */
  raw: string;
}

/** A running mock Anthropic upstream. */
export interface MockAnthropic extends MockUpstream<RecordedAnthropicRequest> {
  /** `http://127.0.0.1:PORT`, the form the Anthropic SDK's `baseURL` takes. */
  readonly baseUrl: string;
  /** Which requests were aborted, in order. */
  readonly abortedRequests: readonly AbortRecord[];
}

type Json = Record<string, unknown>;

const SNIPPET_LENGTH = 60;
const RESET_AFTER_EVENTS = 5;
const ORGANIZATION_ID = "00000000-0000-4000-8000-00000000a11c";

/** Anthropic's error body. */
export function anthropicError(type: string, message: string, requestId: string): Json {
  return { type: "error", error: { type, message }, request_id: requestId };
}

/** Deterministic ids in Anthropic's prefixes and lengths (`msg_01…`, 24 characters after `_`). */
class AnthropicIds {
  #next = 0;
  message = () => this.#id("msg_");
  toolUse = () => this.#id("toolu_");
  request = () => this.#id("req_");
  #id(prefix: string): string {
    return prefix + "01mock" + (this.#next++).toString(36).padStart(18, "0");
  }
}

/** What one request weighs: all of it, and its cached prefix with a key to recognise it. */
export interface InputCount {
  total: number;
  prefix: number;
  prefixKey: string | null;
  prefixTtl: string;
}

/** The request's countable units in cache order: tools, system, then every message's content. */
function units(body: Json): unknown[] {
  const out: unknown[] = [...asArray(body.tools)];
  if (typeof body.system === "string") out.push(body.system);
  out.push(...asArray(body.system));
  for (const message of asArray(body.messages)) {
    const content = isObject(message) ? message.content : undefined;
    if (typeof content === "string") out.push(content);
    out.push(...asArray(content));
  }
  return out;
}

/** Characters and image tokens of one unit (what a tool result, search result or document holds included). */
function weigh(
  unit: unknown,
  model: string,
  imageTokens: AnthropicImageTokens,
): { characters: number; images: number } {
  if (typeof unit === "string") return { characters: unit.length, images: 0 };
  if (!isObject(unit)) return { characters: 0, images: 0 };
  if (unit.type === "text") return { characters: String(unit.text).length, images: 0 };
  if (unit.type === "image") return { characters: 0, images: imageTokens(unit, model) };
  const source = isObject(unit.source) ? unit.source : {};
  const held = unit.type === "tool_result" || unit.type === "search_result"
    ? unit.content
    : unit.type === "document" && source.type === "content"
    ? source.content
    : unit.type === "document" && source.type === "text"
    ? source.data
    : undefined;
  if (held === undefined) return { characters: 0, images: 0 };
  const inner = typeof held === "string" ? [held] : asArray(held);
  return inner.map((part) => weigh(part, model, imageTokens)).reduce(
    (sum, part) => ({
      characters: sum.characters + part.characters,
      images: sum.images + part.images,
    }),
    { characters: 0, images: 0 },
  );
}

/** Counts the input tokens of a Messages body (see the module doc for the rule). */
export function countInput(body: Json, imageTokens: AnthropicImageTokens): InputCount {
  const model = String(body.model);
  const all = units(body);
  let characters = 0;
  let images = 0;
  let prefix: { tokens: number; end: number; ttl: unknown } | null = null;
  for (const [i, unit] of all.entries()) {
    const weight = weigh(unit, model, imageTokens);
    characters += weight.characters;
    images += weight.images;
    const control = isObject(unit) ? unit.cache_control : undefined;
    if (isObject(control)) {
      prefix = { tokens: Math.ceil(characters / 4) + images, end: i + 1, ttl: control.ttl };
    }
  }
  const total = Math.ceil(characters / 4) + images;
  if (isObject(body.cache_control)) {
    prefix = { tokens: total, end: all.length, ttl: body.cache_control.ttl };
  }
  if (!prefix) return { total, prefix: 0, prefixKey: null, prefixTtl: "5m" };
  return {
    total,
    prefix: prefix.tokens,
    prefixKey: `${model}\n${JSON.stringify(all.slice(0, prefix.end))}`,
    prefixTtl: prefix.ttl === "1h" ? "1h" : "5m",
  };
}

/** The text of a turn's content: the string, or its text blocks and tool results, spaced. */
function turnText(content: unknown): string {
  if (typeof content === "string") return content;
  const texts: string[] = [];
  for (const block of asArray(content)) {
    if (!isObject(block)) continue;
    if (block.type === "text") texts.push(String(block.text));
    if (block.type === "tool_result") texts.push(turnText(block.content));
  }
  return texts.join(" ");
}

function countImages(messages: unknown[]): number {
  let images = 0;
  const visit = (content: unknown) => {
    for (const block of asArray(content)) {
      if (!isObject(block)) continue;
      if (block.type === "image") images++;
      if (block.type === "tool_result") visit(block.content);
      if (block.type === "document" && isObject(block.source)) visit(block.source.content);
    }
  };
  for (const message of messages) if (isObject(message)) visit(message.content);
  return images;
}

/** The text the mock answers a Messages request with (see the module doc). */
export function anthropicAnswerText(body: Json): string {
  const messages = asArray(body.messages);
  const lastUser = messages.findLast((m) => isObject(m) && m.role === "user") as Json | undefined;
  const images = countImages(messages);
  return `Echo: ${turnText(lastUser?.content).slice(0, SNIPPET_LENGTH)}` +
    (images > 0 ? ` [images: ${images}]` : "");
}

/** The tool call `tool_choice` forces, via the OpenAI mock's rule over the same schema. */
function forcedToolUse(body: Json): { name: string; input: string } | null {
  const choice = isObject(body.tool_choice) ? body.tool_choice : {};
  if (choice.type !== "tool" && choice.type !== "any") return null;
  const call = forcedToolCall({
    model: String(body.model),
    messages: [],
    tools: asArray(body.tools).filter(isObject).map((tool) => ({
      type: "function",
      function: { name: String(tool.name), parameters: tool.input_schema as JsonSchema },
    })),
    tool_choice: choice.type === "any"
      ? "required"
      : { type: "function", function: { name: String(choice.name) } },
  });
  return call && { name: call.name, input: call.arguments };
}

/** The input side of an answer's usage. */
interface InputUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The TTL of the cache write, for the `cache_creation` split. */
  ttl: string;
}

/** What the mock will answer one request with. */
interface Plan {
  id: string;
  model: string;
  input: InputUsage;
  output:
    | { kind: "text"; pieces: Iterable<string>; limit: number; stopSequence: string | null }
    | { kind: "tool"; id: string; name: string; input: string };
  /** `mock-stream-error`: the stream sends an `error` event after this many deltas. */
  failAfter?: number;
}

/** Cuts text at the first stop sequence it holds. */
function cutAtStop(text: string, stops: string[]): { text: string; stop: string | null } {
  let at = -1;
  let stop: string | null = null;
  for (const candidate of stops) {
    const found = candidate === "" ? -1 : text.indexOf(candidate);
    if (found >= 0 && (at < 0 || found < at)) [at, stop] = [found, candidate];
  }
  return stop === null ? { text, stop } : { text: text.slice(0, at), stop };
}

/** A message's `usage` as the API sends it in a message or `message_start`. */
function messageUsage(input: InputUsage, outputTokens: number): Json {
  const written = input.cache_creation_input_tokens;
  return {
    input_tokens: input.input_tokens,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: input.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: input.ttl === "1h" ? 0 : written,
      ephemeral_1h_input_tokens: input.ttl === "1h" ? written : 0,
    },
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

/** The `stop_reason` and `stop_sequence` of a text answer, cut short by `max_tokens` or not. */
function textStop(output: Extract<Plan["output"], { kind: "text" }>, truncated: boolean) {
  if (truncated) return { stop_reason: "max_tokens", stop_sequence: null };
  if (output.stopSequence !== null) {
    return { stop_reason: "stop_sequence", stop_sequence: output.stopSequence };
  }
  return { stop_reason: "end_turn", stop_sequence: null };
}

/** The non-streamed `message` for a plan. */
function messageBody(plan: Plan): Json {
  const { output } = plan;
  let content: Json[];
  let stop: Json;
  let tokens: number;
  if (output.kind === "tool") {
    const input = JSON.parse(output.input);
    content = [{ type: "tool_use", id: output.id, name: output.name, input }];
    stop = { stop_reason: "tool_use", stop_sequence: null };
    tokens = argumentFragments(output.input).length;
  } else {
    const pieces: string[] = [];
    let truncated = false;
    for (const piece of output.pieces) {
      if (pieces.length >= output.limit) {
        truncated = true;
        break;
      }
      pieces.push(piece);
    }
    content = [{ type: "text", text: pieces.join("") }];
    stop = textStop(output, truncated);
    tokens = pieces.length;
  }
  return {
    id: plan.id,
    type: "message",
    role: "assistant",
    model: plan.model,
    content,
    ...stop,
    usage: messageUsage(plan.input, tokens),
  };
}

/** The SSE framing Anthropic uses: a named event, and its JSON data carrying the same type. */
function sse(type: string, data: Json = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const OVERLOADED = { type: "overloaded_error", message: "Overloaded" };

/** The SSE events of a streamed plan, lazily (`mock-slow` has thousands). */
function* messageEvents(plan: Plan): Generator<string> {
  const { output } = plan;
  yield sse("message_start", {
    message: {
      id: plan.id,
      type: "message",
      role: "assistant",
      model: plan.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: messageUsage(plan.input, 1),
    },
  });
  let tokens = 0;
  let stop: Json;
  if (output.kind === "tool") {
    const block = { type: "tool_use", id: output.id, name: output.name, input: {} };
    yield sse("content_block_start", { index: 0, content_block: block });
    yield sse("ping");
    const json = (partial_json: string) =>
      sse("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json } });
    yield json("");
    for (const fragment of argumentFragments(output.input)) {
      tokens++;
      yield json(fragment);
    }
    stop = { stop_reason: "tool_use", stop_sequence: null };
  } else {
    yield sse("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    yield sse("ping");
    let truncated = false;
    for (const piece of output.pieces) {
      if (tokens === plan.failAfter) {
        yield sse("error", { error: OVERLOADED });
        return;
      }
      if (tokens >= output.limit) {
        truncated = true;
        break;
      }
      tokens++;
      yield sse("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } });
    }
    stop = textStop(output, truncated);
  }
  yield sse("content_block_stop", { index: 0 });
  const { ttl: _, ...input } = plan.input;
  yield sse("message_delta", { delta: stop, usage: { ...input, output_tokens: tokens } });
  yield sse("message_stop");
}

/** Real Anthropic failures by status (types from the errors page, messages as the API words them). */
const ERRORS_BY_STATUS: Record<
  number,
  { type: string; message: (model: string) => string; headers?: () => Record<string, string> }
> = {
  400: {
    type: "invalid_request_error",
    message: () => "prompt is too long: 210000 tokens > 200000 maximum",
  },
  401: { type: "authentication_error", message: () => "invalid x-api-key" },
  403: {
    type: "permission_error",
    message: () => "Your API key does not have permission to use the specified resource.",
  },
  404: { type: "not_found_error", message: (model) => `model: ${model}` },
  413: {
    type: "request_too_large",
    message: () => "Request exceeds the maximum allowed number of bytes.",
  },
  429: {
    type: "rate_limit_error",
    message: () =>
      "This request would exceed the rate limit for your organization of 50 requests per " +
      "minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.",
    headers: () => ({
      "retry-after": "1",
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": new Date(Date.now() + 1000).toISOString(),
    }),
  },
  500: { type: "api_error", message: () => "Internal server error" },
  529: { type: "overloaded_error", message: () => OVERLOADED.message },
};

/** An Anthropic failure: status, body fields and extra headers. */
interface Failure {
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}

/** The failure `mock-error-NNN` answers with (a generic one for statuses not in the table). */
function scriptedFailure(status: number, model: string): Failure {
  const known = ERRORS_BY_STATUS[status];
  if (!known) {
    const type = status < 500 ? "invalid_request_error" : "api_error";
    return { status, type, message: `Mock error ${status}.` };
  }
  return { status, type: known.type, message: known.message(model), headers: known.headers?.() };
}

/** Parameters API version 2026-10-21 rejects at any value ("Extra inputs are not permitted"). */
const REMOVED_IN_2026_10_21 = ["temperature", "top_p", "top_k"];

/** Whether any system or message text block is empty (the API refuses those). */
function hasEmptyText(body: Json): boolean {
  const empty = (block: unknown) => isObject(block) && block.type === "text" && block.text === "";
  if (asArray(body.system).some(empty)) return true;
  return asArray(body.messages).some((m) => isObject(m) && asArray(m.content).some(empty));
}

/** The first thing the API would refuse in a request, checked in the API's order, or null. */
function validationFailure(headers: Headers, body: unknown, pathname: string): Failure | null {
  const bad = (status: number, type: string, message: string) => ({ status, type, message });
  if (!headers.get("x-api-key") && !headers.get("authorization")) {
    return bad(401, "authentication_error", "x-api-key header is required");
  }
  const version = headers.get("anthropic-version");
  if (!version) return bad(400, "invalid_request_error", "anthropic-version: header is required");
  if (!isObject(body)) {
    return bad(400, "invalid_request_error", "There was an error parsing the body as JSON.");
  }
  const required = pathname === "/v1/messages"
    ? ["model", "max_tokens", "messages"]
    : ["model", "messages"];
  const missing = required.find((field) => body[field] === undefined);
  if (missing) return bad(400, "invalid_request_error", `${missing}: Field required`);
  const removed = version === "2026-10-21"
    ? REMOVED_IN_2026_10_21.find((field) => body[field] !== undefined)
    : undefined;
  if (removed) {
    return bad(400, "invalid_request_error", `${removed}: Extra inputs are not permitted`);
  }
  if (hasEmptyText(body)) {
    return bad(400, "invalid_request_error", "messages: text content blocks must be non-empty");
  }
  return null;
}

/** What a route handler gets. */
interface Exchange {
  request: Request;
  info: Deno.ServeHandlerInfo;
  requestId: string;
  pathname: string;
  body: Json;
  model: string;
  /** Counts the exchange as aborted, once. */
  markAborted: () => void;
}

/** Starts a mock Anthropic upstream on 127.0.0.1. */
export function startMockAnthropic(options: MockAnthropicOptions = {}): MockAnthropic {
  const record = options.record ?? true;
  const imageTokens = options.imageTokens ?? (() => STANDARD_IMAGE_TOKENS);
  const slowChunkMs = options.slowChunkMs ?? 25;
  const slowMaxChunks = options.slowMaxChunks ?? 2400;
  const ids = new AnthropicIds();
  const closing = new AbortController();
  const requests: RecordedAnthropicRequest[] = [];
  const received = new EventCounter();
  const aborted = new EventCounter();
  const abortedRequests: AbortRecord[] = [];
  const cachedPrefixes = new Set<string>();

  const headers = (requestId: string, contentType: string, extra: Record<string, string> = {}) => ({
    "content-type": contentType,
    "request-id": requestId,
    "anthropic-organization-id": ORGANIZATION_ID,
    ...extra,
  });
  const json = (requestId: string, status: number, value: unknown, extra = {}) =>
    new Response(JSON.stringify(value), {
      status,
      headers: headers(requestId, "application/json", extra),
    });
  const fail = (requestId: string, failure: Failure) =>
    json(
      requestId,
      failure.status,
      anthropicError(failure.type, failure.message, requestId),
      failure.headers,
    );
  const overloaded = (ex: Exchange) => fail(ex.requestId, { status: 529, ...OVERLOADED });

  const markerOf = (pathname: string, model: string) =>
    abortMarker(closing.signal, aborted, () => abortedRequests.push({ path: pathname, model }));

  const stream = (
    ex: Exchange,
    events: Iterator<string>,
    pacing: { intervalMs?: number; cutAfter?: number } = {},
    contentType = "text/event-stream; charset=utf-8",
  ) => {
    const body = pacedBody(ex, events, pacing, closing.signal);
    return new Response(body, {
      status: 200,
      headers: headers(ex.requestId, contentType, { "cache-control": "no-cache" }),
    });
  };

  /** The input usage of a request; its cached prefix is remembered for the next one. */
  const inputUsage = (body: Json): InputUsage => {
    const count = countInput(body, imageTokens);
    const hit = count.prefixKey !== null && cachedPrefixes.has(count.prefixKey);
    if (count.prefixKey !== null) cachedPrefixes.add(count.prefixKey);
    return {
      input_tokens: count.total - count.prefix,
      cache_creation_input_tokens: hit ? 0 : count.prefix,
      cache_read_input_tokens: hit ? count.prefix : 0,
      ttl: count.prefixTtl,
    };
  };

  const planMessage = (ex: Exchange, script: Script): Plan => {
    const chunks = script.kind === "slow"
      ? slowMaxChunks
      : script.kind === "answer"
      ? script.chunks
      : undefined;
    const echo = cutAtStop(
      anthropicAnswerText(ex.body),
      asArray(ex.body.stop_sequences).map(String),
    );
    const tool = forcedToolUse(ex.body);
    return {
      id: ids.message(),
      model: ex.model,
      input: inputUsage(ex.body),
      output: tool ? { kind: "tool", id: ids.toolUse(), ...tool } : {
        kind: "text",
        pieces: chunks === undefined ? textPieces(echo.text) : numberedPieces(chunks),
        limit: Number(ex.body.max_tokens),
        stopSequence: chunks === undefined ? echo.stop : null,
      },
      failAfter: ex.model === "mock-stream-error" ? 1 : undefined,
    };
  };

  const messages = async (ex: Exchange, script: Script): Promise<Response> => {
    const plan = planMessage(ex, script);
    if (ex.body.stream === true) {
      const events = messageEvents(plan);
      if (script.kind === "slow") return stream(ex, events, { intervalMs: slowChunkMs });
      if (script.kind === "reset") return stream(ex, events, { cutAfter: RESET_AFTER_EVENTS });
      return stream(ex, events);
    }
    if (plan.failAfter !== undefined) return overloaded(ex);
    if (
      script.kind === "slow" &&
      await waitForDisconnect(ex, closing.signal, slowChunkMs * slowMaxChunks)
    ) {
      return overloaded(ex);
    }
    if (script.kind === "reset") {
      const partial = JSON.stringify(messageBody(plan)).slice(0, 40);
      return stream(ex, [partial][Symbol.iterator](), { cutAfter: 1 }, "application/json");
    }
    return json(ex.requestId, 200, messageBody(plan));
  };

  const countTokens = (ex: Exchange): Response =>
    json(ex.requestId, 200, { input_tokens: countInput(ex.body, imageTokens).total });

  const ROUTES: Record<string, (ex: Exchange, script: Script) => Response | Promise<Response>> = {
    "/v1/messages": messages,
    "/v1/messages/count_tokens": countTokens,
  };

  /** `mock-fail-N-NNN` failures so far, by model. */
  const failures = new Map<string, number>();
  const handle = async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const path = request.url.slice(request.url.indexOf("/", 8));
    const pathname = path.split("?", 1)[0];
    const { text: raw, parsed } = await readMockBody(request);
    received.add();
    if (record) {
      const recorded = Object.fromEntries(request.headers);
      requests.push({ method: request.method, path, headers: recorded, body: parsed, raw });
    }
    const requestId = ids.request();
    if (options.delayMs) await pause(options.delayMs, [closing.signal]);
    if (options.gate) await options.gate;

    const route = request.method === "POST" ? ROUTES[pathname] : undefined;
    if (!route) {
      return fail(requestId, { status: 404, type: "not_found_error", message: "Not Found" });
    }
    const problem = validationFailure(request.headers, parsed, pathname);
    if (problem) return fail(requestId, problem);
    const body = parsed as Json;
    const model = String(body.model);
    const markAborted = markerOf(pathname, model);
    const ex: Exchange = { request, info, requestId, pathname, body, model, markAborted };
    const script = scriptFor(model);
    const failed = failures.get(model) ?? 0;
    const flakyFailure = script.kind === "flaky" && failed < script.failures;
    if (flakyFailure) failures.set(model, failed + 1);
    if (script.kind === "error" || flakyFailure) {
      return fail(requestId, scriptedFailure((script as { status: number }).status, model));
    }
    if (script.kind === "hang") {
      await waitForDisconnect(ex, closing.signal);
      return overloaded(ex);
    }
    return route(ex, script);
  };

  const { origin, close } = serveMock(
    handle,
    (error) =>
      new Response(
        JSON.stringify(anthropicError("api_error", `Mock upstream failed: ${error}`, "req_mock")),
        { status: 500, headers: { "content-type": "application/json" } },
      ),
    closing,
    options.port,
  );

  return {
    baseUrl: origin,
    requests,
    received,
    aborted,
    abortedRequests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
