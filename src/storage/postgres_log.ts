/**
 * The request log in PostgreSQL. A batch of rows goes in one statement that also adds them to
 * the daily and hourly usage aggregates; a row already present (a replay after an outage) is
 * skipped and not counted again, so every request counts once however often it is written.
 */
import type postgres from "postgres";
import type { Sql } from "postgres";
import {
  HOURLY_KEY,
  HOURLY_SUMS,
  hourlyShares,
  overviewRange,
  overviewReport,
  overviewStatement,
} from "./hourly_usage.ts";
import { type RequestsFilter, requestsPage, requestsSql } from "./request_pages.ts";
import { channelFigures, COLUMNS, FIGURES, figures, rowFrom, usageFilter } from "./sqlite_log.ts";
import type {
  OverviewQuery,
  OverviewReport,
  RequestLogRow,
  RequestsPage,
  UsageQuery,
  UsageReport,
} from "./types.ts";
import { median, OUTPUT_HISTORY_ROWS, spent } from "./types.ts";

/** Columns summed into `usage_daily` (answered requests only, as `/v1/usage` counts them). */
const SUMMED = [
  "tokens_before",
  "tokens_after",
  "upstream_input_tokens",
  "upstream_output_tokens",
  "cost_before_usd",
  "cost_after_usd",
  "cost_saved_usd",
  "spent_usd",
];

/** The hourly shares ($2, one per row and channel, with the row's id) as a record set. */
const SHARES = `json_to_recordset($2::json) AS s(id text, ${
  [
    ...HOURLY_KEY.map((c) => `${c} ${c === "hour" ? "bigint" : "text"}`),
    ...HOURLY_SUMS.map((c) => `${c} ${c.endsWith("_usd") ? "float8" : "bigint"}`),
  ].join(", ")
})`;

const INSERT = `
  WITH added AS (
    INSERT INTO requests (${COLUMNS.join(", ")})
    SELECT ${COLUMNS.join(", ")} FROM json_populate_recordset(null::requests, $1::json)
    ON CONFLICT (id) DO NOTHING
    RETURNING *
  ), daily AS (
    INSERT INTO usage_daily (day, key_id, model, requests, errors, ${SUMMED.join(", ")})
    SELECT (to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC')::date, coalesce(key_id, ''),
      coalesce(model_called, ''), count(*), count(*) FILTER (WHERE status >= 400),
      ${SUMMED.map((c) => `coalesce(sum(${c}) FILTER (WHERE status < 400), 0)`).join(", ")}
    FROM added GROUP BY 1, 2, 3
    ON CONFLICT (day, key_id, model) DO UPDATE SET
      requests = usage_daily.requests + excluded.requests,
      errors = usage_daily.errors + excluded.errors,
      ${SUMMED.map((c) => `${c} = usage_daily.${c} + excluded.${c}`).join(",\n      ")}
  )
  INSERT INTO usage_hourly (${[...HOURLY_KEY, ...HOURLY_SUMS].join(", ")})
  SELECT ${HOURLY_KEY.join(", ")}, ${HOURLY_SUMS.map((c) => `sum(${c})`).join(", ")}
  FROM ${SHARES} WHERE s.id IN (SELECT id FROM added)
  GROUP BY ${HOURLY_KEY.join(", ")}
  ON CONFLICT (${HOURLY_KEY.join(", ")}) DO UPDATE SET
    ${HOURLY_SUMS.map((c) => `${c} = usage_hourly.${c} + excluded.${c}`).join(",\n    ")}`;

/** PostgreSQL text holds no NUL character; an upstream's message may (U+FFFD stands in). */
function text(value: string | null): string | null {
  return value === null ? null : value.replaceAll("\u0000", "\uFFFD");
}

/** The row as the database's JSON record (column names; JSON columns as values). */
function record(r: RequestLogRow): Record<string, unknown> {
  return {
    id: r.id,
    ts: r.ts,
    door: r.door,
    key_id: r.keyId,
    model_requested: text(r.modelRequested),
    model_called: text(r.modelCalled),
    provider: r.provider,
    status: r.status,
    stream: r.stream,
    tokens_before: r.tokensBefore,
    tokens_after: r.tokensAfter,
    upstream_input_tokens: r.upstreamInputTokens,
    upstream_output_tokens: r.upstreamOutputTokens,
    cost_before_usd: r.costBeforeUsd,
    cost_after_usd: r.costAfterUsd,
    cost_saved_usd: r.costSavedUsd,
    optimizations: r.optimizations,
    cache: r.cache,
    estimated: r.estimated,
    latency_ms: r.latencyMs,
    outcome: r.outcome,
    error: text(r.error),
    upstream_request_id: text(r.upstreamRequestId),
    content: text(r.content),
    attempts: text(r.attempts ?? null),
    savings: r.savings ? JSON.parse(r.savings) : null,
    upstream_ms: r.upstreamMs ?? null,
    first_token_ms: r.firstTokenMs ?? null,
    cached_input_tokens: r.cachedInputTokens ?? null,
    cache_write_tokens: r.cacheWriteTokens ?? null,
    passthrough_reason: text(r.passthroughReason ?? null),
    images: text(r.images ?? null),
    task: r.task ?? null,
    spent_usd: spent(r),
  };
}

/** Per channel: a JSON text value read as a number. */
const CHANNEL_FIGURES = channelFigures("s.value::float8");

/** How each `group_by` is read from the log (PostgreSQL's JSON functions). */
const GROUPINGS: Record<NonNullable<UsageQuery["groupBy"]>, { key: string; from: string }> = {
  model: { key: "r.model_called", from: "requests r" },
  key: { key: "r.key_id", from: "requests r" },
  optimization: {
    key: "o.value",
    from: "requests r, jsonb_array_elements_text(r.optimizations) o(value)",
  },
  channel: {
    key: "s.key",
    from: "requests r, jsonb_each_text(coalesce(r.savings, '{}'::jsonb)) s(key, value)",
  },
};

/**
 * Writes rows and adds the new ones to the aggregates (all or none). A batch naming an id twice
 * keeps the first, as the database does, so its shares count once.
 */
export async function insertRows(sql: Sql, rows: readonly RequestLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const seen = new Set<string>();
  const unique = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
  const shares = unique.flatMap((r) => hourlyShares(r).map((share) => ({ id: r.id, ...share })));
  await sql.unsafe(INSERT, [
    sql.json(unique.map(record) as postgres.JSONValue),
    sql.json(shares as postgres.JSONValue),
  ]);
}

/** Totals and groups over the log, as `/v1/usage` reports them. */
export async function usageReport(sql: Sql, query: UsageQuery): Promise<UsageReport> {
  const { filter, params } = usageFilter(query, (n) => `$${n}`);
  const [totals] = await sql.unsafe(`SELECT ${FIGURES} FROM requests r ${filter}`, params);
  const report: UsageReport = {
    from: query.from?.toISOString() ?? null,
    to: query.to?.toISOString() ?? null,
    totals: figures(totals),
  };
  if (!query.groupBy) return report;
  const g = GROUPINGS[query.groupBy];
  const figuresOf = query.groupBy === "channel" ? CHANNEL_FIGURES : FIGURES;
  const rows = await sql.unsafe(
    `SELECT ${g.key} AS key, ${figuresOf} FROM ${g.from} ${filter}
     GROUP BY ${g.key} ORDER BY cost_saved_usd DESC, key NULLS FIRST`,
    params,
  );
  report.group_by = query.groupBy;
  report.groups = rows.map((row) => ({ key: row.key ?? null, ...figures(row) }));
  return report;
}

/** The dashboard's Overview, from the hourly aggregate. */
export async function readOverview(sql: Sql, query: OverviewQuery): Promise<OverviewReport> {
  const statement = overviewStatement(overviewRange(query), (n) => `$${n}`);
  return overviewReport(query, await sql.unsafe(statement.sql, statement.params));
}

/** A page of the log, newest first. */
export async function readRequests(sql: Sql, filter: RequestsFilter): Promise<RequestsPage> {
  const { sql: text, params } = requestsSql(filter, (n) => `$${n}`);
  const rows = await sql.unsafe(text, params);
  return requestsPage(rows.map(rowFrom), filter.limit);
}

/** The row with this id. */
export async function rowById(sql: Sql, id: string): Promise<RequestLogRow | undefined> {
  const [row] = await sql`SELECT * FROM requests WHERE id = ${id}`;
  return row ? rowFrom(row) : undefined;
}

/** USD a key spent (answered requests) from `since` (ms), from the daily aggregates. */
export async function spentSince(sql: Sql, keyId: string, since: number): Promise<number> {
  const [row] = await sql`SELECT coalesce(sum(spent_usd), 0) AS usd FROM usage_daily
    WHERE key_id = ${keyId} AND day >= (to_timestamp(${since / 1000}) AT TIME ZONE 'UTC')::date`;
  return Number(row.usd);
}

/** The median output tokens of the tenant's last answered requests of `task` (routing). */
export async function medianOutputTokens(
  sql: Sql,
  keyId: string | null,
  task: string,
): Promise<number | undefined> {
  const rows = await sql`SELECT upstream_output_tokens AS n FROM requests
    WHERE key_id IS NOT DISTINCT FROM ${keyId} AND task = ${task} AND status < 400
      AND upstream_output_tokens IS NOT NULL
    ORDER BY ts DESC LIMIT ${OUTPUT_HISTORY_ROWS}`;
  return median(rows.map((r) => Number(r.n)));
}

/** Deletes rows older than `days`; resolves to how many (the aggregates are kept). */
export async function deleteOlderThan(sql: Sql, days: number, now = Date.now()): Promise<number> {
  const result = await sql`DELETE FROM requests WHERE ts < ${now - days * 86_400_000}`;
  return result.count;
}
