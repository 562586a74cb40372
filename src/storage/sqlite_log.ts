/**
 * The request log in SQLite through `node:sqlite`, with a versioned schema. Synchronous: it runs
 * inside the log worker (`workers/log_worker.ts`), never on the event loop.
 */
import { DatabaseSync } from "node:sqlite";
import {
  hourlyShares,
  hourlyUpsert,
  overviewRange,
  overviewReport,
  overviewStatement,
  shareValues,
  sumShares,
} from "./hourly_usage.ts";
import { migrate } from "./migrations.ts";
import { requestsFilter, requestsPage, requestsSql } from "./request_pages.ts";
import type {
  OverviewQuery,
  OverviewReport,
  RequestLogRow,
  RequestsPage,
  RequestsQuery,
  UsageFigures,
  UsageQuery,
  UsageReport,
} from "./types.ts";
import { median, OUTPUT_HISTORY_ROWS, spent } from "./types.ts";
import { usd } from "../usd.ts";

/** Where the log lives and how long it keeps rows. */
export interface SqliteLogOptions {
  /** Folder of `squint.db`; `:memory:` keeps everything in memory. */
  dataDir: string;
  retentionDays: number;
}

/** Billed figures count only answered requests; errors are counted, never credited with savings. */
const ok = (expr: string): string => `coalesce(sum(CASE WHEN r.status < 400 THEN ${expr} END), 0)`;
export const FIGURES = `count(*) AS requests,
  count(CASE WHEN r.status >= 400 THEN 1 END) AS errors,
  ${ok("r.tokens_before")} AS tokens_before,
  ${ok("r.tokens_after")} AS tokens_after,
  ${ok("r.tokens_before - r.tokens_after")} AS tokens_saved,
  ${ok("r.upstream_input_tokens")} AS upstream_input_tokens,
  ${ok("r.upstream_output_tokens")} AS upstream_output_tokens,
  ${ok("r.cost_before_usd")} AS cost_before_usd,
  ${ok("r.cost_after_usd")} AS cost_after_usd,
  ${ok("r.cost_saved_usd")} AS cost_saved_usd,
  ${ok("coalesce(r.spent_usd, r.cost_after_usd)")} AS spent_usd`;

/**
 * Per channel: the requests that saved through it, and what it saved (other figures 0);
 * `saved` is the SQL of one channel's saving as a number.
 */
export const channelFigures = (saved: string): string =>
  `count(*) AS requests, 0 AS errors, 0 AS tokens_before,
  0 AS tokens_after, 0 AS tokens_saved, 0 AS upstream_input_tokens, 0 AS upstream_output_tokens,
  0 AS cost_before_usd, 0 AS cost_after_usd, ${ok(saved)} AS cost_saved_usd, 0 AS spent_usd`;
const CHANNEL_FIGURES = channelFigures("s.value");

/**
 * The WHERE clause of a usage query and its parameters; `placeholder(n)` writes the n-th
 * (1-based) parameter in the database's syntax.
 */
export function usageFilter(
  query: UsageQuery,
  placeholder: (n: number) => string,
): { filter: string; params: (string | number)[] } {
  const conditions: [string, string | number | undefined][] = [
    ["r.key_id =", query.keyId],
    ["r.ts >=", query.from?.getTime()],
    ["r.ts <", query.to?.getTime()],
  ];
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (const [clause, value] of conditions) {
    if (value === undefined || value === "") continue;
    params.push(value);
    where.push(`${clause} ${placeholder(params.length)}`);
  }
  return { filter: where.length ? `WHERE ${where.join(" AND ")}` : "", params };
}

/** How each `group_by` is read from the log. */
const GROUPINGS: Record<NonNullable<UsageQuery["groupBy"]>, { key: string; from: string }> = {
  model: { key: "r.model_called", from: "requests r" },
  key: { key: "r.key_id", from: "requests r" },
  optimization: { key: "o.value", from: "requests r, json_each(r.optimizations) o" },
  channel: { key: "s.key", from: "requests r, json_each(coalesce(r.savings, '{}')) s" },
};

export const COLUMNS: readonly string[] = [
  "id",
  "ts",
  "door",
  "key_id",
  "model_requested",
  "model_called",
  "provider",
  "status",
  "stream",
  "tokens_before",
  "tokens_after",
  "upstream_input_tokens",
  "upstream_output_tokens",
  "cost_before_usd",
  "cost_after_usd",
  "cost_saved_usd",
  "optimizations",
  "cache",
  "estimated",
  "latency_ms",
  "outcome",
  "error",
  "upstream_request_id",
  "content",
  "attempts",
  "savings",
  "upstream_ms",
  "first_token_ms",
  "cached_input_tokens",
  "cache_write_tokens",
  "passthrough_reason",
  "images",
  "task",
  "spent_usd",
];

function values(r: RequestLogRow): (string | number | null)[] {
  return [
    r.id,
    r.ts,
    r.door,
    r.keyId,
    r.modelRequested,
    r.modelCalled,
    r.provider,
    r.status,
    r.stream ? 1 : 0,
    r.tokensBefore,
    r.tokensAfter,
    r.upstreamInputTokens,
    r.upstreamOutputTokens,
    r.costBeforeUsd,
    r.costAfterUsd,
    r.costSavedUsd,
    JSON.stringify(r.optimizations),
    r.cache,
    r.estimated ? 1 : 0,
    r.latencyMs,
    r.outcome,
    r.error,
    r.upstreamRequestId,
    r.content,
    r.attempts ?? null,
    r.savings ?? null,
    r.upstreamMs ?? null,
    r.firstTokenMs ?? null,
    r.cachedInputTokens ?? null,
    r.cacheWriteTokens ?? null,
    r.passthroughReason ?? null,
    r.images ?? null,
    r.task ?? null,
    spent(r),
  ];
}

/** A stored row read back (the inverse of `values`). */
export function rowFrom(r: Record<string, unknown>): RequestLogRow {
  const text = (k: string) => (r[k] ?? null) as string | null;
  const num = (k: string) => (r[k] === null || r[k] === undefined ? null : Number(r[k]));
  const json = (k: string) =>
    typeof r[k] === "string" ? r[k] as string : r[k] == null ? null : JSON.stringify(r[k]);
  return {
    id: String(r.id),
    ts: Number(r.ts),
    door: String(r.door),
    keyId: text("key_id"),
    modelRequested: text("model_requested"),
    modelCalled: text("model_called"),
    provider: String(r.provider),
    status: Number(r.status),
    stream: Boolean(Number(r.stream)),
    tokensBefore: Number(r.tokens_before),
    tokensAfter: Number(r.tokens_after),
    upstreamInputTokens: num("upstream_input_tokens"),
    upstreamOutputTokens: num("upstream_output_tokens"),
    costBeforeUsd: num("cost_before_usd"),
    costAfterUsd: num("cost_after_usd"),
    costSavedUsd: num("cost_saved_usd"),
    optimizations: typeof r.optimizations === "string"
      ? JSON.parse(r.optimizations)
      : (r.optimizations as string[]),
    cache: String(r.cache),
    estimated: Boolean(Number(r.estimated)),
    latencyMs: Number(r.latency_ms),
    outcome: String(r.outcome),
    error: text("error"),
    upstreamRequestId: text("upstream_request_id"),
    content: text("content"),
    attempts: json("attempts"),
    savings: json("savings"),
    upstreamMs: num("upstream_ms"),
    firstTokenMs: num("first_token_ms"),
    cachedInputTokens: num("cached_input_tokens"),
    cacheWriteTokens: num("cache_write_tokens"),
    passthroughReason: text("passthrough_reason"),
    images: json("images"),
    task: text("task"),
    spentUsd: num("spent_usd"),
  };
}

export function figures(row: Record<string, unknown>): UsageFigures {
  const n = (k: string) => Number(row[k] ?? 0);
  const dollars = (k: string) => usd(n(k));
  return {
    requests: n("requests"),
    errors: n("errors"),
    tokens_before: n("tokens_before"),
    tokens_after: n("tokens_after"),
    tokens_saved: n("tokens_saved"),
    upstream_input_tokens: n("upstream_input_tokens"),
    upstream_output_tokens: n("upstream_output_tokens"),
    cost_before_usd: dollars("cost_before_usd"),
    cost_after_usd: dollars("cost_after_usd"),
    cost_saved_usd: dollars("cost_saved_usd"),
    spent_usd: dollars("spent_usd"),
  };
}

/** The SQLite request log of one instance. */
export class SqliteLog {
  #db: DatabaseSync;
  #insert: ReturnType<DatabaseSync["prepare"]>;
  #addHourly: ReturnType<DatabaseSync["prepare"]>;

  constructor(readonly options: SqliteLogOptions) {
    const path = options.dataDir === ":memory:" ? ":memory:" : `${options.dataDir}/squint.db`;
    if (path !== ":memory:") Deno.mkdirSync(options.dataDir, { recursive: true });
    this.#db = new DatabaseSync(path);
    // Sorts and groupings (the Overview's buckets) in memory, not in temp files.
    this.#db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; " +
        "PRAGMA temp_store = MEMORY;",
    );
    migrate(this.#db);
    // A row already written (same id) is kept as it was and not counted again.
    this.#insert = this.#db.prepare(
      `INSERT INTO requests (${COLUMNS.join(", ")}) VALUES (${
        COLUMNS.map(() => "?").join(", ")
      }) ON CONFLICT (id) DO NOTHING`,
    );
    this.#addHourly = this.#db.prepare(hourlyUpsert(() => "?"));
  }

  /** Writes rows and adds the new ones to the hourly aggregate, in one transaction (all or none). */
  insert(rows: readonly RequestLogRow[]): void {
    if (rows.length === 0) return;
    this.#db.exec("BEGIN");
    try {
      const added = rows.filter((row) => Number(this.#insert.run(...values(row)).changes) > 0);
      for (const share of sumShares(added.flatMap(hourlyShares))) {
        this.#addHourly.run(...shareValues(share));
      }
      this.#db.exec("COMMIT");
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  /** The oldest `limit` rows (spilled rows waiting for the production database). */
  oldest(limit: number): RequestLogRow[] {
    const rows = this.#db.prepare(`SELECT * FROM requests ORDER BY ts, id LIMIT ?`).all(limit);
    return rows.map((r) => rowFrom(r as Record<string, unknown>));
  }

  /** Deletes the rows with these ids; returns how many. */
  remove(ids: readonly string[]): number {
    if (ids.length === 0) return 0;
    const del = this.#db.prepare("DELETE FROM requests WHERE id = ?");
    let removed = 0;
    this.#db.exec("BEGIN");
    try {
      for (const id of ids) removed += Number(del.run(id).changes);
      this.#db.exec("COMMIT");
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
    return removed;
  }

  /** The row with this id. */
  row(id: string): RequestLogRow | undefined {
    const row = this.#db.prepare("SELECT * FROM requests WHERE id = ?").get(id);
    return row ? rowFrom(row as Record<string, unknown>) : undefined;
  }

  /** Rows held. */
  count(): number {
    return Number(
      (this.#db.prepare("SELECT count(*) AS n FROM requests").get() as { n: number }).n,
    );
  }

  /** The median output tokens of the tenant's last answered requests of `task` (routing). */
  medianOutputTokens(keyId: string | null, task: string): number | undefined {
    const rows = this.#db.prepare(
      `SELECT upstream_output_tokens AS n FROM requests
      WHERE key_id IS ? AND task = ? AND status < 400 AND upstream_output_tokens IS NOT NULL
      ORDER BY ts DESC LIMIT ${OUTPUT_HISTORY_ROWS}`,
    ).all(keyId, task) as { n: number }[];
    return median(rows.map((r) => Number(r.n)));
  }

  /** USD key `keyId` spent on answered requests from `since` (ms): seeds its budget counter. */
  spentSince(keyId: string, since: number): number {
    // From the hourly aggregate (channel '': answered requests' totals), which outlives the
    // log's retention; a budget period starts on a whole UTC day, so on a whole hour.
    const hour = Math.floor(since / 3_600_000) * 3_600_000;
    const row = this.#db.prepare(
      `SELECT coalesce(sum(spent_usd), 0) AS usd FROM usage_hourly
      WHERE key_id = ? AND channel = '' AND hour >= ?`,
    ).get(keyId, hour) as { usd: number };
    return Number(row.usd);
  }

  /** Deletes rows older than the retention period; returns how many (the aggregate is kept). */
  applyRetention(now = Date.now()): number {
    const cutoff = now - this.options.retentionDays * 86_400_000;
    return Number(this.#db.prepare("DELETE FROM requests WHERE ts < ?").run(cutoff).changes);
  }

  /** Totals and groups over the log. */
  usage(query: UsageQuery): UsageReport {
    const { filter, params } = usageFilter(query, () => "?");
    const totals = this.#db.prepare(`SELECT ${FIGURES} FROM requests r ${filter}`).get(...params)!;
    const report: UsageReport = {
      from: query.from?.toISOString() ?? null,
      to: query.to?.toISOString() ?? null,
      totals: figures(totals as Record<string, unknown>),
    };
    if (query.groupBy) {
      const g = GROUPINGS[query.groupBy];
      // A channel's group carries the savings it made (a request may count in several).
      const figuresOf = query.groupBy === "channel" ? CHANNEL_FIGURES : FIGURES;
      const rows = this.#db.prepare(
        `SELECT ${g.key} AS key, ${figuresOf} FROM ${g.from} ${filter} GROUP BY ${g.key} ORDER BY cost_saved_usd DESC, key`,
      ).all(...params);
      report.group_by = query.groupBy;
      report.groups = rows.map((row) => ({
        key: (row.key as string | null) ?? null,
        ...figures(row as Record<string, unknown>),
      }));
    }
    return report;
  }

  /** The dashboard's Overview, from the hourly aggregate. */
  overview(query: OverviewQuery): OverviewReport {
    const { sql, params } = overviewStatement(overviewRange(query), (n) => `?${n}`);
    return overviewReport(query, this.#db.prepare(sql).all(...params) as Record<string, unknown>[]);
  }

  /** A page of the log, newest first. */
  requests(query: RequestsQuery): RequestsPage {
    const filter = requestsFilter(query);
    const { sql, params } = requestsSql(filter, (n) => `?${n}`);
    const rows = this.#db.prepare(sql).all(...params) as Record<string, unknown>[];
    return requestsPage(rows.map(rowFrom), filter.limit);
  }

  /** Whether the database answers. */
  health(): { ok: boolean; detail: string } {
    this.#db.prepare("SELECT 1").get();
    return { ok: true, detail: "sqlite" };
  }

  close(): void {
    this.#db.close();
  }
}
