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

import { EventCounter } from "./event_count.ts";
import { chatCompletionBody, chatStreamEvents, numberedPieces, planChat } from "./mock_chat.ts";
import { answerLegacyCompletion } from "./mock_completions.ts";
import { answerEmbeddings } from "./mock_embeddings.ts";
import { answerResponses } from "./mock_responses.ts";
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
import { pause } from "./pause.ts";
import type { AbortRecord, MockUpstream } from "./mock_upstream.ts";
import {
  abortMarker,
  type MockExchange,
  pacedBody,
  type Pacing,
  readMockBody,
  serveMock,
  waitForDisconnect,
} from "./mock_server.ts";
export type { AbortRecord } from "./mock_upstream.ts";

/** Options of {@linkcode startMockOpenAI}. */
export interface MockOptions {
  /** Wait this long before every answer, errors included. Default 0. */
  delayMs?: number;
  /** Every answer waits for this first (a test opens it once its requests are in place). */
  gate?: Promise<unknown>;
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
  /** The body's text as sent. */
  raw?: string;
  /** When the mock received it (ms since the epoch, the mock's clock). */
  at?: number;
}

/** A running mock upstream. */
export interface MockOpenAI extends MockUpstream<RecordedRequest> {
  /** Base URL in the form the OpenAI SDK's `baseURL` takes: `http://127.0.0.1:PORT/v1`. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Which requests were aborted, in the order the mock saw it. */
  readonly abortedRequests: readonly AbortRecord[];
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
/** The model every stored prompt (`prompt` on `/v1/responses`) names, when the request names none. */
export const STORED_PROMPT_MODEL = "gpt-4o-2024-08-06";

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
  /** Failures served so far per `mock-fail-N-NNN` model name. */
  const failures = new Map<string, number>();

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

  /** Counts the exchange as aborted once; a shutdown of the mock does not count. */
  const exchangeOf = (ex: Exchange): MockExchange => ({
    ...ex,
    markAborted: abortMarker(
      closing.signal,
      aborted,
      () => abortedRequests.push({ path: ex.path, model: ex.model }),
    ),
  });

  const stream = (
    ex: Exchange,
    events: Iterator<string>,
    pacing: Pacing = {},
    contentType = "text/event-stream; charset=utf-8",
  ) =>
    new Response(pacedBody(exchangeOf(ex), events, pacing, closing.signal), {
      status: 200,
      headers: headers(ex, contentType),
    });

  /** Waits `ms` unless the client leaves first (counted) or the mock closes; true: no one is left. */
  const waitFor = (ex: Exchange, ms = Infinity) =>
    waitForDisconnect(exchangeOf(ex), closing.signal, ms);

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
    if (script.kind === "slow" && await waitFor(ex, slowChunkMs * slowMaxChunks)) {
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

  const responses = (ex: Exchange): Response => {
    const answer = answerResponses(
      { ...ex.body, model: ex.model },
      `resp_${ids.request()}`,
      clock(),
    );
    if (answer.kind === "json") return json(ex, 200, answer.body);
    return stream(ex, answer.events[Symbol.iterator]());
  };

  const POST_ROUTES: Record<
    string,
    (ex: Exchange, script: Script) => Response | Promise<Response>
  > = {
    "/v1/chat/completions": chatCompletions,
    "/v1/completions": legacyCompletions,
    "/v1/embeddings": embeddings,
    "/v1/responses": responses,
  };

  const handle = async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const started = performance.now();
    const path = request.url.slice(request.url.indexOf("/", 8));
    const pathname = path.split("?", 1)[0];
    const { text, parsed, isJson } = await readMockBody(request);
    received.add();
    if (record) {
      requests.push({
        method: request.method,
        path,
        headers: Object.fromEntries(request.headers),
        body: parsed,
        raw: text,
        at: Date.now(),
      });
    }
    const base = { started, requestId: ids.request() };
    if (delayMs > 0) await pause(delayMs, [closing.signal]);
    if (options.gate) await options.gate;

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
    // A Responses request with a stored prompt runs on the prompt's own model.
    const promptModel = pathname === "/v1/responses" && body.prompt
      ? STORED_PROMPT_MODEL
      : undefined;
    const model = typeof body.model === "string" ? body.model : promptModel;
    if (model === undefined) return json(base, 400, missingModel());
    const ex: Exchange = { ...base, request, info, path, body, model };
    const script = scriptFor(ex.model);
    const failed = failures.get(ex.model) ?? 0;
    const flakyFailure = script.kind === "flaky" && failed < script.failures;
    if (flakyFailure) failures.set(ex.model, failed + 1);
    if (script.kind === "error" || flakyFailure) {
      const status = (script as { status: number }).status;
      const failure = errorForStatus(status, ex.model);
      return json(ex, status, failure.body, failure.headers);
    }
    if (script.kind === "hang") {
      await waitFor(ex);
      return closedAnswer(ex);
    }
    return route(ex, script);
  };

  const { origin, close } = serveMock(
    handle,
    (error) =>
      new Response(
        JSON.stringify(errorBody(`Mock upstream failed: ${error}`, "server_error")),
        { status: 500, headers: { "content-type": "application/json" } },
      ),
    closing,
    options.port,
  );

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
