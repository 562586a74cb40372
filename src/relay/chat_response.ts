/**
 * The client's answer from the upstream's: errors relayed with their status and body, streams
 * event by event, JSON answers with the `squint` object; stats headers on every answer, and one
 * request-log row when the answer is complete (or the client went away).
 */
import { chatLogRow } from "../accounting/request_log.ts";
import {
  buildStats,
  type OpenAIUsage,
  type SquintStats,
  statsHeaders,
} from "../accounting/stats.ts";
import { GatewayError } from "../http/errors.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import { relayedHeaders } from "../providers/openai.ts";
import type { Storage } from "../storage/types.ts";
import { relayChatStream } from "./chat_stream.ts";

/** What relaying needs besides the two responses. */
export interface RelayContext {
  requestId: string;
  keyId: string | null;
  started: number;
  storage: Storage;
  content: string | null;
}

function statsFor(prepared: PreparedChat, usage?: OpenAIUsage): SquintStats {
  return buildStats({
    tokens: prepared.plan.tokens,
    estimated: prepared.plan.estimated,
    optimizations: prepared.optimizations,
    requested: prepared.resolved,
    called: prepared.resolved,
    calledName: prepared.model,
    usage,
    cache: "bypass",
    passthroughReason: prepared.passthroughReason,
  });
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
  const early = () => statsFor(prepared);
  const record = (
    status: number,
    outcome: string,
    stats: SquintStats,
    usage?: OpenAIUsage,
    error?: string,
  ) =>
    ctx.storage.log(chatLogRow(ctx.requestId, ctx.keyId, ctx.started, prepared, {
      status,
      outcome,
      stats,
      usage,
      upstreamRequestId,
      error,
      content: ctx.content,
    }));

  if (!upstream.ok || !upstream.body) {
    const body = await upstream.arrayBuffer();
    const stats = early();
    record(
      upstream.status,
      "upstream_error",
      stats,
      undefined,
      new TextDecoder().decode(body.slice(0, 500)),
    );
    return new Response(body, { status: upstream.status, headers: headersWith(stats) });
  }
  if (
    prepared.stream && (upstream.headers.get("content-type") ?? "").includes("text/event-stream")
  ) {
    const body = relayChatStream(upstream.body, {
      clientWantsUsage: prepared.clientWantsUsage,
      stats: (usage) => statsFor(prepared, usage),
      onEnd: (usage, outcome) => record(upstream.status, outcome, statsFor(prepared, usage), usage),
    });
    return new Response(body, { status: upstream.status, headers: headersWith(early()) });
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
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  const close = text.lastIndexOf("}");
  if (!answer || typeof answer !== "object" || Array.isArray(answer) || close < 0) {
    const stats = early();
    record(upstream.status, "complete", stats);
    return new Response(text, { status: upstream.status, headers: headersWith(stats) });
  }
  const usage = (answer as { usage?: OpenAIUsage }).usage;
  const stats = statsFor(prepared, usage);
  record(upstream.status, "complete", stats, usage);
  // The upstream's bytes stay as they were; the squint object is spliced in before the last brace.
  const separator = Object.keys(answer).length > 0 ? "," : "";
  const body = `${text.slice(0, close)}${separator}"squint":${JSON.stringify(stats)}${
    text.slice(close)
  }`;
  return new Response(body, { status: upstream.status, headers: headersWith(stats) });
}
