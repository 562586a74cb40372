/**
 * An answer relayed to a client of a door that speaks the upstream's own API (Anthropic's
 * Messages, OpenAI's Responses) as it came: JSON and error bodies unchanged, streams event by
 * event unchanged. squint's figures ride in the `X-Squint-*` headers and, where the door offers
 * it and the client sends `X-Squint-Stats: event`, in one final `squint` event (SDKs skip event
 * types they do not know). Each door's dialect says where its usage sits.
 */
import {
  buildStats,
  type OpenAIUsage,
  type SquintStats,
  statsHeaders,
} from "../accounting/stats.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import { relayedHeaders } from "../providers/openai.ts";
import { callLogger, type RelayContext } from "./chat_response.ts";
import { eventData, splitEvents, SseBlocks } from "./sse.ts";

type Json = Record<string, unknown>;

/** Where one API reports usage. */
export interface Dialect {
  /** The door's name in the request log. */
  door: string;
  /** The raw usage of a whole JSON answer. */
  answerUsage(answer: Json): Json | undefined;
  /** The raw usage one stream event adds (merged over what is known), if any. */
  eventUsage(event: Json): Json | undefined;
  /** Raw usage in the OpenAI terms the stats are built from. */
  openAIUsage(usage: Json): OpenAIUsage;
}

const n = (value: unknown) => (typeof value === "number" ? value : 0);

/** Anthropic Messages: input in `message_start`, output (cumulative) in `message_delta`. */
export const ANTHROPIC_DIALECT: Dialect = {
  door: "messages",
  answerUsage: (answer) => answer.usage as Json | undefined,
  eventUsage: (event) =>
    (event.type === "message_start" ? (event.message as Json | undefined)?.usage : event.usage) as
      | Json
      | undefined,
  openAIUsage: (u) => ({
    prompt_tokens: n(u.input_tokens) + n(u.cache_read_input_tokens) +
      n(u.cache_creation_input_tokens),
    completion_tokens: n(u.output_tokens),
    prompt_tokens_details: { cached_tokens: n(u.cache_read_input_tokens) },
    cache_creation_input_tokens: n(u.cache_creation_input_tokens),
  }),
};

/** OpenAI Responses: usage on the response, sent whole in `response.completed`. */
export const RESPONSES_DIALECT: Dialect = {
  door: "responses",
  answerUsage: (answer) => answer.usage as Json | undefined,
  eventUsage: (event) =>
    event.type === "response.completed"
      ? (event.response as Json | undefined)?.usage as Json | undefined
      : undefined,
  openAIUsage: (u) => ({
    prompt_tokens: n(u.input_tokens),
    completion_tokens: n(u.output_tokens),
    prompt_tokens_details: {
      cached_tokens: n((u.input_tokens_details as Json | undefined)?.cached_tokens),
    },
  }),
};

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
    promptCacheBySquint: prepared.promptCacheBySquint,
  });
}

/** Relays an answer in the upstream's own API; `statsEvent`: add the final `squint` event. */
export async function relayNativeResponse(
  upstream: Response,
  prepared: PreparedChat,
  dialect: Dialect,
  ctx: RelayContext & { statsEvent: boolean },
): Promise<Response> {
  const base = relayedHeaders(upstream.headers, ctx.requestId);
  const upstreamRequestId = upstream.headers.get("request-id") ??
    upstream.headers.get("x-request-id");
  const log = callLogger(ctx, prepared, upstreamRequestId, dialect.door);
  const record = (status: number, outcome: string, raw?: Json, error?: string) => {
    const usage = raw && dialect.openAIUsage(raw);
    const stats = statsFor(prepared, usage);
    log(status, outcome, stats, usage, error);
    return stats;
  };
  const isStream = (upstream.headers.get("content-type") ?? "").includes("text/event-stream");
  if (!upstream.ok || !upstream.body || !isStream) {
    const text = await upstream.text();
    let raw: Json | undefined;
    try {
      raw = upstream.ok ? dialect.answerUsage(JSON.parse(text)) : undefined;
    } catch {
      raw = undefined;
    }
    const stats = record(
      upstream.status,
      upstream.ok ? "complete" : "upstream_error",
      raw,
      upstream.ok ? undefined : text.slice(0, 500),
    );
    return new Response(text, {
      status: upstream.status,
      headers: [...base, ...statsHeaders(stats)],
    });
  }
  const blocks = new SseBlocks();
  const encoder = new TextEncoder();
  let usage: Json | undefined;
  let ended = false;
  const end = (outcome: string) => {
    if (ended) return undefined;
    ended = true;
    return record(upstream.status, outcome, usage);
  };
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      for (const event of splitEvents(blocks.push(chunk))) {
        const data = eventData(event);
        if (data === undefined || !data.includes('"usage"')) continue;
        try {
          const found = dialect.eventUsage(JSON.parse(data));
          if (found) usage = { ...usage, ...found };
        } catch {
          // Not JSON: relayed as it is, read for nothing.
        }
      }
    },
    flush(controller) {
      const stats = end("complete");
      if (ctx.statsEvent && stats) {
        controller.enqueue(encoder.encode(`event: squint\ndata: ${JSON.stringify(stats)}\n\n`));
      }
    },
  });
  const reader = upstream.body.pipeThrough(tap).getReader();
  const relayed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        end("upstream_error");
        controller.error(e);
      }
    },
    async cancel(reason) {
      end("client_closed");
      await reader.cancel(reason).catch(() => {});
    },
  });
  return new Response(relayed, {
    status: upstream.status,
    headers: [...base, ...statsHeaders(statsFor(prepared))],
  });
}
