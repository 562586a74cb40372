/**
 * An answer relayed to a client of a door that speaks the upstream's own API (Anthropic's
 * Messages, OpenAI's Responses) as it came: JSON and error bodies unchanged, streams event by
 * event unchanged. squint's figures ride in the `X-Squint-*` headers and, at the end of a stream,
 * in an SSE comment line `: squint {…}` (parsers skip comments), or, when the client sends
 * `X-Squint-Stats: event`, in one final named `squint` event (SDKs skip event types they do not
 * know). Each door's dialect says where its usage sits, which events end its stream, and how it
 * says an error. A 200 that is not the API's answer is a 502 `bad_upstream_response`; a stream
 * cut short, silent or broken off ends with the door's error event (CONTRACT.md, Errors).
 */
import {
  buildStats,
  type OpenAIUsage,
  type SquintStats,
  statsHeaders,
} from "../accounting/stats.ts";
import { serviceTier, withServiceTier } from "../accounting/service_tier.ts";
import {
  anthropicErrorResponse,
  GatewayError,
  googleErrorResponse,
  openAIErrorResponse,
} from "../errors.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import { relayedHeaders } from "../providers/openai.ts";
import { geminiAudioTokens } from "../providers/gemini.ts";
import { callLogger, firstBytesClock, type RelayContext } from "./chat_response.ts";
import { enqueuer, type StreamOutcome } from "./chat_stream.ts";
import { servedResponse } from "./served.ts";
import { eventData, splitEvents, SseBlocks } from "./sse.ts";
import {
  badUpstreamResponse,
  IdleLimitedReader,
  incomplete,
  jsonObject,
  type StreamFault,
  streamFault,
} from "./upstream_faults.ts";

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
  /**
   * The response header that says the tier the call was served at, where the API says it there
   * rather than in its usage (Gemini's `x-gemini-service-tier`: `standard`, `flex`, `priority`).
   */
  tierHeader?: string;
  /** The event types that end a stream, each with the outcome it means. */
  ends: Readonly<Record<string, StreamOutcome>>;
  /** Events carry a `sequence_number` (an error event squint adds takes the next one). */
  sequenced?: boolean;
  /** For an API whose events have no type: the outcome an event's data ends the stream with. */
  endsWith?(data: string): StreamOutcome | undefined;
  /**
   * The id an answer's usage can later be read back with (a background response), read from the
   * answer or the event that carries its usage; squint then counts it here, and not again.
   */
  readBackId?(answer: Json): string | undefined;
  /** The answer may be a JSON array (Gemini's stream without `alt=sse`); its usage is last. */
  arrayAnswers?: boolean;
  /**
   * False where clients' parsers cannot skip anything but `data:` blocks (Gemini CLI's SDK throws
   * on a comment): squint's figures then ride in headers only.
   */
  statsInStream?: false;
  /** The error event that ends a stream squint cuts short (`sequence`: the next event's number). */
  errorEvent(fault: StreamFault, sequence: number): string;
  /** The door's error answer, given before any byte of the upstream's. */
  errorResponse(e: GatewayError, requestId: string): Response;
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
    cache_creation_1h_input_tokens: n(
      (u.cache_creation as Json | undefined)?.ephemeral_1h_input_tokens,
    ),
    web_search_requests: n((u.server_tool_use as Json | undefined)?.web_search_requests),
    ...serviceTier(u.service_tier),
  }),
  ends: { message_stop: "complete", error: "upstream_error" },
  errorEvent: (fault) =>
    `event: error\ndata: ${
      JSON.stringify({ type: "error", error: { type: "api_error", message: fault.message } })
    }\n\n`,
  errorResponse: anthropicErrorResponse,
};

/**
 * A Responses object's usage, with the hosted tool calls it is billed for per call beside it
 * (its `web_search_call` and `file_search_call` output items: the usage does not count them).
 */
function responseUsage(response: Json | undefined): Json | undefined {
  const usage = response?.usage;
  if (!usage || typeof usage !== "object") return undefined;
  const output = Array.isArray(response.output) ? response.output : [];
  const calls = (type: string) =>
    output.filter((item) => (item as Json | null)?.type === type).length;
  return {
    ...usage,
    web_search_calls: calls("web_search_call"),
    file_search_calls: calls("file_search_call"),
    ...serviceTier(response.service_tier),
  };
}

/** OpenAI Responses: usage on the response, sent whole in `response.completed`. */
export const RESPONSES_DIALECT: Dialect = {
  door: "responses",
  sequenced: true,
  answerUsage: (answer) => responseUsage(answer),
  eventUsage: (event) =>
    event.type === "response.completed"
      ? responseUsage(event.response as Json | undefined)
      : undefined,
  openAIUsage: (u) => ({
    prompt_tokens: n(u.input_tokens),
    completion_tokens: n(u.output_tokens),
    prompt_tokens_details: {
      cached_tokens: n((u.input_tokens_details as Json | undefined)?.cached_tokens),
    },
    web_search_requests: n(u.web_search_calls),
    file_search_requests: n(u.file_search_calls),
    ...serviceTier(u.service_tier),
  }),
  readBackId(answer) {
    const response = (answer.type === undefined ? answer : answer.response) as Json | undefined;
    return response?.background === true && typeof response.id === "string"
      ? response.id
      : undefined;
  },
  ends: {
    "response.completed": "complete",
    "response.incomplete": "complete",
    "response.failed": "upstream_error",
    error: "upstream_error",
  },
  errorEvent: (fault, sequence) =>
    `event: error\ndata: ${
      JSON.stringify({
        type: "error",
        code: fault.code,
        message: fault.message,
        param: null,
        sequence_number: sequence,
      })
    }\n\n`,
  errorResponse: openAIErrorResponse,
};

/** The last object of a JSON array answer (Gemini's stream as one array), if it is one. */
function lastOfArray(text: string): Json | undefined {
  if (!text.trimStart().startsWith("[")) return undefined;
  try {
    const value = JSON.parse(text);
    const last = Array.isArray(value) ? value.at(-1) : undefined;
    return last && typeof last === "object" && !Array.isArray(last) ? last : undefined;
  } catch {
    return undefined;
  }
}

/** Gemini: usage in every chunk's `usageMetadata` (running totals); a finish reason ends it. */
export const GEMINI_DIALECT: Dialect = {
  door: "gemini",
  answerUsage: (answer) => answer.usageMetadata as Json | undefined,
  eventUsage: (event) => event.usageMetadata as Json | undefined,
  tierHeader: "x-gemini-service-tier",
  openAIUsage: (u) => ({
    prompt_tokens: n(u.promptTokenCount) + n(u.toolUsePromptTokenCount),
    completion_tokens: n(u.candidatesTokenCount) + n(u.thoughtsTokenCount),
    prompt_tokens_details: {
      cached_tokens: n(u.cachedContentTokenCount),
      audio_tokens: geminiAudioTokens(u),
    },
  }),
  ends: {},
  endsWith: (data) =>
    /"finishReason"\s*:\s*"/.test(data) || /"blockReason"\s*:\s*"/.test(data)
      ? "complete"
      : /^\s*\{\s*"error"/.test(data)
      ? "upstream_error"
      : undefined,
  arrayAnswers: true,
  statsInStream: false,
  errorEvent: (fault) =>
    `data: ${
      JSON.stringify({ error: { code: 502, message: fault.message, status: "UNAVAILABLE" } })
    }\n\n`,
  errorResponse: googleErrorResponse,
};

/** The optimization label of an answer served without a call of its own. */
const SERVED_LABEL: Partial<Record<SquintStats["cache"], string[]>> = {
  hit: ["cache_hit"],
  dedup: ["dedup"],
};

function statsFor(
  prepared: PreparedChat,
  cache: SquintStats["cache"],
  usage?: OpenAIUsage,
): SquintStats {
  return buildStats({
    tokens: prepared.plan.tokens,
    estimated: prepared.plan.estimated,
    optimizations: [...prepared.optimizations, ...(SERVED_LABEL[cache] ?? [])],
    requested: prepared.resolved,
    called: prepared.resolved,
    calledName: prepared.model,
    usage,
    cache,
    passthroughReason: prepared.passthroughReason,
    promptCacheBySquint: prepared.promptCacheBySquint,
  });
}

/** Relays an answer in the upstream's own API; `statsEvent`: stats as a named `squint` event. */
export async function relayNativeResponse(
  upstream: Response,
  prepared: PreparedChat,
  dialect: Dialect,
  ctx: RelayContext & { statsEvent: boolean },
): Promise<Response> {
  const base = relayedHeaders(upstream.headers, ctx.requestId);
  const cache = ctx.cache ?? "bypass";
  const upstreamRequestId = upstream.headers.get("request-id") ??
    upstream.headers.get("x-request-id");
  const log = callLogger(ctx, prepared, upstreamRequestId, dialect.door);
  const tier = dialect.tierHeader && upstream.headers.get(dialect.tierHeader)?.toLowerCase();
  /** The raw usage in OpenAI's terms, with the tier a header says. */
  const usageOf = (raw: Json | undefined) =>
    raw && withServiceTier(dialect.openAIUsage(raw), tier ?? undefined);
  const record = (status: number, outcome: string, raw?: Json, error?: string) => {
    const usage = usageOf(raw);
    const stats = statsFor(prepared, cache, usage);
    log(status, outcome, stats, usage, error);
    return stats;
  };
  const contentType = upstream.headers.get("content-type");
  const isStream = (contentType ?? "").includes("text/event-stream");
  if (upstream.ok && upstream.body && isStream && prepared.stream) {
    const body = relayNativeStream(upstream.body, dialect, {
      idleTimeoutMs: ctx.idleTimeoutMs,
      statsLine: (raw) =>
        dialect.statsInStream === false
          ? ""
          : statsLine(statsFor(prepared, cache, usageOf(raw)), ctx),
      onEnd: (outcome, raw, readBackId) => {
        record(upstream.status, outcome, raw);
        if (raw && readBackId) ctx.counted?.(readBackId);
      },
      onFirstBytes: firstBytesClock(ctx),
    });
    return servedResponse(body, upstream.status, [
      ...base,
      ...statsHeaders(statsFor(prepared, cache)),
    ]);
  }
  /** squint's own error answer, in the door's shape, logged with what squint knew of the call. */
  const refuse = (error: GatewayError, outcome: string) => {
    const stats = record(502, outcome, undefined, error.message);
    const response = dialect.errorResponse(error, ctx.requestId);
    for (const [name, value] of statsHeaders(stats)) response.headers.set(name, value);
    if (upstreamRequestId) response.headers.set("x-upstream-request-id", upstreamRequestId);
    return response;
  };
  let text: string;
  try {
    text = await upstream.text();
  } catch (e) {
    if (!upstream.ok) text = "";
    else {
      const message = `upstream broke off its answer: ${(e as Error).message}`;
      return refuse(
        new GatewayError(502, message, "api_error", "upstream_reset"),
        "upstream_error",
      );
    }
  }
  if (!upstream.ok) {
    const stats = record(upstream.status, "upstream_error", undefined, text.slice(0, 500));
    return servedResponse(text, upstream.status, [...base, ...statsHeaders(stats)]);
  }
  const answer = prepared.stream
    ? undefined
    : dialect.arrayAnswers
    ? lastOfArray(text) ?? jsonObject(text)
    : jsonObject(text);
  if (!answer) {
    const what = prepared.stream
      ? "a stream (text/event-stream)"
      : "the API's answer (a JSON object)";
    const error = badUpstreamResponse("the upstream", upstream, what, text);
    return refuse(error, "bad_upstream_response");
  }
  const usage = dialect.answerUsage(answer);
  const stats = record(upstream.status, "complete", usage);
  const readBackId = usage && dialect.readBackId?.(answer);
  if (readBackId) ctx.counted?.(readBackId);
  return servedResponse(text, upstream.status, [...base, ...statsHeaders(stats)]);
}

/** The stats at the end of a stream: a named `squint` event when asked for, else a comment. */
function statsLine(stats: SquintStats, ctx: { statsEvent: boolean }): string {
  const json = JSON.stringify(stats);
  return ctx.statsEvent ? `event: squint\ndata: ${json}\n\n` : `: squint ${json}\n\n`;
}

const EVENT_NAME = /^event:[ \t]*(.*)$/m;
/** APIs that name their events in the data put the `type` first. */
const DATA_TYPE = /^\s*\{\s*"type"\s*:\s*"([^"]*)"/;
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;

/**
 * What an event carrying usage holds: the start of its key, `"usage"` (Anthropic, Responses) or
 * `"usageMetadata"` (Gemini). Events without it are not parsed for usage.
 */
const USAGE_KEY = '"usage';

/** Options of `relayNativeStream`. */
interface NativeStreamOptions {
  /** Longest wait for the upstream's next bytes (none: no limit). */
  idleTimeoutMs?: number;
  /** The stats that end the stream, given the raw usage seen. */
  statsLine(raw: Json | undefined): string;
  /** Called once when the stream ends, however it ends. */
  onEnd(outcome: StreamOutcome, raw: Json | undefined, readBackId?: string): void;
  /** Called once, as the first bytes go to the client. */
  onFirstBytes?: () => void;
}

/**
 * The upstream's events relayed as they came, each once it is whole, read on the way for usage,
 * the terminal event and the sequence number; the stats close the stream, and an error event
 * when it fell short.
 */
function relayNativeStream(
  upstream: ReadableStream<Uint8Array>,
  dialect: Dialect,
  options: NativeStreamOptions,
): ReadableStream<Uint8Array> {
  const reader = new IdleLimitedReader(upstream, options.idleTimeoutMs);
  const blocks = new SseBlocks();
  const encoder = new TextEncoder();
  let usage: Json | undefined;
  let readBackId: string | undefined;
  let finished: StreamOutcome | undefined;
  let sequence = 0;
  let ended = false;
  const send = enqueuer(options.onFirstBytes);
  const end = (outcome: StreamOutcome) => {
    if (ended) return;
    ended = true;
    reader.stop();
    options.onEnd(outcome, usage, readBackId);
  };

  /**
   * Whether a block may hold an event `read` acts on. Where events are named by type and carry no
   * sequence (Anthropic's), a block that names no end and no usage (content deltas, most of a
   * stream) is relayed without being split into events.
   */
  const endNames = Object.keys(dialect.ends);
  const notable = (block: string) =>
    dialect.sequenced || dialect.endsWith !== undefined || block.includes(USAGE_KEY) ||
    endNames.some((name) => block.includes(name));

  const read = (event: string) => {
    const data = eventData(event);
    const type = EVENT_NAME.exec(event)?.[1]?.trim() ||
      (data === undefined ? undefined : DATA_TYPE.exec(data)?.[1]);
    if (type !== undefined && Object.hasOwn(dialect.ends, type)) finished = dialect.ends[type];
    if (data === undefined) return;
    if (dialect.endsWith) finished = dialect.endsWith(data) ?? finished;
    if (dialect.sequenced) {
      const number = SEQUENCE.exec(data)?.[1];
      if (number !== undefined) sequence = Number(number) + 1;
    }
    if (!data.includes(USAGE_KEY)) return;
    try {
      const event = JSON.parse(data);
      const found = dialect.eventUsage(event);
      if (found) {
        usage = { ...usage, ...found };
        readBackId = dialect.readBackId?.(event) ?? readBackId;
      }
    } catch {
      // Not JSON: relayed as it is, read for nothing.
    }
  };

  /** The stats, an error event if the stream fell short, and the end. */
  const finish = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    tail: string,
    fault?: StreamFault,
  ) => {
    const error = fault ? dialect.errorEvent(fault, sequence) : "";
    send(controller, encoder.encode(tail + options.statsLine(usage) + error));
    controller.close();
    end(fault?.outcome ?? finished ?? "complete");
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (e) {
          // An event the upstream broke off in the middle is never passed on.
          finish(controller, "", streamFault(e));
          return;
        }
        if (result.done) {
          const rest = blocks.flush();
          if (rest !== undefined) read(rest);
          // The upstream's last event without its blank line is closed, if it ended the stream.
          const tail = rest !== undefined && finished ? `${rest.trimEnd()}\n\n` : "";
          const names = Object.keys(dialect.ends).filter((type) => type !== "error");
          finish(controller, tail, finished ? undefined : incomplete(names.join(" or ")));
          return;
        }
        // Whole events only, so that what squint adds never lands inside one cut short.
        const block = blocks.push(result.value);
        if (!block) continue;
        // A chunk of whole events (the common case) goes on as the bytes it came as.
        send(controller, blocks.whole ? result.value.slice() : encoder.encode(block));
        if (notable(block)) { for (const event of splitEvents(block)) read(event); }
        return;
      }
    },
    async cancel(reason) {
      end("client_closed");
      await reader.cancel(reason);
    },
  });
}
