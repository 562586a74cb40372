/**
 * OpenTelemetry through Deno's built-in exporter (`OTEL_DENO=true` and the standard `OTEL_*`
 * variables), with the GenAI semantic conventions. What Deno records by itself, and squint
 * therefore does not: the server span of every request (`Deno.serve`), a client span per
 * `fetch` (so each upstream call has an HTTP span), and the `http.server.*` metrics. What squint
 * adds, from each finished request's log row:
 *
 * - on Deno's server span (while it is open: Deno ends it when the answer's headers are sent,
 *   so a stream's figures are on its client span), the request's GenAI and squint attributes;
 * - one client span per upstream attempt, `{operation} {model}`, child of the server span (beside
 *   Deno's fetch span of the same call, which has the HTTP view), from the attempt's start to its
 *   failure or, for the attempt that answered, to the answer's last byte, with the usage the
 *   upstream billed;
 * - `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` with the conventions'
 *   bucket boundaries (squint is the client of the provider here; nothing Deno records).
 *
 * @module
 */
import {
  type Attributes,
  type Context,
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Attempt } from "../providers/attempts.ts";
import type { RequestLogRow } from "../storage/types.ts";

/** `gen_ai.client.token.usage` boundaries (GenAI semantic conventions). */
const TOKEN_BOUNDARIES = [
  1,
  4,
  16,
  64,
  256,
  1024,
  4096,
  16384,
  65536,
  262144,
  1048576,
  4194304,
  16777216,
  67108864,
];
/** `gen_ai.client.operation.duration` boundaries, seconds (GenAI semantic conventions). */
const DURATION_BOUNDARIES = [
  0.01,
  0.02,
  0.04,
  0.08,
  0.16,
  0.32,
  0.64,
  1.28,
  2.56,
  5.12,
  10.24,
  20.48,
  40.96,
  81.92,
];

/** The GenAI operation of each door (passthrough: by its path). */
const OPERATIONS: Record<string, string> = {
  chat_completions: "chat",
  messages: "chat",
  responses: "chat",
  responses_websocket: "chat",
  gemini: "generate_content",
};

/** `gen_ai.provider.name` values of squint's providers. */
const PROVIDER_NAMES: Record<string, string> = { google: "gcp.gemini" };

function operationOf(door: string): string | undefined {
  if (door in OPERATIONS) return OPERATIONS[door];
  if (door.startsWith("passthrough ")) {
    if (door.endsWith("/embeddings")) return "embeddings";
    if (door.endsWith("/completions")) return "text_completion";
  }
  return undefined;
}

/** Whether `OTEL_DENO` turns Deno's exporter on. */
export function telemetryOn(env: { get(name: string): string | undefined } = Deno.env): boolean {
  return ["true", "1"].includes(env.get("OTEL_DENO")?.toLowerCase() ?? "");
}

/** Attributes without the absent ones. */
function present(attributes: Record<string, string | number | string[] | null | undefined>) {
  return Object.fromEntries(
    Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined),
  ) as Attributes;
}

/** squint's spans and GenAI metrics for finished requests. */
export class Telemetry {
  readonly #tracer = trace.getTracer("squint");
  readonly #meter = metrics.getMeter("squint");
  readonly #tokens = this.#meter.createHistogram("gen_ai.client.token.usage", {
    description: "Number of input and output tokens used.",
    unit: "{token}",
    advice: { explicitBucketBoundaries: TOKEN_BOUNDARIES },
  });
  readonly #duration = this.#meter.createHistogram("gen_ai.client.operation.duration", {
    description: "GenAI operation duration.",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BOUNDARIES },
  });

  /** The context a request arrived in (holding Deno's server span). */
  current(): Context {
    return context.active();
  }

  /** Puts one finished request on its server span, its attempts' spans and the metrics. */
  record(row: RequestLogRow, arrived: Context | undefined): void {
    const operation = operationOf(row.door);
    const end = row.ts;
    const failed = row.status >= 400 || row.outcome === "upstream_error" ||
      row.outcome === "incomplete";
    const errorType = failed
      ? row.errorCode ?? (row.status >= 400 ? String(row.status) : row.outcome)
      : undefined;
    const provider = PROVIDER_NAMES[row.provider] ?? row.provider;
    const usage = present({
      "gen_ai.usage.input_tokens": row.upstreamInputTokens,
      "gen_ai.usage.output_tokens": row.upstreamOutputTokens,
      "gen_ai.usage.cache_read.input_tokens": row.cachedInputTokens,
      "gen_ai.usage.cache_write.input_tokens": row.cacheWriteTokens,
    });
    const squint = present({
      "squint.request_id": row.id,
      "squint.door": row.door,
      "squint.tokens_before": row.tokensBefore,
      "squint.tokens_after": row.tokensAfter,
      "squint.cost_saved_usd": row.costSavedUsd,
      "squint.cache": row.cache,
      "squint.optimizations": row.optimizations,
      "squint.passthrough_reason": row.passthroughReason,
    });
    const request = present({
      "gen_ai.operation.name": operation,
      "gen_ai.provider.name": provider,
      "gen_ai.request.model": row.modelRequested,
      "gen_ai.response.model": row.modelCalled,
      "error.type": errorType,
    });
    const server = arrived && trace.getSpan(arrived);
    if (server?.isRecording()) server.setAttributes({ ...request, ...usage, ...squint });
    if (row.upstreamMs == null) return;
    const attempts: Attempt[] = row.attempts ? JSON.parse(row.attempts) : [{
      model: row.modelCalled ?? row.modelRequested ?? "",
      provider: row.provider,
      status: row.status,
      at: end - row.upstreamMs,
      ms: row.upstreamMs,
    }];
    attempts.forEach((attempt, i) => {
      const answered = i === attempts.length - 1 && attempt.status !== undefined &&
        attempt.status < 400;
      const model = attempt.model;
      const attributes = present({
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": PROVIDER_NAMES[attempt.provider] ?? attempt.provider,
        "gen_ai.request.model": model,
        ...(answered ? { "gen_ai.response.model": row.modelCalled } : {}),
        "error.type": answered
          ? errorType
          : attempt.status !== undefined
          ? String(attempt.status)
          : "transport_error",
      });
      const span = this.#tracer.startSpan(
        operation ? `${operation} ${model}` : row.door,
        { kind: SpanKind.CLIENT, startTime: attempt.at, attributes },
        arrived,
      );
      if (answered) span.setAttributes({ ...usage, ...squint });
      if (attributes["error.type"]) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(answered ? end : attempt.at + attempt.ms);
    });
    if (!operation) return;
    this.#duration.record(row.upstreamMs / 1000, request);
    const tokens = (type: string, n: number | null | undefined) =>
      n != null && this.#tokens.record(n, { ...request, "gen_ai.token.type": type });
    tokens("input", row.upstreamInputTokens);
    tokens("output", row.upstreamOutputTokens);
  }
}
