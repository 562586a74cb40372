/** The storage interface: every piece of state squint keeps sits behind it. */

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
}

/** `GET /v1/usage` answer. */
export interface UsageReport {
  from: string | null;
  to: string | null;
  totals: UsageFigures;
  group_by?: string;
  groups?: (UsageFigures & { key: string | null })[];
}

/** State behind one interface; the embedded and production stores implement it. */
export interface Storage {
  /** Shared byte values with a TTL (response cache, leases). */
  readonly kv: KeyValueStore;
  /** Queues a log row; never throws and never waits (written off the response path). */
  log(row: RequestLogRow): void;
  usage(query: UsageQuery): Promise<UsageReport>;
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
