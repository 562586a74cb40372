/**
 * squint's Prometheus series (`GET /metrics`), each instance its own: every finished request's
 * log row is observed once (the same row the request log, `/v1/usage` and the log line read, so
 * they always agree), and the pool, circuits and requests in flight are read when scraped.
 *
 * Savings by channel are the series no other gateway has: USD per channel is the row's own split
 * (`savings`, the same as `/v1/usage?group_by=channel`); tokens per channel are what each channel
 * kept from being billed at the full input rate — images and OCR the tokens their images lost,
 * the cache and de-duplication the whole input of the answer they served, the provider's prompt
 * cache the input tokens it read. Routing saves dollars, not tokens: it has no token series.
 *
 * @module
 */
import { doorGroup } from "../storage/door_group.ts";
import type { Config } from "../config.ts";
import { isUnknownModelReason } from "../models/unknown_model.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { Circuits } from "../providers/attempts.ts";
import { type LoggedImage, type RequestLogRow, spent } from "../storage/types.ts";
import { Counter, Gauge, Histogram, type LabelValues, Registry } from "./prometheus.ts";

/** Seconds, from a fast answer to the slowest model's (600 s). */
export const DURATION_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  20,
  30,
  60,
  120,
  300,
  600,
];
/** Seconds squint itself added: down to a tenth of a millisecond. */
export const OVERHEAD_BUCKETS = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
];

/** What the scrape reads besides the rows. */
export interface MetricSources {
  pool: Pick<WorkerPool, "stats">;
  /** The reading lane (undefined until its first page) and the readings no request waits for. */
  reading?: { pool: () => Pick<WorkerPool, "stats"> | undefined; background: () => number };
  circuits: Pick<Circuits, "snapshot">;
  /** Requests squint is working on (a stream until its last event). */
  inFlight: () => number;
}

/** Distinct values of a label up to a cap; past it, `other`. */
class Bounded {
  #seen = new Set<string>();
  constructor(readonly cap: number) {}
  label(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.cap) return "other";
    this.#seen.add(value);
    return value;
  }
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;
const seconds = (ms: number) => ms / 1000;

/** The metrics of one instance. */
export class RequestMetrics {
  readonly #registry = new Registry();
  readonly #models: Bounded;
  /** Door names the code gives; past the cap (one it does not name yet) `other`. */
  readonly #doors = new Bounded(32);
  readonly #keyLabel: boolean;
  readonly #requests: Counter;
  readonly #errors: Counter;
  readonly #duration: Histogram;
  readonly #upstream: Histogram;
  readonly #firstToken: Histogram;
  readonly #overhead: Histogram;
  readonly #tokens: Counter;
  readonly #cost: Counter;
  readonly #spent: Counter;
  readonly #baseline: Counter;
  readonly #savedUsd: Counter;
  readonly #savedTokens: Counter;
  readonly #images: Counter;
  readonly #retries: Counter;
  readonly #fallbacks: Counter;
  readonly #unknownModels: Counter;

  constructor(
    config: Pick<Config, "metrics_key_label" | "metrics_max_models">,
    sources: MetricSources,
  ) {
    this.#models = new Bounded(config.metrics_max_models);
    this.#keyLabel = config.metrics_key_label === "on";
    const key = this.#keyLabel ? ["key"] : [];
    const r = this.#registry;
    this.#requests = r.add(
      new Counter(
        "squint_requests_total",
        "Requests answered, by door, provider, model called, status class and cache outcome.",
        [
          "door",
          "provider",
          "model",
          "status_class",
          "cache",
          ...key,
        ],
      ),
    );
    this.#errors = r.add(
      new Counter(
        "squint_request_errors_total",
        "Requests that ended in an error, by door and error code or outcome.",
        [
          "door",
          "code",
        ],
      ),
    );
    this.#duration = r.add(
      new Histogram("squint_request_duration_seconds", "From arrival to the answer's last byte.", [
        "door",
        "stream",
      ], DURATION_BUCKETS),
    );
    this.#upstream = r.add(
      new Histogram(
        "squint_upstream_duration_seconds",
        "From sending upstream (first attempt) to the upstream's last byte.",
        ["door", "provider"],
        DURATION_BUCKETS,
      ),
    );
    this.#firstToken = r.add(
      new Histogram(
        "squint_time_to_first_token_seconds",
        "Streams: from arrival to the first bytes sent to the client.",
        ["door", "provider"],
        DURATION_BUCKETS,
      ),
    );
    this.#overhead = r.add(
      new Histogram(
        "squint_overhead_seconds",
        "The time squint itself added: the request's duration less the upstream's.",
        ["door"],
        OVERHEAD_BUCKETS,
      ),
    );
    this.#tokens = r.add(
      new Counter(
        "squint_tokens_total",
        "Billed tokens as the upstream reported them: input, output, cached_input (read from the prompt cache), cache_write.",
        [
          "door",
          "provider",
          "model",
          "type",
          ...key,
        ],
      ),
    );
    this.#cost = r.add(
      new Counter(
        "squint_cost_usd_total",
        "Input cost of the requests as sent (billed usage at the provider's prices).",
        [
          "door",
          "provider",
          "model",
          ...key,
        ],
      ),
    );
    this.#spent = r.add(
      new Counter(
        "squint_spent_usd_total",
        "What the requests cost in all: billed input and output at the provider's prices (what key budgets count).",
        [
          "door",
          "provider",
          "model",
          ...key,
        ],
      ),
    );
    this.#baseline = r.add(
      new Counter(
        "squint_baseline_cost_usd_total",
        "Input cost the same requests would have had unoptimized.",
        [
          "door",
          "provider",
          "model",
          ...key,
        ],
      ),
    );
    this.#savedUsd = r.add(
      new Counter(
        "squint_saved_usd_total",
        "USD saved, by channel (images, ocr, cache, dedup, routing, prompt_cache).",
        [
          "channel",
          ...key,
        ],
      ),
    );
    this.#savedTokens = r.add(
      new Counter(
        "squint_saved_tokens_total",
        "Input tokens kept from being billed at the full rate, by channel (routing saves USD only).",
        [
          "channel",
          ...key,
        ],
      ),
    );
    this.#images = r.add(
      new Counter("squint_images_total", "Images planned, by the action taken.", ["action"]),
    );
    this.#retries = r.add(
      new Counter(
        "squint_upstream_retries_total",
        "Upstream attempts repeated on the same model.",
        ["provider"],
      ),
    );
    this.#fallbacks = r.add(
      new Counter("squint_upstream_fallbacks_total", "Requests moved to a fallback model.", [
        "provider",
      ]),
    );
    this.#unknownModels = r.add(
      new Counter(
        "squint_unknown_model_requests_total",
        "Requests for a model squint has no image rule or price for (sent as they came), by door.",
        ["door"],
      ),
    );
    r.add(
      new Gauge(
        "squint_circuit_state",
        "1 for each upstream's circuit state (closed, open, half_open); upstreams that have not failed are not listed.",
        ["upstream", "state"],
        () =>
          sources.circuits.snapshot().flatMap((c) =>
            (["closed", "open", "half_open"] as const).map((state): [LabelValues, number] => [
              [c.upstream, state],
              c.state === state ? 1 : 0,
            ])
          ),
      ),
    );
    r.add(
      new Gauge(
        "squint_worker_pool",
        "Image workers: running, busy, and tasks queued.",
        ["state"],
        () => {
          const { size, busy, queued } = sources.pool.stats();
          return [[["workers"], size], [["busy"], busy], [["queued"], queued]];
        },
      ),
    );
    r.add(
      new Gauge(
        "squint_reading_pool",
        "The reading lane (pages' OCR): running, busy, tasks queued, and readings under way that no request waits for (past its budget).",
        ["state"],
        () => {
          const stats = sources.reading?.pool()?.stats();
          const { size = 0, busy = 0, queued = 0 } = stats ?? {};
          const background = sources.reading?.background() ?? 0;
          return [[["workers"], size], [["busy"], busy], [["queued"], queued], [[
            "background",
          ], background]];
        },
      ),
    );
    r.add(
      new Gauge(
        "squint_requests_in_flight",
        "Requests under way (a stream until its last event), the scrape reading this included.",
        [],
        () => [[[], sources.inFlight()]],
      ),
    );
  }

  /** Counts one finished request. */
  observe(row: RequestLogRow): void {
    const model = this.#models.label(row.modelCalled ?? row.modelRequested ?? "");
    const key = this.#keyLabel ? [row.keyId ?? ""] : [];
    const door = this.#doors.label(doorGroup(row.door));
    const { provider } = row;
    this.#requests.inc([door, provider, model, statusClass(row.status), row.cache, ...key]);
    const failed = row.status >= 400 || row.outcome === "upstream_error" ||
      row.outcome === "incomplete";
    if (failed) this.#errors.inc([door, row.errorCode ?? row.outcome]);
    this.#duration.observe([door, String(row.stream)], seconds(row.latencyMs));
    if (row.upstreamMs != null) {
      this.#upstream.observe([door, provider], seconds(row.upstreamMs));
      this.#overhead.observe([door], seconds(Math.max(0, row.latencyMs - row.upstreamMs)));
    }
    if (row.firstTokenMs != null) {
      this.#firstToken.observe([door, provider], seconds(row.firstTokenMs));
    }
    if (row.attempts) this.#attempts(row.attempts);
    if (isUnknownModelReason(row.passthroughReason)) this.#unknownModels.inc([door]);
    const images = row.images ? JSON.parse(row.images) as LoggedImage[] : [];
    for (const image of images) this.#images.inc([image.action]);
    // Errors are counted, never credited with figures (as /v1/usage does).
    if (row.status >= 400) return;
    const tokens = (type: string, n: number | null | undefined) =>
      n && this.#tokens.inc([door, provider, model, type, ...key], n);
    tokens("input", row.upstreamInputTokens);
    tokens("output", row.upstreamOutputTokens);
    tokens("cached_input", row.cachedInputTokens);
    tokens("cache_write", row.cacheWriteTokens);
    if (row.costAfterUsd) this.#cost.inc([door, provider, model, ...key], row.costAfterUsd);
    const spentUsd = spent(row);
    if (spentUsd) this.#spent.inc([door, provider, model, ...key], spentUsd);
    if (row.costBeforeUsd) this.#baseline.inc([door, provider, model, ...key], row.costBeforeUsd);
    if (row.savings && row.savings !== "{}") this.#channels(row, key);
    // An answer served without a call saved its whole input: the cache's or dedup's tokens.
    if (row.cache === "hit" || row.cache === "dedup") return;
    for (const image of images) {
      const saved = image.before.tokens - image.after.tokens;
      this.#savedTokens.inc([image.action === "ocr" ? "ocr" : "images", ...key], saved);
    }
  }

  #channels(row: RequestLogRow, key: string[]): void {
    const savings = JSON.parse(row.savings!) as Record<string, number>;
    for (const [channel, usd] of Object.entries(savings)) {
      this.#savedUsd.inc([channel, ...key], usd);
    }
    if (savings.cache) this.#savedTokens.inc(["cache", ...key], row.tokensAfter);
    if (savings.dedup) this.#savedTokens.inc(["dedup", ...key], row.tokensAfter);
    if (savings.prompt_cache && row.cachedInputTokens) {
      this.#savedTokens.inc(["prompt_cache", ...key], row.cachedInputTokens);
    }
  }

  #attempts(json: string): void {
    const attempts = JSON.parse(json) as { model: string; provider: string }[];
    attempts.forEach((attempt, i) => {
      if (i === 0) return;
      const same = attempts[i - 1].model === attempt.model;
      (same ? this.#retries : this.#fallbacks).inc([attempt.provider]);
    });
  }

  /** The text exposition of every series. */
  expose(): string {
    return this.#registry.expose();
  }
}
