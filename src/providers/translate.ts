/**
 * The Chat Completions door's calls to any upstream: the request in the upstream's own format,
 * and its answer back in OpenAI's, so that everything after (cache, stats, relay, log) sees an
 * OpenAI answer whoever gave it. OpenAI-compatible upstreams pass through untouched.
 */
import type { Config } from "../config.ts";
import { GatewayError } from "../http/errors.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import type { RetryPolicy } from "./attempts.ts";
import { MAIN_THREAD_PARSE_LIMIT } from "../intake/decode_body.ts";
import { TaskError, type WorkerPool } from "../pool/pool.ts";
import { translateBody, type TranslatedBody, type TranslateInput } from "./translate_body.ts";
import { eventData, splitEvents, SseBlocks, sseEvent } from "../relay/sse.ts";
import { type HeaderPairs, upstreamHeaders } from "./openai.ts";
import type { Route } from "./route.ts";
import type { Json, StreamEvent, StreamTranslator } from "./types.ts";
import { UPSTREAMS } from "./upstreams.ts";

/** What `callUpstream` needs of one call. */
export interface UpstreamRequestParts {
  url: string;
  headers: HeaderPairs;
  body: Blob | string;
  /** squint placed prompt-cache breakpoints in it. */
  promptCachePlaced?: boolean;
}

/** A call ready to send (and to send again), with what it was prepared from. */
export interface Outgoing {
  prepared: PreparedChat;
  outgoing: UpstreamRequestParts;
  route: Route;
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

/** The call to make for an (optimized) OpenAI chat body on `route`. */
export async function upstreamRequest(
  body: Blob | string,
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
  const size = typeof body === "string" ? body.length : body.size;
  let translated: TranslatedBody;
  if (!pool || size <= MAIN_THREAD_PARSE_LIMIT) {
    translated = translateBody({
      ...input,
      text: typeof body === "string" ? body : await body.text(),
    });
  } else {
    const bytes = typeof body === "string"
      ? new TextEncoder().encode(body)
      : new Uint8Array(await body.arrayBuffer());
    translated = await pool.run<TranslatedBody>({ kind: "translate", input, body: bytes }, [
      bytes.buffer as ArrayBuffer,
    ]).catch((e) => {
      if (e instanceof TaskError && e.code === "invalid_request") {
        const { message, param } = JSON.parse(e.message) as { message: string; param: string };
        throw new GatewayError(400, message, "invalid_request_error", null, param);
      }
      throw e;
    });
  }
  return {
    url: `${route.baseUrl}${translated.path}`,
    headers: [
      ["content-type", "application/json"],
      ...(providerKey ? upstream.credentials(providerKey) : []),
      ...translated.headers,
    ],
    body: new Blob([translated.body as BlobPart]),
    promptCachePlaced: translated.placed,
  };
}

/** The data of each event of one upstream stream, framed as SSE or NDJSON, as it arrives. */
async function* upstreamEvents(
  body: ReadableStream<Uint8Array>,
  framing: "sse" | "ndjson",
): AsyncGenerator<StreamEvent[]> {
  if (framing === "sse") {
    const blocks = new SseBlocks();
    for await (const chunk of body) yield sseEvents(blocks.push(chunk));
    yield sseEvents(blocks.flush() ?? "");
    return;
  }
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n");
    pending = lines.pop()!;
    yield ndjsonEvents(lines);
  }
  yield ndjsonEvents([pending + decoder.decode()]);
}

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

/** An upstream stream translated chunk by chunk into OpenAI's, `[DONE]` last. */
function translatedStream(
  body: ReadableStream<Uint8Array>,
  framing: "sse" | "ndjson",
  translator: StreamTranslator,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const events = upstreamEvents(body, framing);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const next = await events.next();
        if (next.done) {
          controller.enqueue(encoder.encode(chunksAsSse(translator.end()) + sseEvent("[DONE]")));
          controller.close();
          return;
        }
        const out = chunksAsSse(next.value.flatMap((e) => translator.push(e)));
        if (out) {
          controller.enqueue(encoder.encode(out));
          return;
        }
      }
    },
    async cancel(reason) {
      await events.return(undefined);
      await body.cancel(reason).catch(() => {});
    },
  });
}

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
  if (!upstream.ok || !upstream.body) {
    const text = await readAnswer(upstream, route);
    return new Response(JSON.stringify(translator.error(upstream.status, text)), {
      status: upstream.status,
      headers: keptHeaders(upstream.headers, json),
    });
  }
  if (stream) {
    return new Response(translatedStream(upstream.body, framing, translator.stream(route.model)), {
      status: 200,
      headers: keptHeaders(upstream.headers, "text/event-stream"),
    });
  }
  const text = await readAnswer(upstream, route);
  let answer: Json;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new GatewayError(
      502,
      `${route.provider} answered with something that is not JSON: ${text.slice(0, 200)}`,
      "api_error",
      "upstream_bad_answer",
    );
  }
  return new Response(JSON.stringify(translator.response(answer, route.model)), {
    status: upstream.status,
    headers: keptHeaders(upstream.headers, json),
  });
}
