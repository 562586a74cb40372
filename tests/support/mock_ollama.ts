/**
 * A mock Ollama server on loopback that speaks Ollama's real wire format, for squint's tests of
 * its Ollama upstream (sources: ollama/ollama `server/routes.go` ChatHandler, `api/types.go`,
 * `docs/api.md`, `docs/api/errors.mdx`, `openai/openai.go`).
 *
 * Routes:
 * - `POST /api/chat`: an NDJSON stream by default (`application/x-ndjson`, one object a line, the
 *   last with `done: true`, `done_reason` and the counts); one JSON object with `stream: false`.
 * - `GET /api/tags`: the pulled models; `GET /api/version`; `GET /` ("Ollama is running").
 * - `POST /v1/chat/completions`: Ollama's OpenAI-compatible layer, minimally (its answer shape,
 *   `fp_ollama`, errors as `{error: {message, type, param: null, code: null}}`).
 * - anything else: Gin's plain-text `404 page not found`.
 *
 * Checks in the server's order: the body must decode (an image that is not plain base64, e.g.
 * still a `data:` URL → 400 `illegal base64 data at input byte N`, Go's decoding of `[]byte`);
 * no model → 400 `model is required`; a model not pulled (a name without a tag means `:latest`)
 * → 404 `model 'x' not found` (current ChatHandler; servers before its GetModel check answered
 * `model "x" not found, try pulling it first`); no messages → the model-load answer
 * (`done_reason: "load"`).
 *
 * The model: it answers `Echo: ` and the first 60 characters of the last user message with text
 * (Ollama's OpenAI layer makes each image part a message of its own, with no text), then
 * ` [images: N]` when the request holds N > 0 images, one word piece a line (`textPieces` of
 * `mock_model.ts`), one `eval_count` each; `options.num_predict` caps the pieces
 * (`done_reason: "length"`). With `tools` and a user message last it calls one tool instead, the
 * one the message names or else the first, with arguments that fit its schema, as an object
 * (`eval_count`: the 5-character fragments of their JSON); after a tool result it answers text.
 * `prompt_eval_count` = ceil(C / 4) + `imageTokens` per image, C the characters of every
 * message's `content`. Like the real server, the final line omits counts that are zero.
 *
 * Scripts by model name, as in `mock_scripts.ts` (`mock-error-NNN` with Ollama's `{"error"}` body,
 * `mock-reset`, `mock-slow`, `mock-hang`, `mock-chunks-N`), plus `mock-stream-error`: two pieces,
 * then Ollama's mid-stream error line (non-streamed: HTTP 500 with that error).
 *
 * @module
 */

import { EventCounter } from "./event_count.ts";
import { numberedPieces } from "./mock_chat.ts";
import { argumentFragments, forcedToolCall, type JsonSchema, textPieces } from "./mock_model.ts";
import type { RecordedRequest } from "./mock_openai.ts";
import { type Script, scriptFor } from "./mock_scripts.ts";
import type { MockUpstream } from "./mock_upstream.ts";
import {
  abortMarker,
  type MockExchange,
  pacedBody,
  type Pacing,
  readMockBody,
  serveMock,
  waitForDisconnect,
} from "./mock_server.ts";

export type { RecordedRequest };

/** Options of {@linkcode startMockOllama}. */
export interface MockOllamaOptions {
  /** The pulled models (`GET /api/tags`); others are not found. Default: four vision models. */
  models?: readonly string[];
  /** Prompt tokens of one image. Default 576 (llava 1.5's 24×24 patch grid). */
  imageTokens?: number;
  /** Keep every request in `requests`. Default true. */
  record?: boolean;
  /** Pause between the lines of `mock-slow`. Default 25 ms. */
  slowChunkMs?: number;
  /** Lines `mock-slow` sends before it finishes normally. Default 2400. */
  slowMaxChunks?: number;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** The time of every line's `created_at`, in milliseconds since the epoch. */
  clock?: () => number;
}

/** A running mock Ollama. */
export interface MockOllama extends MockUpstream<RecordedRequest> {
  /** `http://127.0.0.1:PORT`: the `host` of the `ollama` client, squint's Ollama base URL. */
  readonly origin: string;
  /** `http://127.0.0.1:PORT/v1`: the base URL of Ollama's OpenAI-compatible layer. */
  readonly openAIBaseUrl: string;
}

/** What `GET /api/tags` says of a model. */
interface ModelDetails {
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
  size: number;
}

/** The default pulled models, with details as `ollama list` gives them (sizes illustrative). */
const KNOWN_MODELS: Record<string, ModelDetails> = {
  "llava:7b": {
    family: "llama",
    families: ["llama", "clip"],
    parameter_size: "7B",
    quantization_level: "Q4_0",
    size: 4_733_363_377,
  },
  "qwen2.5vl:7b": {
    family: "qwen25vl",
    families: ["qwen25vl"],
    parameter_size: "8.3B",
    quantization_level: "Q4_K_M",
    size: 5_969_245_856,
  },
  "llama3.2-vision:11b": {
    family: "mllama",
    families: ["mllama"],
    parameter_size: "10.7B",
    quantization_level: "Q4_K_M",
    size: 7_901_829_417,
  },
  "mistral-small3.1:24b": {
    family: "mistral3",
    families: ["mistral3"],
    parameter_size: "24.0B",
    quantization_level: "Q4_K_M",
    size: 15_486_899_116,
  },
};
const OTHER_MODEL: ModelDetails = {
  family: "llama",
  families: ["llama"],
  parameter_size: "8.0B",
  quantization_level: "Q4_K_M",
  size: 4_920_753_328,
};

/** Ollama's words for the statuses `mock-error-NNN` asks for (others: `mock error NNN`). */
const ERROR_MESSAGES: Record<number, (model: string) => string> = {
  400: (model) => `"${model}" does not support chat`,
  401: () => "unauthorized",
  404: (model) => `model '${model}' not found`,
  499: () => "request canceled",
  500: () => "llama runner process has terminated: exit status 2",
  503: () => "server busy, please try again.  maximum pending requests exceeded",
};

const STREAM_ERROR = "an error was encountered while running the model";
const MODIFIED_AT = "2025-09-01T10:00:00.000000000Z";
const VERSION = "0.13.0";
const JSON_TYPE = "application/json; charset=utf-8";
const NDJSON_TYPE = "application/x-ndjson";
const SNIPPET_LENGTH = 60;
const RESET_AFTER_LINES = 3;

/** A message of Ollama's chat request, as far as the mock reads it. */
interface NativeMessage {
  role?: string;
  content?: unknown;
  images?: unknown;
}

/** A tool as offered (OpenAI's function format, which Ollama takes). */
interface Tool {
  type: string;
  function?: { name: string; parameters?: JsonSchema };
}

/** What the mock will say to one request. */
interface Plan {
  model: string;
  promptTokens: number;
  limit: number;
  output: { kind: "text"; pieces: Iterable<string> } | {
    kind: "tool";
    name: string;
    args: unknown;
  };
  /** `mock-stream-error`: break off after this many pieces. */
  failAfter?: number;
}

type Line = Record<string, unknown>;

/** The scripts of `mock_scripts.ts`, and Ollama's error in the middle of a stream. */
type OllamaScript = Script | { kind: "stream-error" };

function scriptOf(model: string): OllamaScript {
  return model === "mock-stream-error" ? { kind: "stream-error" } : scriptFor(model);
}

/** One request and its connection. */
type Exchange = MockExchange;

/** A model name as Ollama resolves it: without a tag it means `:latest`. */
function tagged(name: string): string {
  return name.includes(":") ? name : `${name}:latest`;
}

/** A sha256-shaped digest of a name (FNV-1a rounds; stable, not a real hash of anything). */
function digestOf(name: string): string {
  let out = "";
  for (let round = 0; round < 8; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}

/** The error Go's JSON decoder gives for a `[]byte` field that is not standard base64, or null. */
function base64Error(data: unknown): string | null {
  if (typeof data !== "string") return "illegal base64 data at input byte 0";
  const bad = data.search(/[^A-Za-z0-9+/=\r\n]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  const clean = data.replace(/[\r\n]/g, "");
  const padding = clean.indexOf("=");
  if (clean.length % 4 !== 0 || (padding >= 0 && padding < clean.length - 2)) {
    return `illegal base64 data at input byte ${Math.max(0, clean.length - 4)}`;
  }
  return null;
}

/** Images of the messages, or the decoding error of the first bad one. */
function imagesOf(messages: NativeMessage[]): { count: number; error: string | null } {
  let count = 0;
  for (const message of messages) {
    for (const image of Array.isArray(message.images) ? message.images : []) {
      const error = base64Error(image);
      if (error) return { count, error };
      count++;
    }
  }
  return { count, error: null };
}

/** Plans the answer to a chat request (see the module doc for the model's rules). */
function planChat(
  model: string,
  messages: NativeMessage[],
  tools: Tool[],
  numPredict: unknown,
  imageTokens: number,
  pieces?: Iterable<string>,
): Plan {
  const characters = messages.reduce(
    (sum, message) => sum + (typeof message.content === "string" ? message.content.length : 0),
    0,
  );
  const images = imagesOf(messages).count;
  const last = messages.at(-1);
  const lastUser = messages.findLast((message) => message.role === "user" && message.content);
  const userText = typeof lastUser?.content === "string" ? lastUser.content : "";
  const functions = tools.filter((tool) => tool.function);
  let output: Plan["output"];
  if (functions.length > 0 && last?.role === "user") {
    const tool = functions.find((t) => userText.includes(t.function!.name)) ?? functions[0];
    const call = forcedToolCall({ model, messages: [], tools: [tool], tool_choice: "required" })!;
    output = { kind: "tool", name: call.name, args: JSON.parse(call.arguments) };
  } else {
    const text = `Echo: ${userText.slice(0, SNIPPET_LENGTH)}` +
      (images > 0 ? ` [images: ${images}]` : "");
    output = { kind: "text", pieces: pieces ?? textPieces(text) };
  }
  return {
    model,
    promptTokens: Math.ceil(characters / 4) + images * imageTokens,
    limit: typeof numPredict === "number" && numPredict > 0 ? numPredict : Infinity,
    output,
  };
}

/** The counts and durations (ns) of a final line; zeros left out, as Ollama's `omitempty` does. */
function metrics(promptTokens: number, evalCount: number): Line {
  const all: Line = {
    total_duration: 1_000_000 + promptTokens * 250_000 + evalCount * 20_000_000,
    load_duration: 1_000_000,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: promptTokens * 250_000,
    eval_count: evalCount,
    eval_duration: evalCount * 20_000_000,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== 0));
}

/** The answer's lines, lazily, as the server streams them; an `error` line ends a failed one. */
function* chatLines(plan: Plan, now: () => string, callId: () => string): Generator<Line> {
  const line = (message: Line, done = false): Line => ({
    model: plan.model,
    created_at: now(),
    message: { role: "assistant", ...message },
    done,
  });
  let evalCount = 0;
  let reason = "stop";
  const { output } = plan;
  if (output.kind === "tool") {
    evalCount = argumentFragments(JSON.stringify(output.args)).length;
    const call = {
      id: callId(),
      function: { index: 0, name: output.name, arguments: output.args },
    };
    yield line({ content: "", tool_calls: [call] });
  } else {
    for (const piece of output.pieces) {
      if (evalCount === plan.failAfter) {
        yield { error: STREAM_ERROR };
        return;
      }
      if (evalCount >= plan.limit) {
        reason = "length";
        break;
      }
      evalCount++;
      yield line({ content: piece });
    }
  }
  const final = line({ content: "" }, true);
  yield { ...final, done_reason: reason, done: true, ...metrics(plan.promptTokens, evalCount) };
}

/** The lines merged into one answer, as the server does for `stream: false`. */
function mergedAnswer(lines: Iterable<Line>): Line {
  let content = "";
  const calls: unknown[] = [];
  let last: Line = {};
  for (const line of lines) {
    if ("error" in line) return line;
    const message = line.message as { content: string; tool_calls?: unknown[] };
    content += message.content;
    calls.push(...(message.tool_calls ?? []));
    last = line;
  }
  const message: Line = { role: "assistant", content };
  if (calls.length > 0) message.tool_calls = calls;
  return { ...last, message };
}

/** Ollama's OpenAI-layer tool calls (`ToToolCalls`): arguments as JSON text. */
function compatToolCalls(calls: unknown): unknown[] | undefined {
  if (!Array.isArray(calls)) return undefined;
  return calls.map((call) => ({
    id: call.id,
    index: call.function.index ?? 0,
    type: "function",
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments) },
  }));
}

/** Ollama's OpenAI-layer finish reason: `tool_calls` once a call was made, else `done_reason`. */
function compatFinish(line: Line, calledTools: boolean): string | null {
  if (!line.done_reason) return null;
  return calledTools ? "tool_calls" : String(line.done_reason);
}

/** Ollama's OpenAI-layer usage (`ToUsage`). */
function compatUsage(line: Line): Line {
  const prompt = Number(line.prompt_eval_count ?? 0);
  const completion = Number(line.eval_count ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

/** The native messages of an OpenAI request, as Ollama's layer converts them (FromChatRequest). */
function nativeFromOpenAI(messages: unknown): { messages: NativeMessage[]; error?: string } {
  const out: NativeMessage[] = [];
  for (const message of Array.isArray(messages) ? messages : []) {
    if (!Array.isArray(message.content)) {
      out.push({ role: message.role, content: message.content ?? "" });
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text") out.push({ role: message.role, content: part.text });
      if (part.type !== "image_url") continue;
      const url = String(part.image_url?.url ?? part.image_url);
      if (/^https?:\/\//.test(url)) {
        return {
          messages: out,
          error: "image URLs are not currently supported, please use base64 encoded data instead",
        };
      }
      const prefix = /^data:(image\/(jpeg|jpg|png|webp))?;base64,/.exec(url);
      if (!prefix || base64Error(url.slice(prefix[0].length))) {
        return { messages: out, error: "invalid image input" };
      }
      out.push({ role: message.role, content: "", images: [url.slice(prefix[0].length)] });
    }
  }
  return { messages: out };
}

/** Starts a mock Ollama on 127.0.0.1. */
export function startMockOllama(options: MockOllamaOptions = {}): MockOllama {
  const models = options.models ?? Object.keys(KNOWN_MODELS);
  const pulled = new Set(models.map(tagged));
  const imageTokens = options.imageTokens ?? 576;
  const record = options.record ?? true;
  const slowChunkMs = options.slowChunkMs ?? 25;
  const slowMaxChunks = options.slowMaxChunks ?? 2400;
  const clock = options.clock ?? Date.now;
  const now = () => new Date(clock()).toISOString();
  const closing = new AbortController();
  const requests: RecordedRequest[] = [];
  const received = new EventCounter();
  const aborted = new EventCounter();
  let calls = 0;
  const callId = () => "call_" + (calls++).toString(36).padStart(8, "0");

  const json = (status: number, value: unknown) =>
    new Response(JSON.stringify(value), { status, headers: { "content-type": JSON_TYPE } });
  const ollamaError = (status: number, message: string) => json(status, { error: message });
  const compatError = (status: number, message: string) => {
    const type = status === 400
      ? "invalid_request_error"
      : status === 404
      ? "not_found_error"
      : "api_error";
    return json(status, { error: { message, type, param: null, code: null } });
  };

  const streamed = (
    ex: Exchange,
    events: Iterator<string>,
    contentType: string,
    pacing: Pacing = {},
  ) =>
    new Response(pacedBody(ex, events, pacing, closing.signal), {
      status: 200,
      headers: { "content-type": contentType },
    });

  /** Waits `ms`, or until the client leaves or the mock closes: true when no one is left. */
  const waitOrLeave = (ex: Exchange, ms = Infinity) => waitForDisconnect(ex, closing.signal, ms);

  /** The plan for a validated request, shaped by its script. */
  const planFor = (
    script: OllamaScript,
    model: string,
    messages: NativeMessage[],
    tools: Tool[],
    numPredict: unknown,
  ): Plan => {
    const pieces = script.kind === "stream-error"
      ? textPieces("Echo: one two three")
      : script.kind === "slow"
      ? numberedPieces(slowMaxChunks)
      : script.kind === "answer" && script.chunks !== undefined
      ? numberedPieces(script.chunks)
      : undefined;
    const plan = planChat(model, messages, tools, numPredict, imageTokens, pieces);
    if (script.kind === "stream-error") {
      plan.output = { kind: "text", pieces: pieces! };
      plan.failAfter = 2;
    }
    return plan;
  };

  /** Validates model and messages; the failing answer, or the script and the plan to answer. */
  const accept = async (
    ex: Exchange,
    model: string,
    messages: NativeMessage[],
    tools: Tool[],
    numPredict: unknown,
    fail: (status: number, message: string) => Response,
  ): Promise<Response | { script: OllamaScript; plan: Plan }> => {
    const images = imagesOf(messages);
    if (images.error) return fail(400, images.error);
    if (!model) return fail(400, "model is required");
    const script = scriptOf(model);
    if (script.kind === "error") {
      return fail(
        script.status,
        ERROR_MESSAGES[script.status]?.(model) ?? `mock error ${script.status}`,
      );
    }
    if (!model.startsWith("mock-") && !pulled.has(tagged(model))) {
      return fail(404, `model '${model}' not found`);
    }
    if (script.kind === "hang") {
      await waitOrLeave(ex);
      return fail(499, "request canceled");
    }
    return { script, plan: planFor(script, model, messages, tools, numPredict) };
  };

  const nativeChat = async (ex: Exchange, body: Line): Promise<Response> => {
    if (body.messages !== undefined && !Array.isArray(body.messages)) {
      const field = "Go struct field ChatRequest.messages of type []api.Message";
      return ollamaError(400, `json: cannot unmarshal ${typeof body.messages} into ${field}`);
    }
    const messages = (body.messages ?? []) as NativeMessage[];
    const tools = Array.isArray(body.tools) ? body.tools as Tool[] : [];
    const model = typeof body.model === "string" ? body.model : "";
    const numPredict = (body.options as Line | undefined)?.num_predict;
    const accepted = await accept(ex, model, messages, tools, numPredict, ollamaError);
    if (accepted instanceof Response) return accepted;
    const { script, plan } = accepted;
    if (messages.length === 0) {
      const message = { role: "assistant", content: "" };
      return json(200, { model, created_at: now(), message, done_reason: "load", done: true });
    }
    const lines = chatLines(plan, now, callId);
    if (body.stream !== false) {
      const events = lines.map((line) => JSON.stringify(line) + "\n");
      const pacing = script.kind === "slow"
        ? { intervalMs: slowChunkMs }
        : script.kind === "reset"
        ? { cutAfter: RESET_AFTER_LINES }
        : {};
      return streamed(ex, events, NDJSON_TYPE, pacing);
    }
    if (script.kind === "slow") {
      if (await waitOrLeave(ex, slowChunkMs * slowMaxChunks)) {
        return ollamaError(500, "the mock is shutting down");
      }
    }
    const answer = mergedAnswer(lines);
    if ("error" in answer) return ollamaError(500, String(answer.error));
    if (script.kind === "reset") {
      const partial = JSON.stringify(answer).slice(0, 40);
      return streamed(ex, [partial].values(), JSON_TYPE, { cutAfter: 1 });
    }
    return json(200, answer);
  };

  let completions = 0;
  const compatChat = async (ex: Exchange, body: Line): Promise<Response> => {
    const converted = nativeFromOpenAI(body.messages);
    if (converted.error) return compatError(400, converted.error);
    const tools = Array.isArray(body.tools) ? body.tools as Tool[] : [];
    const model = typeof body.model === "string" ? body.model : "";
    const accepted = await accept(
      ex,
      model,
      converted.messages,
      tools,
      body.max_tokens,
      compatError,
    );
    if (accepted instanceof Response) return accepted;
    const lines = chatLines(accepted.plan, now, callId);
    const id = `chatcmpl-${completions++}`;
    const head = (line: Line) => ({
      id,
      object: "chat.completion.chunk",
      created: Math.floor(Date.parse(String(line.created_at)) / 1000),
      model,
      system_fingerprint: "fp_ollama",
    });
    if (body.stream !== true) {
      const answer = mergedAnswer(lines);
      if ("error" in answer) return compatError(500, String(answer.error));
      const message = answer.message as Line;
      const toolCalls = compatToolCalls(message.tool_calls);
      return json(200, {
        ...head(answer),
        object: "chat.completion",
        choices: [{
          index: 0,
          message: { role: "assistant", content: message.content, tool_calls: toolCalls },
          finish_reason: compatFinish(answer, toolCalls !== undefined),
        }],
        usage: compatUsage(answer),
      });
    }
    const includeUsage = (body.stream_options as Line | undefined)?.include_usage === true;
    let calledTools = false;
    const events = function* (): Generator<string> {
      for (const line of lines) {
        if ("error" in line) {
          yield `data: ${
            JSON.stringify({ error: { message: line.error, type: "api_error" } })
          }\n\n`;
          return;
        }
        const message = line.message as Line;
        const toolCalls = compatToolCalls(message.tool_calls);
        calledTools ||= toolCalls !== undefined;
        const delta = { role: "assistant", content: message.content, tool_calls: toolCalls };
        const choice = { index: 0, delta, finish_reason: compatFinish(line, calledTools) };
        yield `data: ${JSON.stringify({ ...head(line), choices: [choice] })}\n\n`;
        if (line.done && includeUsage) {
          yield `data: ${
            JSON.stringify({ ...head(line), choices: [], usage: compatUsage(line) })
          }\n\n`;
        }
      }
      yield "data: [DONE]\n\n";
    };
    return streamed(ex, events(), "text/event-stream");
  };

  const tags = () =>
    json(200, {
      models: models.map((name) => {
        const { size, ...details } = KNOWN_MODELS[name] ?? OTHER_MODEL;
        return {
          name,
          model: name,
          modified_at: MODIFIED_AT,
          size,
          digest: digestOf(name),
          details: { parent_model: "", format: "gguf", ...details },
        };
      }),
    });

  const POST_ROUTES: Record<string, (ex: Exchange, body: Line) => Promise<Response>> = {
    "/api/chat": nativeChat,
    "/v1/chat/completions": compatChat,
  };
  const GET_ROUTES: Record<string, () => Response> = {
    "/": () => new Response("Ollama is running", { headers: { "content-type": "text/plain" } }),
    "/api/tags": tags,
    "/api/version": () => json(200, { version: VERSION }),
  };

  const handle = async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const path = request.url.slice(request.url.indexOf("/", 8));
    const pathname = path.split("?", 1)[0];
    const { text, parsed: body, isJson } = await readMockBody(request);
    received.add();
    if (record) {
      requests.push({
        method: request.method,
        path,
        headers: Object.fromEntries(request.headers),
        body,
      });
    }
    const get = request.method === "GET" ? GET_ROUTES[pathname] : undefined;
    if (get) return get();
    const post = request.method === "POST" ? POST_ROUTES[pathname] : undefined;
    if (!post) return new Response("404 page not found", { status: 404 });
    const fail = pathname.startsWith("/v1/") ? compatError : ollamaError;
    if (!text) return fail(400, "missing request body");
    if (!isJson || typeof body !== "object" || body === null || Array.isArray(body)) {
      return fail(400, `invalid character '${text.trim()[0]}' looking for beginning of value`);
    }
    return post({ request, info, markAborted: abortMarker(closing.signal, aborted) }, body as Line);
  };

  const { origin, close } = serveMock(
    handle,
    (error) => ollamaError(500, `mock Ollama failed: ${error}`),
    closing,
    options.port,
  );

  return {
    origin,
    openAIBaseUrl: `${origin}/v1`,
    requests,
    received,
    aborted,
    close,
    [Symbol.asyncDispose]: close,
  };
}
