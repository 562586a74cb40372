/** The storage interface: every piece of state squint keeps sits behind it. */
import type { PerceptualHashes } from "../../workers/image/perceptual.ts";
import type { KeyStore } from "../keys/key_store.ts";
import type { MediaStore } from "./media_store.ts";

/** One request in the request log. Keys never appear in it: only a short hash. */
export interface RequestLogRow {
  id: string;
  /** Milliseconds since the epoch. */
  ts: number;
  door: string;
  /** SHA-256 prefix of the squint key (or of the client's own provider key), never the key. */
  keyId: string | null;
  modelRequested: string | null;
  modelCalled: string | null;
  provider: string;
  status: number;
  stream: boolean;
  tokensBefore: number;
  tokensAfter: number;
  upstreamInputTokens: number | null;
  upstreamOutputTokens: number | null;
  costBeforeUsd: number | null;
  costAfterUsd: number | null;
  costSavedUsd: number | null;
  /**
   * What the call cost in all: the billed input (`costAfterUsd`) and the output's tokens at the
   * called model's output price; 0 when served without a call, null when unpriced. Budgets
   * count it.
   */
  spentUsd?: number | null;
  optimizations: string[];
  cache: string;
  estimated: boolean;
  latencyMs: number;
  /** complete, client_closed, upstream_error, error, passthrough. */
  outcome: string;
  error: string | null;
  upstreamRequestId: string | null;
  /** Message content, only as SQUINT_LOG_CONTENT allows. */
  content: string | null;
  /** The upstream attempts (retries, fallbacks) as JSON, when there was more than one. */
  attempts?: string | null;
  /** USD saved per channel as JSON (`{"images":…,"cache":…}`), summing to `costSavedUsd`. */
  savings?: string | null;
  /**
   * ms from squint sending the request upstream (first attempt) until the answer was complete at
   * squint (a stream's last event); null when no upstream was called (cache hit, dedup, error).
   */
  upstreamMs?: number | null;
  /** ms from the request's arrival to the first bytes of a streamed answer sent to the client. */
  firstTokenMs?: number | null;
  /** Input tokens the provider read from its prompt cache (billed usage), when it says. */
  cachedInputTokens?: number | null;
  /** Input tokens the provider wrote to its prompt cache (billed usage), when it says. */
  cacheWriteTokens?: number | null;
  /** Why squint sent the request unoptimized, when it did. */
  passthroughReason?: string | null;
  /** squint's error code (CONTRACT.md) when squint answered with its own error; for the log line. */
  errorCode?: string | null;
  /** The task squint's router classified the request as, when it routed it. */
  task?: string | null;
  /** The per-image decisions as JSON (`LoggedImage[]`), kept whether or not media is stored. */
  images?: string | null;
}

/** What a row cost in all; a row written before that was kept, its input's cost. */
export function spent(row: Pick<RequestLogRow, "spentUsd" | "costAfterUsd">): number | null {
  return row.spentUsd === undefined ? row.costAfterUsd : row.spentUsd;
}

/** One image's decision as the request log keeps it (no OCR text: that is content). */
export interface LoggedImage {
  /** JSON pointer of the image in the client's body. */
  path?: string;
  action: string;
  reasons: string[];
  intent?: { label: string; confidence: number };
  content?: { label: string; confidence: number };
  before: { width: number; height: number; bytes: number; format: string; tokens: number };
  after: { width: number; height: number; bytes: number; format: string; tokens: number };
}

/** `GET /v1/usage` query. */
export interface UsageQuery {
  from?: Date;
  to?: Date;
  groupBy?: "model" | "optimization" | "channel" | "key";
  /** Only this key's rows. */
  keyId?: string;
}

/** Summed figures over a set of requests. */
export interface UsageFigures {
  requests: number;
  /** Requests answered with an error status; their figures are not in the sums. */
  errors: number;
  tokens_before: number;
  tokens_after: number;
  tokens_saved: number;
  upstream_input_tokens: number;
  upstream_output_tokens: number;
  cost_before_usd: number;
  cost_after_usd: number;
  cost_saved_usd: number;
  /** What the requests cost in all: the billed input and the output (budgets count it). */
  spent_usd: number;
}

/** `GET /v1/usage` answer. */
export interface UsageReport {
  from: string | null;
  to: string | null;
  totals: UsageFigures;
  group_by?: string;
  groups?: (UsageFigures & { key: string | null })[];
}

/** Rows of a tenant's task history a median output is taken over. */
export const OUTPUT_HISTORY_ROWS = 200;

/** The median of `values` (the lower middle of an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

/** The dashboard's Overview query: a time range, cut into buckets. */
export interface OverviewQuery {
  from: Date;
  to: Date;
  /** Bucket width of the series. */
  bucket: "hour" | "day";
  /** Only this key's rows. */
  keyId?: string;
}

/** The dashboard's Overview, read from the hourly aggregate (never the log). */
export interface OverviewReport {
  from: string;
  to: string;
  bucket: "hour" | "day";
  /** Over the whole range; `saved_pct` = cost_saved_usd / cost_before_usd × 100 (0 when none). */
  totals: UsageFigures & { saved_pct: number };
  /** One entry per bucket start (ISO) that has requests. */
  series: {
    t: string;
    requests: number;
    errors: number;
    cost_before_usd: number;
    cost_after_usd: number;
    cost_saved_usd: number;
    /** USD saved per channel in this bucket (images, ocr, cache, dedup, routing, prompt_cache…). */
    saved_by_channel: Record<string, number>;
  }[];
  /** Models by requests, most first (at most 10). */
  top_models: { model: string; requests: number; cost_after_usd: number; cost_saved_usd: number }[];
}

/** The dashboard's Requests query: newest first, filtered, a page at a time. */
export interface RequestsQuery {
  from?: Date;
  to?: Date;
  door?: string;
  /** Matches the model asked for or the model called. */
  model?: string;
  keyId?: string;
  /** A status class (`2xx`, `4xx`, `5xx`) or an exact status (`429`). */
  status?: string;
  cache?: string;
  /** Page size (default 50, at most 1000). */
  limit?: number;
  /** The `next` cursor of the page before. */
  cursor?: string;
}

/** One page of the request log. */
export interface RequestsPage {
  rows: RequestLogRow[];
  /** Cursor of the next (older) page; absent on the last. */
  next?: string;
}

/** State behind one interface; the embedded and production stores implement it. */
export interface Storage {
  /** Shared byte values with a TTL (response cache, leases). */
  readonly kv: KeyValueStore;
  /** Counters in windows (rate limits, spend), shared where the store is shared. */
  readonly counters: Counters;
  /** Messages between instances; absent where there is one instance (embedded). */
  readonly signals?: Signals;
  /** The shared record of pictures by look; absent where the index is the process's own. */
  readonly nearFeed?: NearFeed;
  /** squint keys (production). */
  readonly keys?: KeyStore;
  /** Original and optimized media, and what each request sent (optional). */
  readonly media?: MediaStore;
  /** Queues a log row; never throws and never waits (written off the response path). */
  log(row: RequestLogRow): void;
  usage(query: UsageQuery): Promise<UsageReport>;
  /** One request's log row, by squint's request id. */
  request(id: string): Promise<RequestLogRow | undefined>;
  /** The log, newest first, filtered and paginated (the dashboard's Requests page). */
  requests(query: RequestsQuery): Promise<RequestsPage>;
  /** Figures over time from the hourly aggregate written with the log (the dashboard's Overview). */
  overview(query: OverviewQuery): Promise<OverviewReport>;
  /**
   * The median output tokens of a tenant's recent answered requests of one task (the last
   * `OUTPUT_HISTORY_ROWS`), or undefined when it has none: what routing expects a request with
   * no output limit to answer.
   */
  medianOutputTokens(keyId: string | null, task: string): Promise<number | undefined>;
  /** Whether the store answers. */
  health(): Promise<{ ok: boolean; detail: string }>;
  /** Writes queued rows now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Byte values under string keys, each with its own time to live: the response cache and the
 * de-duplication leases sit on it. Shaped so Redis fits (GET, SET PX, SET NX PX, DEL).
 */
export interface KeyValueStore {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array, ttlMs: number): Promise<void>;
  /** Sets only when `key` is absent (a lease); true when this call set it. */
  setIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** Numbers that live for a window: rate-limit counts and spend. */
export interface Counters {
  /** Adds `by` to `key` (created with a life of `ttlMs`); resolves to the new value. */
  add(key: string, by: number, ttlMs: number): Promise<number>;
  /** The value of `key` (0 when absent), or undefined when the store cannot tell. */
  get(key: string): Promise<number | undefined>;
  /** Sets `key` when absent (seeding a counter from the database). */
  seed(key: string, value: number, ttlMs: number): Promise<void>;
}

/** Messages to every instance, by channel. */
export interface Signals {
  publish(channel: string, message: string): Promise<void>;
  /** Calls `listener` for each message on `channel` until the returned function is called. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => void>;
}

/** An entry of the shared picture index: a stored picture's content id and hashes. */
export interface NearEntry extends PerceptualHashes {
  id: string;
}

/** The shared, append-only record of pictures by look, which each instance's index follows. */
export interface NearFeed {
  append(entry: NearEntry): Promise<void>;
  /** Entries after `cursor` (from the start when undefined), and the cursor after them. */
  readAfter(cursor: string | undefined): Promise<{ entries: NearEntry[]; cursor?: string }>;
}
