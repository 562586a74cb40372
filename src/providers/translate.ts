/**
 * The Chat Completions door's calls to any upstream: the request in the upstream's own format,
 * and its answer back in OpenAI's, so that everything after (cache, stats, relay, log) sees an
 * OpenAI answer whoever gave it. OpenAI-compatible upstreams pass through untouched. A 200 that
 * is not the upstream's answer is a 502 `bad_upstream_response`; a stream that ends without the
 * upstream's own last event errors with an IncompleteStreamError (never a `[DONE]`), which the
 * relay ends with an error event.
 */
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import type { ProviderId } from "../models/types.ts";
import type { RetryPolicy } from "./attempts.ts";
import { MAIN_THREAD_PARSE_LIMIT } from "../intake/decode_body.ts";
import { PoolFullError, TaskError, type WorkerPool } from "../pool/pool.ts";
import { translateBody, type TranslatedBody, type TranslateInput } from "./translate_body.ts";
import { eventData, splitEvents, SseBlocks, sseEvent } from "../relay/sse.ts";
import {
  badUpstreamResponse,
  IncompleteStreamError,
  jsonObject,
} from "../relay/upstream_faults.ts";
import { type HeaderPairs, upstreamHeaders } from "./openai.ts";
import type { Route } from "./route.ts";
import { type Json, openAITier, type StreamEvent, type StreamTranslator } from "./types.ts";
import { UPSTREAMS } from "./upstreams.ts";

/**
 * A body to send: text and bytes go to fetch as they are (cheapest); a Blob joins an optimized
 * body's parts without copying them (fetch streams it).
 */
export type OutgoingBody = Blob | string | Uint8Array;

/** Its size in bytes (a string's in UTF-16 units: only compared with a limit). */
function sizeOf(body: OutgoingBody): number {
  return typeof body === "string"
    ? body.length
    : body instanceof Blob
    ? body.size
    : body.byteLength;
}

/** Its text. */
async function textOf(body: OutgoingBody): Promise<string> {
  return typeof body === "string"
    ? body
    : body instanceof Blob
    ? await body.text()
    : new TextDecoder().decode(body);
}

/** What `callUpstream` needs of one call. */
export interface UpstreamRequestParts {
  url: string;
  headers: HeaderPairs;
  body: OutgoingBody;
  /** squint placed prompt-cache breakpoints in it. */
  promptCachePlaced?: boolean;
}

/** The deployment's retry policy. */
export function retryPolicy(config: Config): RetryPolicy {
  return {
    retries: config.retries,
    baseMs: config.retry_base_ms,
    maxMs: config.retry_max_ms,
    totalMs: config.request_timeout_s * 1000,
  };
}

/** Translates a large body in a worker (its bytes moved there, the original left intact). */
async function inWorker(
  pool: WorkerPool,
  input: TranslateInput,
  body: OutgoingBody,
): Promise<TranslatedBody> {
  const bytes = typeof body === "string"
    ? new TextEncoder().encode(body)
    : body instanceof Blob
    ? new Uint8Array(await body.arrayBuffer())
    : body.slice();
  return await pool.run<TranslatedBody>({ kind: "translate", input, body: bytes }, [
    bytes.buffer as ArrayBuffer,
  ]);
}

/** The call to make for an (optimized) OpenAI chat body on `route`. */
export async function upstreamRequest(
  body: OutgoingBody,
  route: Route,
  providerKey: string | undefined,
  clientHeaders: Headers,
  stream: boolean,
  /** Place Anthropic prompt-cache breakpoints where the client set none. */
  promptCache = false,
  /** Where a large body is translated (off the event loop). */
  pool?: WorkerPool,
): Promise<UpstreamRequestParts> {
  const upstream = UPSTREAMS[route.provider];
  if (!route.baseUrl) {
    throw new GatewayError(
      400,
      `model routes to ${route.provider}, which this squint has no base URL for (${upstream.baseUrlSetting})`,
      "invalid_request_error",
      "provider_not_configured",
      "model",
    );
  }
  if (!upstream.translator) {
    return {
      url: `${route.baseUrl}/chat/completions`,
      headers: upstreamHeaders(clientHeaders, providerKey, [["content-type", "application/json"]]),
      body,
    };
  }
  const input: TranslateInput = {
    text: "",
    provider: route.provider,
    model: route.model,
    stream,
    promptCache,
  };
  const size = sizeOf(body);
  const here = async () => translateBody({ ...input, text: await textOf(body) });
  const translated = !pool || size <= MAIN_THREAD_PARSE_LIMIT
    ? await here()
    : await inWorker(pool, input, body).catch((e) => {
      if (e instanceof TaskError && e.code === "invalid_request") {
        const { message, param } = JSON.parse(e.message) as { message: string; param: string };
        throw new GatewayError(400, message, "invalid_request_error", null, param);
      }
      // A full queue, a stuck or crashed worker: the main thread does the work rather than refuse.
      if (e instanceof PoolFullError || e instanceof TaskError) return here();
      throw e;
    });
  return {
    url: `${route.baseUrl}${translated.path}`,
    headers: [
      ["content-type", "application/json"],
      ...(providerKey ? upstream.credentials(providerKey) : []),
      ...translated.headers,
    ],
    body: translated.body,
    promptCachePlaced: translated.placed,
  };
}

/** Cuts one upstream stream into its events as bytes arrive; `flush` gives the last, cut short. */
interface Framing {
  push(chunk: Uint8Array): StreamEvent[];
  flush(): StreamEvent[];
}

/** Server-sent events: each event's name, if any, and data. */
function sseFraming(): Framing {
  const blocks = new SseBlocks();
  return {
    push: (chunk) => sseEvents(blocks.push(chunk)),
    flush: () => sseEvents(blocks.flush() ?? ""),
  };
}

/** One JSON object per line, each as an event's data. */
function ndjsonFraming(): Framing {
  const decoder = new TextDecoder();
  let pending = "";
  return {
    push(chunk) {
      const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n");
      pending = lines.pop()!;
      return ndjsonEvents(lines);
    },
    flush: () => ndjsonEvents([pending + decoder.decode()]),
  };
}

const FRAMINGS = { sse: sseFraming, ndjson: ndjsonFraming };

/** The content type of a stream in each framing. */
const FRAMING_TYPES = { sse: "text/event-stream", ndjson: "ndjson" };

function sseEvents(block: string): StreamEvent[] {
  return splitEvents(block).flatMap((raw) => {
    const data = eventData(raw);
    if (data === undefined) return [];
    const event = /^event:\s*(.*)$/m.exec(raw)?.[1]?.trim();
    return [event ? { event, data } : { data }];
  });
}

function ndjsonEvents(lines: string[]): StreamEvent[] {
  return lines.filter((line) => line.trim()).map((data) => ({ data: data.trim() }));
}

/** OpenAI SSE bytes of the chunks a translator gives. */
function chunksAsSse(chunks: Json[]): string {
  return chunks.map((c) => sseEvent(JSON.stringify(c))).join("");
}

/** How each translated upstream ends a whole stream: its last event, by name for messages. */
const STREAM_ENDS: Partial<
  Record<ProviderId, { name: string; ends: (e: StreamEvent) => boolean }>
> = {
  anthropic: {
    name: "message_stop",
    ends: (e) => e.event === "message_stop" || /^\s*\{\s*"type"\s*:\s*"message_stop"/.test(e.data),
  },
  google: {
    name: "a candidate with its finishReason",
    ends: (e) => /"(finishReason|blockReason)"\s*:/.test(e.data),
  },
  ollama: { name: "a line with done: true", ends: (e) => /"done"\s*:\s*true/.test(e.data) },
};

/** A chunk the translator made of an upstream error, which ends the stream too. */
const isError = (chunk: Json) => chunk.error !== undefined;

/**
 * An upstream stream translated chunk by chunk into OpenAI's, `[DONE]` last; a stream that ends
 * without the upstream's own last event (or an error) errors with an IncompleteStreamError.
 */
function translatedStream(
  body: ReadableStream<Uint8Array>,
  provider: ProviderId,
  framing: "sse" | "ndjson",
  translator: StreamTranslator,
  tier: Json,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const reader = body.getReader();
  const events = FRAMINGS[framing]();
  const last = STREAM_ENDS[provider];
  let ended = last === undefined;
  /** Chunks with the tier the upstream said, if it said one (an error chunk as it is). */
  const tiered = tier.service_tier === undefined
    ? (chunks: Json[]) => chunks
    : (chunks: Json[]) => chunks.map((chunk) => isError(chunk) ? chunk : { ...chunk, ...tier });
  const translate = (batch: StreamEvent[]) =>
    batch.flatMap((event) => {
      if (last?.ends(event)) ended = true;
      const chunks = translator.push(event);
      if (chunks.some(isError)) ended = true;
      return tiered(chunks);
    });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await reader.read();
      if (next.done) {
        const out = chunksAsSse(translate(events.flush()));
        if (!ended) {
          if (out) controller.enqueue(encoder.encode(out));
          controller.error(
            new IncompleteStreamError(
              `${provider}'s stream ended without its terminal event (${last!.name})`,
            ),
          );
          return;
        }
        const rest = chunksAsSse(tiered(translator.end()));
        controller.enqueue(encoder.encode(out + rest + sseEvent("[DONE]")));
        controller.close();
        return;
      }
      // An event that translates to nothing still passes on (empty), so the relay's idle clock
      // sees the upstream alive.
      controller.enqueue(encoder.encode(chunksAsSse(translate(events.push(next.value)))));
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/** The header Gemini says the tier it served a call at in (`standard`, `flex`, `priority`). */
const TIER_HEADER = "x-gemini-service-tier";

/** Upstream headers worth keeping on a translated answer: its id, `Retry-After`. */
function keptHeaders(upstream: Headers, contentType: string): HeaderPairs {
  const out: HeaderPairs = [["content-type", contentType]];
  const id = ["x-request-id", "request-id", "x-goog-request-id"].map((n) => upstream.get(n))
    .find((v) => v);
  if (id) out.push(["x-request-id", id]);
  const retryAfter = upstream.get("retry-after");
  if (retryAfter) out.push(["retry-after", retryAfter]);
  return out;
}

/** The whole answer as text; a connection broken off mid-answer is a 502. */
async function readAnswer(upstream: Response, route: Route): Promise<string> {
  try {
    return await upstream.text();
  } catch (e) {
    throw new GatewayError(
      502,
      `${route.provider} broke off its answer: ${(e as Error).message}`,
      "api_error",
      "upstream_reset",
    );
  }
}

/** The upstream's answer on `route` as OpenAI would have given it. */
export async function openAIAnswer(
  upstream: Response,
  route: Route,
  stream: boolean,
): Promise<Response> {
  const { translator, framing } = UPSTREAMS[route.provider];
  if (!translator) return upstream;
  const json = "application/json";
  if (!upstream.ok) {
    const text = await readAnswer(upstream, route);
    return new Response(JSON.stringify(translator.error(upstream.status, text)), {
      status: upstream.status,
      headers: keptHeaders(upstream.headers, json),
    });
  }
  const contentType = upstream.headers.get("content-type");
  // A tier the upstream says in a header (Gemini's) rides on the answer, as OpenAI's does.
  const tier = openAITier(upstream.headers.get(TIER_HEADER));
  if (stream && upstream.body && (contentType ?? "").includes(FRAMING_TYPES[framing])) {
    return new Response(
      translatedStream(
        upstream.body,
        route.provider,
        framing,
        translator.stream(route.model),
        tier,
      ),
      { status: 200, headers: keptHeaders(upstream.headers, "text/event-stream") },
    );
  }
  const text = await readAnswer(upstream, route);
  const answer = stream ? undefined : jsonObject(text);
  if (!answer) {
    const what = stream ? `a stream (${FRAMING_TYPES[framing]})` : "its answer (a JSON object)";
    throw badUpstreamResponse(route.provider, upstream, what, text);
  }
  return new Response(JSON.stringify({ ...translator.response(answer, route.model), ...tier }), {
    status: upstream.status,
    headers: keptHeaders(upstream.headers, json),
  });
}
