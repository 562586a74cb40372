/**
 * (i) Dashboard reads on an embedded SQLite log of 1,000,000 requests spread over 30 days: the
 * Overview (from the hourly aggregate written with the log) over 24 h, 7 d and 30 d, and the
 * Requests page's first page (from the log's indexes) with and without filters, plus a page deep
 * in a cursor walk.
 *
 * Method: rows are made as squint logs them (five keys, each with its door and models; cache hits,
 * dedups and bypasses; 429/5xx answers; savings split by channel; per-image decisions on a third
 * of them), in time order, and written through `SqliteLog.insert` in batches of 5,000 (each batch
 * one transaction that also adds to the aggregate, as the log worker writes). Each read runs once
 * to warm the page cache, then 7 times: the median and the slowest are reported, in-process
 * (`SqliteLog`, the database's own time) and through `EmbeddedStorage` (what the dashboard waits
 * for: the log worker's round trip included).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { requestId } from "../src/accounting/request_id.ts";
import { EmbeddedStorage } from "../src/storage/embedded.ts";
import { SqliteLog } from "../src/storage/sqlite_log.ts";
import type { OverviewQuery, RequestLogRow, RequestsQuery } from "../src/storage/types.ts";
import { prng } from "../tests/support/prng.ts";
import { fixed, table } from "./table.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BATCH = 5_000;
const RUNS = 7;

/** A model a key uses: asked for, called, and $/Mtok in and out (`before`: the one asked for). */
interface Model {
  asked: string;
  called: string;
  price: [number, number];
  /** Routed: what the model asked for would have cost. */
  before?: [number, number];
}

/** Who sends what: a key, its door, its models and its share of the traffic. */
const KEYS: { key: string; door: string; provider: string; share: number; models: Model[] }[] = [
  {
    key: "key_3f9a1c22d0e4b7a1",
    door: "chat_completions",
    provider: "openai",
    share: 0.35,
    models: [
      { asked: "gpt-4o", called: "gpt-4o-2024-08-06", price: [2.5, 10] },
      { asked: "gpt-4o-mini", called: "gpt-4o-mini", price: [0.15, 0.6] },
    ],
  },
  {
    key: "key_81d04e6b5c2a9f37",
    door: "messages",
    provider: "anthropic",
    share: 0.3,
    models: [
      { asked: "claude-sonnet-4-6", called: "claude-sonnet-4-6", price: [3, 15] },
      { asked: "claude-haiku-4-5", called: "claude-haiku-4-5", price: [1, 5] },
    ],
  },
  {
    key: "key_c7e2904b16fa3d58",
    door: "responses",
    provider: "openai",
    share: 0.15,
    models: [{ asked: "gpt-4.1-mini", called: "gpt-4.1-mini-2025-04-14", price: [0.4, 1.6] }],
  },
  {
    key: "key_5b6d1f08e93ac427",
    door: "chat_completions",
    provider: "openai",
    share: 0.15,
    models: [{ asked: "gpt-4o", called: "gpt-4o-mini", price: [0.15, 0.6], before: [2.5, 10] }],
  },
  {
    key: "key_e40a7c9d2b18f6e5",
    door: "gemini",
    provider: "gemini",
    share: 0.05,
    models: [{ asked: "gemini-2.5-flash", called: "gemini-2.5-flash", price: [0.3, 2.5] }],
  },
];

const usd = (x: number) => Math.round(x * 1e10) / 1e10;

/** `count` rows from `start` over `spanMs`, in time order. */
function* requests(count: number, start: number, spanMs: number): Generator<RequestLogRow> {
  const random = prng(16);
  for (let i = 0; i < count; i++) {
    const ts = start + Math.floor((i + random()) * spanMs / count);
    let pick = random();
    const k = KEYS.find((k) => (pick -= k.share) < 0) ?? KEYS[0];
    const m = k.models[Math.floor(random() * k.models.length)];
    const s = random();
    const status = s < 0.973 ? 200 : s < 0.985 ? 429 : s < 0.993 ? 502 : s < 0.998 ? 400 : 500;
    const own = status === 400 || (status === 429 && i % 2 === 0);
    const c = random();
    const cache = own
      ? "bypass"
      : c < 0.75
      ? "miss"
      : c < 0.87
      ? "bypass"
      : c < 0.96
      ? "hit"
      : "dedup";
    const served = cache === "hit" || cache === "dedup";
    const pictured = cache === "miss" && random() < 0.4;
    const before = 300 + Math.floor(random() * (pictured ? 6000 : 2500));
    const after = pictured ? Math.round(before * (0.25 + 0.5 * random())) : before;
    const output = 30 + Math.floor(random() * 400);
    const cost = ([input, out]: [number, number], tokens: number) =>
      usd((tokens * input + output * out) / 1e6);
    const costBefore = cost(m.before ?? m.price, before);
    const costAfter = served ? 0 : cost(m.price, after);
    const saved = usd(costBefore - costAfter);
    const savings: Record<string, number> = served
      ? { [cache === "hit" ? "cache" : "dedup"]: saved }
      : m.before
      ? { routing: saved }
      : pictured
      ? { images: saved }
      : {};
    yield {
      id: requestId(ts),
      ts,
      door: k.door,
      keyId: own && status === 400 ? null : k.key,
      modelRequested: m.asked,
      modelCalled: own ? null : m.called,
      provider: k.provider,
      status,
      stream: i % 3 === 0,
      tokensBefore: own ? 0 : before,
      tokensAfter: own ? 0 : after,
      upstreamInputTokens: own ? null : served ? 0 : after,
      upstreamOutputTokens: own ? null : served ? 0 : output,
      costBeforeUsd: own ? null : costBefore,
      costAfterUsd: own ? null : costAfter,
      costSavedUsd: own ? null : saved,
      optimizations: pictured ? ["image_resize", "detail_low"] : [],
      cache,
      estimated: false,
      latencyMs: served ? 2 + random() * 5 : 300 + random() * 4000,
      outcome: status >= 400 ? own ? "error" : "upstream_error" : "complete",
      error: status >= 400 ? `upstream answered ${status}` : null,
      upstreamRequestId: own || served ? null : `req_${i.toString(36)}`,
      content: null,
      attempts: null,
      savings: own ? null : JSON.stringify(savings),
      upstreamMs: own || served ? null : 250 + Math.floor(random() * 3800),
      firstTokenMs: i % 3 === 0 && !own ? 180 + Math.floor(random() * 600) : null,
      cachedInputTokens: k.door === "messages" && !own ? Math.floor(random() * 2) * 1024 : null,
      cacheWriteTokens: null,
      passthroughReason: null,
      images: pictured
        ? JSON.stringify([{
          path: "/messages/0/content/1/image_url/url",
          action: "resized",
          reasons: ["larger than the model's tile grid"],
          before: { width: 4032, height: 3024, bytes: 2_811_392, format: "jpeg", tokens: before },
          after: { width: 1536, height: 1152, bytes: 301_118, format: "jpeg", tokens: after },
        }])
        : null,
    };
  }
}

/** Median and slowest of `RUNS` timed runs after one warm-up, ms. */
async function timed(read: () => unknown): Promise<{ medianMs: number; maxMs: number }> {
  await read();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await read();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(RUNS / 2)], maxMs: times[RUNS - 1] };
}

/** Runs section i; `rows` is the log's size. */
export async function runDashboardOverview(rows = 1_000_000) {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-bench-dashboard-" });
  try {
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    const start = end - 30 * DAY;
    const log = new SqliteLog({ dataDir, retentionDays: 36500 });
    const filling = performance.now();
    let batch: RequestLogRow[] = [];
    for (const row of requests(rows, start, 30 * DAY)) {
      batch.push(row);
      if (batch.length === BATCH) {
        log.insert(batch);
        batch = [];
      }
    }
    log.insert(batch);
    const fillS = (performance.now() - filling) / 1000;
    const db = new DatabaseSync(`${dataDir}/squint.db`, { readOnly: true });
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    const aggregateRows = count("SELECT count(*) AS n FROM usage_hourly");
    db.close();
    const bytes = (await Deno.stat(`${dataDir}/squint.db`)).size;

    const storage = new EmbeddedStorage({ dataDir, retentionDays: 36500 });
    let deep: string | undefined;
    for (let page = 0; page < 20; page++) deep = log.requests({ cursor: deep }).next;
    const since = (ms: number) => new Date(end - ms);
    const overviews: [string, OverviewQuery][] = [
      ["overview 24 h, by hour", { from: since(DAY), to: new Date(end), bucket: "hour" }],
      ["overview 7 d, by hour", { from: since(7 * DAY), to: new Date(end), bucket: "hour" }],
      ["overview 7 d, by day", { from: since(7 * DAY), to: new Date(end), bucket: "day" }],
      ["overview 30 d, by day", { from: since(30 * DAY), to: new Date(end), bucket: "day" }],
      ["overview 30 d, one key", {
        from: since(30 * DAY),
        to: new Date(end),
        bucket: "day",
        keyId: KEYS[2].key,
      }],
    ];
    const pages: [string, RequestsQuery][] = [
      ["requests page 1, no filter", {}],
      ["requests page 1, door=messages", { door: "messages" }],
      ["requests page 1, model=gpt-4o", { model: "gpt-4o" }],
      ["requests page 1, key (5% of rows)", { keyId: KEYS[4].key }],
      ["requests page 1, status=5xx (1%)", { status: "5xx" }],
      ["requests page 1, cache=hit", { cache: "hit" }],
      ["requests page 1, last 24 h, 2xx, door", {
        from: since(DAY),
        status: "2xx",
        door: "responses",
      }],
      ["requests page 21 (cursor)", { cursor: deep }],
      ["requests page 1, limit=1000", { limit: 1000 }],
    ];
    type Timing = Awaited<ReturnType<typeof timed>>;
    const cases: { name: string; sqlite: Timing; worker: Timing }[] = [];
    for (const [name, query] of overviews) {
      const sqlite = await timed(() => log.overview(query));
      const worker = await timed(() => storage.overview(query));
      cases.push({ name, sqlite, worker });
    }
    for (const [name, query] of pages) {
      const sqlite = await timed(() => log.requests(query));
      const worker = await timed(() => storage.requests(query));
      cases.push({ name, sqlite, worker });
    }
    await storage.close();
    log.close();

    const results = {
      rows,
      days: 30,
      fillSeconds: fillS,
      insertRowsPerSecond: rows / fillS,
      databaseBytes: bytes,
      aggregateRows,
      runs: RUNS,
      cases,
    };
    const text = [
      `${rows.toLocaleString("en")} rows over 30 days written in ${fixed(fillS, 1)} s ` +
      `(${Math.round(rows / fillS).toLocaleString("en")} rows/s with the aggregate, batches of ` +
      `${BATCH}); squint.db ${fixed(bytes / 1e6, 0)} MB; usage_hourly ${aggregateRows} rows.`,
      "",
      table(
        ["read", "sqlite median ms", "sqlite max ms", "via log worker median ms", "max ms"],
        cases.map((c) => [
          c.name,
          fixed(c.sqlite.medianMs, 2),
          fixed(c.sqlite.maxMs, 2),
          fixed(c.worker.medianMs, 2),
          fixed(c.worker.maxMs, 2),
        ]),
      ),
    ].join("\n");
    const of = (name: string) => cases.find((c) => c.name === name)!.worker.medianMs;
    const headline = [
      `(i) dashboard on ${rows.toLocaleString("en")} rows: overview 30 d ${
        fixed(of("overview 30 d, by day"), 1)
      } ms, requests first page ${fixed(of("requests page 1, no filter"), 1)} ms ` +
      `(via the log worker, median)`,
    ];
    return { text, results, headline };
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
