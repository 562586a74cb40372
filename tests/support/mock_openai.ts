/**
 * A mock OpenAI upstream on loopback that speaks the real wire format, for squint's integration
 * tests and as the upstream of its throughput benchmarks (no logging, little allocation).
 *
 * Routes: `POST /v1/chat/completions` (see `mock_chat.ts`), `POST /v1/completions`,
 * `POST /v1/embeddings`, `GET /v1/models`, `GET /v1/models/{id}`; anything else is OpenAI's 404.
 * The answer text and token counts are in `mock_model.ts`; the failures a test can script
 * through the model name (`mock-error-429`, `mock-reset`, `mock-slow`, `mock-hang`,
 * `mock-chunks-N`) in `mock_scripts.ts`.
 *
 * @example
 * ```ts
 * const upstream = startMockOpenAI({ imageTokens: () => 85 });
 * const client = new OpenAI({ baseURL: upstream.baseUrl, apiKey: "sk-mock" });
 * // … drive the gateway …
 * await upstream.close();
 * ```
 *
 * @module
 */

import { type EventCount, EventCounter } from "./event_count.ts";
import { eventStream } from "./event_stream.ts";
import { chatCompletionBody, chatStreamEvents, numberedPieces, planChat } from "./mock_chat.ts";
import { answerLegacyCompletion } from "./mock_completions.ts";
import { answerEmbeddings } from "./mock_embeddings.ts";
import { type ChatRequestBody, type ImageTokens, noImageTokens } from "./mock_model.ts";
import { type Script, scriptFor } from "./mock_scripts.ts";
import {
  errorBody,
  errorForStatus,
  invalidJson,
  invalidUrl,
  missingModel,
  missingParameter,
  modelNotFound,
} from "./openai_errors.ts";
import { IdSource, modelList, modelObject } from "./openai_wire.ts";

/** Options of {@linkcode startMockOpenAI}. */
export interface MockOptions {
  /** Wait this long before every answer, errors included. Default 0. */
  delayMs?: number;
  /** Keep every request in `requests`. Default true; benchmarks turn it off. */
  record?: boolean;
  /** Prompt tokens of one image part; default 0 (see `mock_model.ts` for the whole formula). */
  imageTokens?: ImageTokens;
  /** Pause between the chunks of `mock-slow`. Default 25 ms. */
  slowChunkMs?: number;
  /** Chunks `mock-slow` sends before it finishes normally. Default 2400 (a minute at 25 ms). */
  slowMaxChunks?: number;
  /** The ids `GET /v1/models` lists. */
  models?: readonly string[];
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** The `created` time of answers, in Unix seconds; fix it to compare transcripts byte for byte. */
  clock?: () => number;
}

/** One request as the mock received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Headers with lower-case names. */
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text when it is not JSON, or null when there is none. */
  body: unknown;
}

/** A request whose client went away before the mock finished answering it. */
export interface AbortRecord {
  path: string;
  model: string;
}

/** A running mock upstream. */
export interface MockOpenAI {
  /** Base URL in the form the OpenAI SDK's `baseURL` takes: `http://127.0.0.1:PORT/v1`. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Every request received, in order (empty when `record` is false). */
  readonly requests: RecordedRequest[];
  /** Counts requests as they arrive (also when `record` is false); await `received.wait(n)`. */
  readonly received: EventCount;
  /**
   * Counts requests whose client disconnected mid-answer: a stream cancelled before its end, or
   * a `mock-hang` / non-streamed `mock-slow` left waiting. Await `aborted.wait(n)`.
   */
  readonly aborted: EventCount;
  /** Which requests were aborted, in the order the mock saw it. */
  readonly abortedRequests: readonly AbortRecord[];
  /** Ends pending answers and streams, and stops the server. */
  close(): Promise<void>;
  /** Same as `close`, for `await using mock = startMockOpenAI()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const DEFAULT_MODELS = [
  "gpt-4o",
  "gpt-4o-mini",
  "gpt-4.1-mini",
  "gpt-5-mini",
  "text-embedding-3-small",
  "gpt-3.5-turbo-instruct",
];
const RESET_AFTER_EVENTS = 3;

/** What a route handler gets. */
interface Exchange {
  request: Request;
  info: Deno.ServeHandlerInfo;
  path: string;
  body: Record<string, unknown>;
  model: string;
  started: number;
  requestId: string;
}

/** Starts a mock OpenAI upstream on 127.0.0.1. */
export function startMockOpenAI(options: MockOptions = {}): MockOpenAI {
  const delayMs = options.delayMs ?? 0;
  const record = options.record ?? true;
  const imageTokens = options.imageTokens ?? noImageTokens;
  const slowChunkMs = options.slowChunkMs ?? 25;
  const slowMaxChunks = options.slowMaxChunks ?? 2400;
  const models = options.models ?? DEFAULT_MODELS;
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const ids = new IdSource();
  const closing = new AbortController();
  const requests: RecordedRequest[] = [];
  const received = new EventCounter();
  const aborted = new EventCounter();
  const abortedRequests: AbortRecord[] = [];

  const headers = (ex: Pick<Exchange, "started" | "requestId">, contentType: string) => ({
    "content-type": contentType,
    "x-request-id": ex.requestId,
    "openai-processing-ms": String(Math.round(performance.now() - ex.started)),
    "openai-version": "2020-10-01",
  });
  const json = (
    ex: Pick<Exchange, "started" | "requestId">,
    status: number,
    value: unknown,
    extra: Record<string, string> = {},
  ) =>
    new Response(JSON.stringify(value), {
      status,
      headers: { ...headers(ex, "application/json"), ...extra },
    });

  /** Marks the exchange aborted once; a shutdown of the mock does not count. */
  const abortMarker = (ex: Exchange) => {
    let marked = false;
    return () => {
      if (marked || closing.signal.aborted) return;
      marked = true;
      abortedRequests.push({ path: ex.path, model: ex.model });
      aborted.add();
    };
  };

  const stream = (
    ex: Exchange,
    events: Iterator<string>,
    pacing: { intervalMs?: number; cutAfter?: number } = {},
    contentType = "text/event-stream; charset=utf-8",
  ) => {
    const markAborted = abortMarker(ex);
    if (pacing.cutAfter === undefined) ex.info.completed.catch(markAborted);
    const body = eventStream({ events, ...pacing, closing: closing.signal, onCancel: markAborted });
    return new Response(body, { status: 200, headers: headers(ex, contentType) });
  };

  /**
   * Waits `ms` unless the client leaves first (counted as aborted) or the mock closes; true when
   * the wait was cut short and there is no one to answer.
   */
  const waitForDisconnect = async (ex: Exchange, ms = Infinity): Promise<boolean> => {
    await pause(ms, [ex.request.signal, closing.signal]);
    if (closing.signal.aborted) return true;
    if (!ex.request.signal.aborted) return false;
    abortMarker(ex)();
    return true;
  };

  const closedAnswer = (ex: Exchange) =>
    json(ex, 503, errorBody("The mock upstream is shutting down.", "server_error"));

  const chatCompletions = async (ex: Exchange, script: Script): Promise<Response> => {
    const request = ex.body as unknown as ChatRequestBody;
    if (!Array.isArray(request.messages)) {
      return json(ex, 400, missingParameter("messages"));
    }
    const pieces = script.kind === "slow"
      ? numberedPieces(slowMaxChunks)
      : script.kind === "answer" && script.chunks !== undefined
      ? numberedPieces(script.chunks)
      : undefined;
    const plan = planChat(request, { ids, created: clock(), imageTokens, pieces });
    if (request.stream === true) {
      const events = chatStreamEvents(plan);
      if (script.kind === "slow") return stream(ex, events, { intervalMs: slowChunkMs });
      if (script.kind === "reset") return stream(ex, events, { cutAfter: RESET_AFTER_EVENTS });
      return stream(ex, events);
    }
    if (script.kind === "slow" && await waitForDisconnect(ex, slowChunkMs * slowMaxChunks)) {
      return closedAnswer(ex);
    }
    if (script.kind === "reset") {
      const partial = JSON.stringify(chatCompletionBody(plan)).slice(0, 40);
      return stream(ex, [partial][Symbol.iterator](), { cutAfter: 1 }, "application/json");
    }
    return json(ex, 200, chatCompletionBody(plan));
  };

  const legacyCompletions = (ex: Exchange, script: Script): Response => {
    const chunks = script.kind === "answer" ? script.chunks : undefined;
    const answer = answerLegacyCompletion(ex.body, ids, clock(), chunks);
    if (answer.kind === "json") return json(ex, 200, answer.body);
    return stream(ex, answer.events[Symbol.iterator]());
  };

  const embeddings = (ex: Exchange): Response => json(ex, 200, answerEmbeddings(ex.body));

  const POST_ROUTES: Record<
    string,
    (ex: Exchange, script: Script) => Response | Promise<Response>
  > = {
    "/v1/chat/completions": chatCompletions,
    "/v1/completions": legacyCompletions,
    "/v1/embeddings": embeddings,
  };

  const handle = async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const started = performance.now();
    const path = request.url.slice(request.url.indexOf("/", 8));
    const pathname = path.split("?", 1)[0];
    const text = request.body ? await request.text() : "";
    let parsed: unknown = null;
    let isJson = false;
    if (text) {
      try {
        parsed = JSON.parse(text);
        isJson = true;
      } catch {
        parsed = text;
      }
    }
    received.add();
    if (record) {
      requests.push({
        method: request.method,
        path,
        headers: Object.fromEntries(request.headers),
        body: parsed,
      });
    }
    const base = { started, requestId: ids.request() };
    if (delayMs > 0) await pause(delayMs, [closing.signal]);

    if (request.method === "GET" && pathname === "/v1/models") {
      return json(base, 200, modelList(models));
    }
    if (request.method === "GET" && pathname.startsWith("/v1/models/")) {
      const id = decodeURIComponent(pathname.slice("/v1/models/".length));
      if (models.includes(id)) return json(base, 200, modelObject(id));
      return json(base, 404, modelNotFound(id));
    }
    const route = request.method === "POST" ? POST_ROUTES[pathname] : undefined;
    if (!route) return json(base, 404, invalidUrl(request.method, pathname));
    if (!isJson || typeof parsed !== "object" || parsed === null) {
      return json(base, 400, invalidJson());
    }
    const body = parsed as Record<string, unknown>;
    if (typeof body.model !== "string") return json(base, 400, missingModel());
    const ex: Exchange = { ...base, request, info, path, body, model: body.model };
    const script = scriptFor(ex.model);
    if (script.kind === "error") {
      const failure = errorForStatus(script.status, ex.model);
      return json(ex, script.status, failure.body, failure.headers);
    }
    if (script.kind === "hang") {
      await waitForDisconnect(ex);
      return closedAnswer(ex);
    }
    return route(ex, script);
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen() {},
    onError: (error) =>
      new Response(
        JSON.stringify(errorBody(`Mock upstream failed: ${error}`, "server_error")),
        { status: 500, headers: { "content-type": "application/json" } },
      ),
  }, handle);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  let closed: Promise<void> | undefined;
  const close = () => {
    closing.abort();
    closed ??= server.shutdown();
    return closed;
  };

  return {
    baseUrl: `${origin}/v1`,
    origin,
    requests,
    received,
    aborted,
    abortedRequests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Resolves after `ms` (never when infinite), or at once when one of `signals` aborts. */
function pause(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    for (const signal of signals) signal.addEventListener("abort", done);
  });
}
