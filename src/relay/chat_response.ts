/**
 * The client's answer from the upstream's: errors relayed with their status and body, streams
 * event by event, JSON answers with the `squint` object; stats headers on every answer, and one
 * request-log row when the answer is complete (or the client went away). A 200 that is not a
 * chat completion (or not a stream, when one was asked for) is a 502 `bad_upstream_response`.
 */
import { chatLogRow, type RequestTiming } from "../accounting/request_log.ts";
import { withServiceTier } from "../accounting/service_tier.ts";
import {
  buildStats,
  type OpenAIUsage,
  type SquintStats,
  statsHeaders,
} from "../accounting/stats.ts";
import { GatewayError, openAIErrorResponse } from "../errors.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import { relayedHeaders } from "../providers/openai.ts";
import type { Attempt } from "../providers/attempts.ts";
import type { RequestLogRow } from "../storage/types.ts";
import { relayChatStream } from "./chat_stream.ts";
import { servedResponse } from "./served.ts";
import { badUpstreamResponse, jsonObject } from "./upstream_faults.ts";

/** What relaying needs besides the two responses. */
export interface RelayContext {
  requestId: string;
  keyId: string | null;
  started: number;
  /** Takes the finished request's log row (the log, the log line, metrics, telemetry). */
  record: (row: RequestLogRow) => void;
  content: string | null;
  /** When the request reached the upstream and its answer the client (filled in as it goes). */
  timing?: RequestTiming;
  /** JSON pointers of the request's images in the client's body, in plan order. */
  imagePaths?: () => readonly string[];
  /** Where the answer comes from (default: a call of its own, no cache asked). */
  cache?: SquintStats["cache"];
  /** The upstream attempts made (filled in as they happen). */
  attempts?: readonly Attempt[];
  /**
   * Longest wait for the upstream's next stream chunk, ms (`stream_idle_timeout_s` × 1000);
   * past it the stream ends with an error event. Unset: no limit.
   */
  idleTimeoutMs?: number;
  /**
   * Records that the usage of an answer that can be read back later under `id` (a background
   * response) was counted with this request, so the read-back does not count it again.
   */
  counted?: (id: string) => void;
}

/** The optimization label of an answer served without a call. */
const SERVED_LABEL: Partial<Record<SquintStats["cache"], string>> = {
  hit: "cache_hit",
  dedup: "dedup",
};

/** The optimization label of a model squint chose. */
function routingLabel(prepared: PreparedChat): string[] {
  const routing = prepared.routing;
  return routing?.from === undefined ? [] : [routing.kind];
}

function statsFor(
  prepared: PreparedChat,
  cache: SquintStats["cache"],
  usage?: OpenAIUsage,
): SquintStats {
  const served = SERVED_LABEL[cache];
  return buildStats({
    tokens: prepared.plan.tokens,
    estimated: prepared.plan.estimated,
    optimizations: [
      ...prepared.optimizations,
      ...routingLabel(prepared),
      ...(served ? [served] : []),
    ],
    requested: prepared.before?.model ?? prepared.resolved,
    called: prepared.resolved,
    calledName: prepared.model,
    usage,
    cache,
    passthroughReason: prepared.passthroughReason,
    before: prepared.before,
    promptCacheBySquint: prepared.promptCacheBySquint,
  });
}

/** Notes when a stream's first bytes go to the client, for the log's time to first token. */
export const firstBytesClock = (ctx: RelayContext) => () => {
  if (ctx.timing) ctx.timing.firstByte = performance.now();
};

/** Writes the request-log row of one call once its outcome is known (`door`: if not chat). */
export function callLogger(
  ctx: RelayContext,
  prepared: PreparedChat,
  upstreamRequestId: string | null,
  door?: string,
) {
  return (
    status: number,
    outcome: string,
    stats: SquintStats,
    usage?: OpenAIUsage,
    error?: string,
  ): void =>
    ctx.record(chatLogRow(ctx.requestId, ctx.keyId, ctx.started, prepared, {
      status,
      outcome,
      stats,
      usage,
      upstreamRequestId,
      error,
      content: ctx.content,
      door,
      attempts: ctx.attempts,
      timing: ctx.timing,
      imagePaths: prepared.plan.images.length ? ctx.imagePaths?.() : undefined,
    }));
}

/** Relays `upstream` to the client. */
export async function relayChatResponse(
  upstream: Response,
  prepared: PreparedChat,
  ctx: RelayContext,
): Promise<Response> {
  const base = relayedHeaders(upstream.headers, ctx.requestId);
  const upstreamRequestId = upstream.headers.get("x-request-id");
  const headersWith = (stats: SquintStats) => [...base, ...statsHeaders(stats)];
  // Before the answer is read, the stats carry what is known: squint's estimates.
  const cache = ctx.cache ?? "bypass";
  const early = () => statsFor(prepared, cache);
  const record = callLogger(ctx, prepared, upstreamRequestId);

  if (!upstream.ok) {
    const body = await upstream.arrayBuffer();
    const stats = early();
    record(
      upstream.status,
      "upstream_error",
      stats,
      undefined,
      new TextDecoder().decode(body.slice(0, 500)),
    );
    return servedResponse(body, upstream.status, headersWith(stats));
  }
  const contentType = upstream.headers.get("content-type");
  const isStream = (contentType ?? "").includes("text/event-stream");
  /** The 502 of an answer that is not the API's, logged with what squint knew of the call. */
  const refuse = (what: string, text: string) => {
    const error = badUpstreamResponse("the upstream", upstream, what, text);
    const stats = early();
    record(502, "bad_upstream_response", stats, undefined, error.message);
    const response = openAIErrorResponse(error, ctx.requestId);
    for (const [name, value] of statsHeaders(stats)) response.headers.set(name, value);
    if (upstreamRequestId) response.headers.set("x-upstream-request-id", upstreamRequestId);
    return response;
  };
  if (prepared.stream && upstream.body && isStream) {
    const body = relayChatStream(upstream.body, {
      idleTimeoutMs: ctx.idleTimeoutMs,
      clientWantsUsage: prepared.clientWantsUsage,
      stats: (usage) => statsFor(prepared, cache, usage),
      onEnd: (usage, outcome) =>
        record(upstream.status, outcome, statsFor(prepared, cache, usage), usage),
      onFirstBytes: firstBytesClock(ctx),
    });
    return servedResponse(body, upstream.status, headersWith(early()));
  }
  let text: string;
  try {
    text = await upstream.text();
  } catch (e) {
    record(502, "upstream_error", early(), undefined, (e as Error).message);
    throw new GatewayError(
      502,
      `upstream broke off its answer: ${(e as Error).message}`,
      "api_error",
      "upstream_reset",
    );
  }
  if (prepared.stream) return refuse("a stream (text/event-stream)", text);
  const answer = jsonObject(text);
  if (!answer) return refuse("a chat completion (a JSON object)", text);
  const usage = withServiceTier(answer.usage as OpenAIUsage | undefined, answer.service_tier);
  const stats = statsFor(prepared, cache, usage);
  record(upstream.status, "complete", stats, usage);
  // The upstream's bytes stay as they were; the squint object is spliced in before the last brace.
  const close = text.lastIndexOf("}");
  const separator = Object.keys(answer).length > 0 ? "," : "";
  const body = `${text.slice(0, close)}${separator}"squint":${JSON.stringify(stats)}${
    text.slice(close)
  }`;
  return servedResponse(body, upstream.status, headersWith(stats));
}
