/**
 * The hourly usage aggregate (`usage_hourly`), which the dashboard's Overview reads so its charts
 * never scan the log. Each store adds a batch's shares in the same transaction (SQLite) or
 * statement (PostgreSQL) that writes the batch's rows, and only for the rows that write inserted:
 * a row written twice (a spill replayed) counts once.
 *
 * Keyed by (hour, key_id, model, door, cache, channel): `hour` is the start of the UTC hour (ms
 * since the epoch); `model` is the model called, else the model asked for; a missing key or model
 * is ''. Channel '' holds the requests' totals as `/v1/usage` sums them (an error counts in
 * `requests` and `errors`, never in the figures); a channel's row (`images`, `cache`…) holds only
 * the requests naming it in their `savings` and the USD it saved there, every other figure 0.
 * So summing channel '' gives the totals, and summing a channel gives what
 * `/v1/usage?group_by=channel` says of it.
 *
 * The aggregate is kept when the log's retention deletes rows: the Overview reaches further back
 * than the Requests page.
 */
import { doorGroup } from "./door_group.ts";
import { GatewayError } from "../errors.ts";
import { type OverviewQuery, type OverviewReport, type RequestLogRow, spent } from "./types.ts";
import { usd } from "../usd.ts";

/** An hour, the aggregate's grain. */
export const HOUR_MS = 3_600_000;
const BUCKET_MS: Record<OverviewQuery["bucket"], number> = { hour: HOUR_MS, day: 86_400_000 };

/** The aggregate's key columns, in primary-key order. */
export const HOURLY_KEY = ["hour", "key_id", "model", "door", "cache", "channel"] as const;
/** The aggregate's summed columns. */
export const HOURLY_SUMS = [
  "requests",
  "errors",
  "tokens_before",
  "tokens_after",
  "upstream_input_tokens",
  "upstream_output_tokens",
  "cost_before_usd",
  "cost_after_usd",
  "cost_saved_usd",
  "spent_usd",
] as const;

/** What one row adds to one aggregate row. */
export type HourlyShare =
  & { hour: number; key_id: string; model: string; door: string; cache: string; channel: string }
  & Record<typeof HOURLY_SUMS[number], number>;

const NOTHING = Object.fromEntries(HOURLY_SUMS.map((c) => [c, 0])) as Record<
  typeof HOURLY_SUMS[number],
  number
>;

/** The row's USD saved per channel, numbers only (a malformed `savings` saves nothing). */
function channels(savings: string | null | undefined): [string, number][] {
  if (!savings) return [];
  try {
    const parsed = JSON.parse(savings);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return [];
    return Object.entries(parsed).filter((e): e is [string, number] =>
      e[0] !== "" && typeof e[1] === "number" && Number.isFinite(e[1])
    );
  } catch {
    return [];
  }
}

/** What `row` adds to the aggregate: its totals under channel '', and a share per channel. */
export function hourlyShares(row: RequestLogRow): HourlyShare[] {
  const answered = row.status < 400;
  const credit = (x: number | null) => (answered && x !== null ? x : 0);
  const key = {
    hour: Math.floor(row.ts / HOUR_MS) * HOUR_MS,
    key_id: row.keyId ?? "",
    model: row.modelCalled ?? row.modelRequested ?? "",
    door: doorGroup(row.door),
    cache: row.cache,
  };
  const totals: HourlyShare = {
    ...key,
    channel: "",
    requests: 1,
    errors: answered ? 0 : 1,
    tokens_before: credit(row.tokensBefore),
    tokens_after: credit(row.tokensAfter),
    upstream_input_tokens: credit(row.upstreamInputTokens),
    upstream_output_tokens: credit(row.upstreamOutputTokens),
    cost_before_usd: credit(row.costBeforeUsd),
    cost_after_usd: credit(row.costAfterUsd),
    cost_saved_usd: credit(row.costSavedUsd),
    spent_usd: credit(spent(row)),
  };
  return [
    totals,
    ...channels(row.savings).map(([channel, saved]) => ({
      ...key,
      channel,
      ...NOTHING,
      requests: 1,
      cost_saved_usd: credit(saved),
    })),
  ];
}

/** Shares summed by aggregate key: one upsert per aggregate row a batch touches. */
export function sumShares(shares: Iterable<HourlyShare>): HourlyShare[] {
  const sums = new Map<string, HourlyShare>();
  for (const share of shares) {
    const id = JSON.stringify(HOURLY_KEY.map((c) => share[c]));
    const sum = sums.get(id);
    if (!sum) sums.set(id, { ...share });
    else for (const c of HOURLY_SUMS) sum[c] += share[c];
  }
  return [...sums.values()];
}

/** The upsert adding one share, its values in column order (SQLite's; PostgreSQL sums in SQL). */
export function hourlyUpsert(placeholder: (n: number) => string): string {
  const columns = [...HOURLY_KEY, ...HOURLY_SUMS];
  return `INSERT INTO usage_hourly (${columns.join(", ")})
    VALUES (${columns.map((_, i) => placeholder(i + 1)).join(", ")})
    ON CONFLICT (${HOURLY_KEY.join(", ")}) DO UPDATE SET
    ${HOURLY_SUMS.map((c) => `${c} = usage_hourly.${c} + excluded.${c}`).join(", ")}`;
}

/** A share's values in column order (as `hourlyUpsert` binds them). */
export function shareValues(share: HourlyShare): (string | number)[] {
  return [...HOURLY_KEY.map((c) => share[c]), ...HOURLY_SUMS.map((c) => share[c])];
}

/** The Overview's range and bucket as the statements read them. */
export interface OverviewRange {
  /** First hour counted: `from` rounded down to its hour. */
  from: number;
  /** Hours starting before it are counted. */
  to: number;
  bucketMs: number;
  keyId?: string;
}

/** The range of an Overview query; a 400 naming the parameter no query can answer. */
export function overviewRange(query: OverviewQuery): OverviewRange {
  const bad = (param: string) =>
    new GatewayError(400, `overview: invalid ${param}`, "invalid_request_error", null, param);
  const from = query.from?.getTime?.();
  const to = query.to?.getTime?.();
  if (from === undefined || !Number.isFinite(from)) throw bad("from");
  if (to === undefined || !Number.isFinite(to)) throw bad("to");
  if (!Object.hasOwn(BUCKET_MS, query.bucket)) throw bad("bucket");
  const bucketMs = BUCKET_MS[query.bucket];
  return {
    from: Math.floor(from / HOUR_MS) * HOUR_MS,
    to,
    bucketMs,
    keyId: query.keyId || undefined,
  };
}

/**
 * The Overview's one statement: the aggregate in the range summed by bucket (an hour, or a UTC
 * day), channel and model, read once for totals, series and models alike (one scan, one
 * snapshot). `placeholder(n)` writes the n-th (1-based) parameter.
 */
export function overviewStatement(
  range: OverviewRange,
  placeholder: (n: number) => string,
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [range.from, range.to, range.bucketMs];
  let where = `h.hour >= ${placeholder(1)} AND h.hour < ${placeholder(2)}`;
  if (range.keyId !== undefined) {
    where += ` AND h.key_id = ${placeholder(params.push(range.keyId))}`;
  }
  return {
    // `%` keeps integers in SQLite, whose bound numbers are reals.
    sql: `SELECT h.hour - h.hour % ${placeholder(3)} AS t, h.channel AS channel, h.model AS model,
      ${HOURLY_SUMS.map((c) => `sum(h.${c}) AS ${c}`).join(", ")}
      FROM usage_hourly h WHERE ${where} GROUP BY 1, 2, 3`,
    params,
  };
}

/** The figures each bucket of the series carries. */
const SERIES_SUMS = [
  "requests",
  "errors",
  "cost_before_usd",
  "cost_after_usd",
  "cost_saved_usd",
] as const;

/** The Overview from its statement's rows. */
export function overviewReport(
  query: OverviewQuery,
  rows: readonly Record<string, unknown>[],
): OverviewReport {
  const totals = { ...NOTHING };
  const buckets = new Map<number, OverviewReport["series"][number]>();
  const models = new Map<string, OverviewReport["top_models"][number]>();
  for (const row of rows) {
    const n = (c: string) => Number(row[c]);
    const t = n("t");
    let bucket = buckets.get(t);
    if (!bucket) {
      bucket = {
        t: new Date(t).toISOString(),
        requests: 0,
        errors: 0,
        cost_before_usd: 0,
        cost_after_usd: 0,
        cost_saved_usd: 0,
        saved_by_channel: {},
      };
      buckets.set(t, bucket);
    }
    if (row.channel !== "") {
      const channel = String(row.channel);
      bucket.saved_by_channel[channel] = (bucket.saved_by_channel[channel] ?? 0) +
        n("cost_saved_usd");
      continue;
    }
    for (const c of HOURLY_SUMS) totals[c] += n(c);
    for (const c of SERIES_SUMS) bucket[c] += n(c);
    const model = String(row.model);
    const m = models.get(model) ??
      { model, requests: 0, cost_after_usd: 0, cost_saved_usd: 0 };
    m.requests += n("requests");
    m.cost_after_usd += n("cost_after_usd");
    m.cost_saved_usd += n("cost_saved_usd");
    models.set(model, m);
  }
  const cost = (c: "cost_before_usd" | "cost_after_usd" | "cost_saved_usd" | "spent_usd") =>
    usd(totals[c]);
  const series = [...buckets.values()].filter((b) => b.requests > 0).sort((a, b) =>
    a.t < b.t ? -1 : 1
  );
  for (const b of series) {
    b.cost_before_usd = usd(b.cost_before_usd);
    b.cost_after_usd = usd(b.cost_after_usd);
    b.cost_saved_usd = usd(b.cost_saved_usd);
    for (const c in b.saved_by_channel) b.saved_by_channel[c] = usd(b.saved_by_channel[c]);
  }
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    bucket: query.bucket,
    totals: {
      requests: totals.requests,
      errors: totals.errors,
      tokens_before: totals.tokens_before,
      tokens_after: totals.tokens_after,
      tokens_saved: totals.tokens_before - totals.tokens_after,
      upstream_input_tokens: totals.upstream_input_tokens,
      upstream_output_tokens: totals.upstream_output_tokens,
      cost_before_usd: cost("cost_before_usd"),
      cost_after_usd: cost("cost_after_usd"),
      cost_saved_usd: cost("cost_saved_usd"),
      spent_usd: cost("spent_usd"),
      saved_pct: totals.cost_before_usd > 0
        ? Math.round(totals.cost_saved_usd / totals.cost_before_usd * 1e4) / 100
        : 0,
    },
    series,
    top_models: [...models.values()]
      .sort((a, b) => b.requests - a.requests || (a.model < b.model ? -1 : 1))
      .slice(0, 10)
      .map((m) => ({
        ...m,
        cost_after_usd: usd(m.cost_after_usd),
        cost_saved_usd: usd(m.cost_saved_usd),
      })),
  };
}
