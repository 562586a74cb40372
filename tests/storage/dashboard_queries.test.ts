/**
 * The dashboard's reads of the log, over both stores (embedded SQLite in a temp folder; production
 * on the real PostgreSQL, a database of each test's own): the new per-request columns round-trip,
 * the hourly aggregate written with the log equals the log (channels and errors included), the
 * Overview's totals equal `/v1/usage` for the same hours, a replayed spill counts once, and the
 * Requests page filters and walks its pages newest first.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { GatewayError } from "../../src/errors.ts";
import { EmbeddedStorage } from "../../src/storage/embedded.ts";
import { migrate, MIGRATIONS } from "../../src/storage/migrations.ts";
import { PG_MIGRATIONS } from "../../src/storage/pg_migrations.ts";
import { ProductionStorage } from "../../src/storage/production.ts";
import { cursorAfter, requestsFilter, requestsSql } from "../../src/storage/request_pages.ts";
import type { RequestLogRow, RequestsQuery, Storage } from "../../src/storage/types.ts";
import { prng } from "../support/prng.ts";
import { freshDatabase, productionServices, redisPrefix } from "../support/services.ts";

const services = await productionServices();
const HOUR = 3_600_000;
/** 2026-11-20T00:00Z: every fixture row falls in the 30 hours from it. */
const H0 = Date.UTC(2026, 10, 20);

type Row = Record<string, unknown>;

/** An open store, the aggregate as its database holds it, and the SQL to seed an old schema. */
interface Opened<S extends Storage = Storage> {
  storage: S;
  /** `usage_hourly`, ordered by its key, numbers as numbers (USD to 1e-10). */
  aggregate(): Promise<unknown[][]>;
  [Symbol.asyncDispose](): Promise<void>;
}

const AGGREGATE_COLUMNS = [
  "hour",
  "key_id",
  "model",
  "door",
  "cache",
  "channel",
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
];
const AGGREGATE = `SELECT ${AGGREGATE_COLUMNS.join(", ")} FROM usage_hourly
  ORDER BY hour, key_id, model, door, cache, channel`;

function aggregateRows(rows: Row[]): unknown[][] {
  return rows.map((r) =>
    AGGREGATE_COLUMNS.map((c, i) =>
      i >= 1 && i <= 5 ? r[c] : Math.round(Number(r[c]) * 1e10) / 1e10
    )
  );
}

async function openEmbedded(dataDir?: string): Promise<Opened<EmbeddedStorage>> {
  const dir = dataDir ?? await Deno.makeTempDir();
  const storage = new EmbeddedStorage({ dataDir: dir, retentionDays: 36500 });
  return {
    storage,
    async aggregate() {
      await storage.flush();
      const db = new DatabaseSync(`${dir}/squint.db`, { readOnly: true });
      try {
        return aggregateRows(db.prepare(AGGREGATE).all() as Row[]);
      } finally {
        db.close();
      }
    },
    async [Symbol.asyncDispose]() {
      await storage.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A production store on `databaseUrl` (a fresh database unless given), spill in `dataDir`. */
async function openProduction(
  given?: { databaseUrl: string; dataDir?: string },
): Promise<Opened<ProductionStorage>> {
  const db = given ? undefined : await freshDatabase(services.postgresUrl);
  const databaseUrl = given?.databaseUrl ?? db!.url;
  const redis = await redisPrefix(services.redisUrl);
  const dataDir = given?.dataDir ?? await Deno.makeTempDir();
  const storage = await ProductionStorage.open({
    databaseUrl,
    redisUrl: services.redisUrl,
    redisPrefix: redis.prefix,
    dataDir,
    retentionDays: 36500,
    nearEntries: 10,
    flushIntervalMs: 3_600_000,
  });
  return {
    storage,
    async aggregate() {
      await storage.flush();
      return aggregateRows(await storage.sql.unsafe(AGGREGATE));
    },
    async [Symbol.asyncDispose]() {
      await storage.close();
      await Deno.remove(dataDir, { recursive: true });
      await redis.clear();
      await db?.drop();
    },
  };
}

const STORES = [
  { name: "embedded", ignore: false, open: () => openEmbedded() },
  { name: "production", ignore: services.ignore, open: () => openProduction() },
];

/** A request the relay logged, answered and optimized; `over` changes what the test needs. */
function row(id: string, over: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id,
    ts: H0 + 10 * HOUR + 5 * 60_000,
    door: "chat_completions",
    keyId: "key_0011223344556677",
    modelRequested: "gpt-4o",
    modelCalled: "gpt-4o-2024-08-06",
    provider: "openai",
    status: 200,
    stream: false,
    tokensBefore: 1000,
    tokensAfter: 400,
    upstreamInputTokens: 410,
    upstreamOutputTokens: 20,
    costBeforeUsd: 0.0027,
    costAfterUsd: 0.0012,
    costSavedUsd: 0.0015,
    optimizations: ["image_resize", "ocr"],
    cache: "miss",
    estimated: false,
    latencyMs: 812.5,
    outcome: "complete",
    error: null,
    upstreamRequestId: "chatcmpl-1",
    content: null,
    attempts: null,
    savings: JSON.stringify({ images: 0.001, ocr: 0.0005 }),
    ...over,
  };
}

/** Models, doors and prices as squint's traffic mixes them (one is a routed request). */
const PROFILES = [
  { door: "chat_completions", asked: "gpt-4o", called: "gpt-4o-2024-08-06", price: 2.5 },
  { door: "messages", asked: "claude-sonnet-4-6", called: "claude-sonnet-4-6", price: 3 },
  { door: "responses", asked: "gpt-4.1-mini", called: "gpt-4.1-mini-2025-04-14", price: 0.4 },
  { door: "chat_completions", asked: "gpt-4o", called: "gpt-4o-mini", price: 0.15 },
];
const usd = (x: number) => Math.round(x * 1e10) / 1e10;

/**
 * `count` requests over the 30 hours from H0: three keys (one request in ten without), four
 * doors/models, cache hits, dedups and bypasses, 429/502/400 answers (some squint's own, with no
 * model called), channel savings, and some requests sharing a millisecond.
 */
function traffic(count: number, seed = 16): RequestLogRow[] {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const rows: RequestLogRow[] = [];
  let ts = H0;
  for (let i = 0; i < count; i++) {
    if (i % 7 !== 3) ts = H0 + Math.floor(random() * 30 * HOUR);
    const p = pick(PROFILES);
    const s = random();
    const status = s < 0.82 ? 200 : s < 0.88 ? 429 : s < 0.94 ? 502 : 400;
    const own = status === 400 || (status === 429 && i % 2 === 0);
    const c = random();
    const cache = c < 0.6 ? "miss" : c < 0.75 ? "bypass" : c < 0.9 ? "hit" : "dedup";
    const before = 400 + Math.floor(random() * 6000);
    const served = cache === "hit" || cache === "dedup";
    const after = cache === "miss" ? Math.round(before * (0.3 + 0.7 * random())) : before;
    const costBefore = usd(before * p.price / 1e6);
    const costAfter = served ? 0 : usd(after * p.price / 1e6);
    const saved = usd(costBefore - costAfter);
    const routed = p.called === "gpt-4o-mini";
    const savings = served
      ? { [cache === "hit" ? "cache" : "dedup"]: saved }
      : cache === "bypass"
      ? {}
      : routed
      ? { routing: saved }
      : { images: usd(saved * 0.75), ocr: usd(saved - usd(saved * 0.75)) };
    rows.push(row(`sq-${String(i).padStart(5, "0")}`, {
      ts,
      door: p.door,
      keyId: i % 10 === 9 ? null : ["key_aaaa", "key_bbbb", "key_cccc"][i % 3],
      modelRequested: p.asked,
      modelCalled: own ? null : p.called,
      provider: p.door === "messages" ? "anthropic" : "openai",
      status,
      stream: i % 4 === 0,
      tokensBefore: own ? 0 : before,
      tokensAfter: own ? 0 : after,
      upstreamInputTokens: own ? null : served ? 0 : after,
      upstreamOutputTokens: own ? null : served ? 0 : 40 + (i % 200),
      costBeforeUsd: own ? null : costBefore,
      costAfterUsd: own ? null : costAfter,
      costSavedUsd: own ? null : saved,
      cache: own ? "bypass" : cache,
      outcome: status >= 400 ? own ? "error" : "upstream_error" : "complete",
      error: status >= 400 ? `status ${status}` : null,
      savings: own ? null : JSON.stringify(savings),
      upstreamMs: own || served ? null : 200 + (i % 900),
      firstTokenMs: i % 4 === 0 && !own ? 150 + (i % 300) : null,
    }));
  }
  return rows;
}

async function logAll(storage: Storage, rows: RequestLogRow[]): Promise<void> {
  for (const r of rows) storage.log(r);
  await storage.flush();
}

const newestFirst = (a: RequestLogRow, b: RequestLogRow) =>
  b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

for (const store of STORES) {
  Deno.test({
    name:
      `${store.name}: the dashboard's columns round-trip through request(id), and a row logged without them reads back null`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const full = row("sq-full", {
        stream: true,
        upstreamMs: 1840.25,
        firstTokenMs: 312.5,
        cachedInputTokens: 1024,
        cacheWriteTokens: 2048,
        passthroughReason: "x-squint-optimize: off",
        task: "simple_qa",
        spentUsd: 0.0031,
        images: JSON.stringify([{
          path: "/messages/0/content/1/image_url/url",
          action: "resized",
          reasons: ["larger than the model's tile grid"],
          intent: { label: "read_text", confidence: 0.93 },
          before: { width: 4032, height: 3024, bytes: 2_811_392, format: "jpeg", tokens: 1105 },
          after: { width: 2048, height: 1536, bytes: 402_118, format: "jpeg", tokens: 765 },
        }]),
      });
      const bare = row("sq-bare");
      await logAll(opened.storage, [full, bare]);
      const got = await opened.storage.request("sq-full");
      // PostgreSQL keeps `savings` as jsonb (its keys in its own order): compared as values.
      assert.deepEqual({ ...got, savings: JSON.parse(got!.savings!) }, {
        ...full,
        savings: JSON.parse(full.savings!),
      });
      const old = await opened.storage.request("sq-bare");
      assert.deepEqual(
        [old!.upstreamMs, old!.firstTokenMs, old!.cachedInputTokens, old!.cacheWriteTokens],
        [null, null, null, null],
      );
      assert.deepEqual([old!.passthroughReason, old!.images, old!.task], [null, null, null]);
      // A row without what it cost in all is counted at its input's cost.
      assert.equal(old!.spentUsd, bare.costAfterUsd);
    },
  });

  Deno.test({
    name:
      `${store.name}: passthrough rows aggregate as one door whatever their paths; each row keeps its path`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const door = (id: string) => `passthrough openai /v1/files/${id}`;
      const rows = ["file-a", "file-b", "file-c"].map((id, i) =>
        row(`sq-pass-${i}`, { ts: H0 + i * 1000, door: door(id), savings: "{}" })
      );
      await logAll(opened.storage, rows);
      const doors = (await opened.aggregate()).map((r) => r[AGGREGATE_COLUMNS.indexOf("door")]);
      assert.deepEqual(doors, ["passthrough"]);
      const requests = (await opened.aggregate())[0][AGGREGATE_COLUMNS.indexOf("requests")];
      assert.equal(requests, 3);
      assert.equal((await opened.storage.request("sq-pass-1"))!.door, door("file-b"));
    },
  });

  Deno.test({
    name:
      `${store.name}: routing's expected output is the median of the tenant's last answered requests of the task`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const key = "key_median_tenant";
      const of = (i: number, over: Partial<RequestLogRow>) =>
        row(`sq-median-${i}`, { keyId: key, task: "simple_qa", ts: H0 + i * 1000, ...over });
      await logAll(opened.storage, [
        of(1, { upstreamOutputTokens: 3 }),
        of(2, { upstreamOutputTokens: 9 }),
        of(3, { upstreamOutputTokens: 4 }),
        of(4, { upstreamOutputTokens: 900, status: 502 }), // an error is not an answer
        of(5, { upstreamOutputTokens: 700, task: "coding" }), // another task
        of(6, { upstreamOutputTokens: 800, keyId: "key_other" }), // another tenant
        of(7, { upstreamOutputTokens: null }), // no usage reported
      ]);
      assert.equal(await opened.storage.medianOutputTokens(key, "simple_qa"), 4);
      assert.equal(await opened.storage.medianOutputTokens(key, "coding"), 700);
      assert.equal(await opened.storage.medianOutputTokens(key, "math"), undefined);
      assert.equal(await opened.storage.medianOutputTokens(null, "simple_qa"), undefined);
    },
  });

  Deno.test({
    name:
      `${store.name}: the hourly aggregate holds each hour's totals under channel '' and each channel's saving, errors counted but not credited`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const h1 = H0 + 10 * HOUR;
      await logAll(opened.storage, [
        row("r1", { ts: h1 + 5 * 60_000 }),
        row("r2", {
          ts: h1 + 20 * 60_000,
          tokensBefore: 2000,
          tokensAfter: 2000,
          upstreamInputTokens: 2000,
          upstreamOutputTokens: 50,
          costBeforeUsd: 0.0055,
          costAfterUsd: 0.0055,
          costSavedUsd: 0,
          // The 50 output tokens at gpt-4o's $10 per million.
          spentUsd: 0.006,
          savings: "{}",
        }),
        // An upstream error: counted, its figures and saving not credited; no model called.
        row("r3", {
          ts: h1 + 30 * 60_000,
          modelCalled: null,
          status: 502,
          outcome: "upstream_error",
          error: "bad gateway",
          savings: JSON.stringify({ images: 0.0015 }),
        }),
        row("r4", {
          ts: h1 + 40 * 60_000,
          keyId: null,
          door: "messages",
          provider: "anthropic",
          modelRequested: "claude-sonnet-4-6",
          modelCalled: "claude-sonnet-4-6",
          cache: "hit",
          upstreamInputTokens: 0,
          upstreamOutputTokens: 0,
          costBeforeUsd: 0.003,
          costAfterUsd: 0,
          costSavedUsd: 0.003,
          savings: JSON.stringify({ cache: 0.003 }),
        }),
        row("r5", { ts: h1 + HOUR + 60_000, savings: JSON.stringify({ images: 0.0015 }) }),
      ]);
      const k = "key_0011223344556677";
      const g = "gpt-4o-2024-08-06";
      const c = "chat_completions";
      const h2 = h1 + HOUR;
      assert.deepEqual(await opened.aggregate(), [
        [
          h1,
          "",
          "claude-sonnet-4-6",
          "messages",
          "hit",
          "",
          1,
          0,
          1000,
          400,
          0,
          0,
          0.003,
          0,
          0.003,
          0,
        ],
        [h1, "", "claude-sonnet-4-6", "messages", "hit", "cache", 1, 0, 0, 0, 0, 0, 0, 0, 0.003, 0],
        [h1, k, "gpt-4o", c, "miss", "", 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [h1, k, "gpt-4o", c, "miss", "images", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [h1, k, g, c, "miss", "", 2, 0, 3000, 2400, 2410, 70, 0.0082, 0.0067, 0.0015, 0.0072],
        [h1, k, g, c, "miss", "images", 1, 0, 0, 0, 0, 0, 0, 0, 0.001, 0],
        [h1, k, g, c, "miss", "ocr", 1, 0, 0, 0, 0, 0, 0, 0, 0.0005, 0],
        [h2, k, g, c, "miss", "", 1, 0, 1000, 400, 410, 20, 0.0027, 0.0012, 0.0015, 0.0012],
        [h2, k, g, c, "miss", "images", 1, 0, 0, 0, 0, 0, 0, 0, 0.0015, 0],
      ]);
    },
  });

  Deno.test({
    name:
      `${store.name}: the Overview's totals, hourly and daily series and channels equal /v1/usage over the same hours`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const { storage } = opened;
      const rows = traffic(400);
      await logAll(storage, rows);
      const from = new Date(H0);
      const to = new Date(H0 + 30 * HOUR);
      const hourly = await storage.overview({ from, to, bucket: "hour" });
      const { saved_pct, ...totals } = hourly.totals;
      assert.deepEqual(totals, (await storage.usage({ from, to })).totals);
      assert.equal(totals.requests, 400);
      assert.ok(totals.errors > 0 && totals.cost_saved_usd > 0);
      assert.equal(
        saved_pct,
        Math.round(totals.cost_saved_usd / totals.cost_before_usd * 1e4) / 100,
      );
      assert.equal(hourly.series.length, 30);
      for (const bucket of hourly.series) {
        const hour = { from: new Date(bucket.t), to: new Date(Date.parse(bucket.t) + HOUR) };
        const usage = await storage.usage(hour);
        const { requests, errors, cost_before_usd, cost_after_usd, cost_saved_usd } = usage.totals;
        assert.deepEqual(
          [bucket.requests, bucket.errors, bucket.cost_before_usd, bucket.cost_after_usd],
          [requests, errors, cost_before_usd, cost_after_usd],
        );
        assert.equal(bucket.cost_saved_usd, cost_saved_usd);
        const channels = (await storage.usage({ ...hour, groupBy: "channel" })).groups!;
        assert.deepEqual(
          bucket.saved_by_channel,
          Object.fromEntries(channels.map((g) => [g.key, g.cost_saved_usd])),
        );
      }
      const daily = await storage.overview({ from, to, bucket: "day", keyId: "key_bbbb" });
      assert.deepEqual(daily.series.map((b) => b.t), [
        "2026-11-20T00:00:00.000Z",
        "2026-11-21T00:00:00.000Z",
      ]);
      const keyed = await storage.usage({ from, to, keyId: "key_bbbb" });
      assert.deepEqual(
        daily.series.map((b) => b.requests),
        [
          (await storage.usage({ from, to: new Date(H0 + 24 * HOUR), keyId: "key_bbbb" })).totals
            .requests,
          (await storage.usage({ from: new Date(H0 + 24 * HOUR), to, keyId: "key_bbbb" })).totals
            .requests,
        ],
      );
      const { saved_pct: _, ...keyTotals } = daily.totals;
      assert.deepEqual(keyTotals, keyed.totals);
      // Models by requests, the model asked for standing in where none was called.
      const counts = new Map<string, number>();
      for (const r of rows) {
        const model = r.modelCalled ?? r.modelRequested!;
        counts.set(model, (counts.get(model) ?? 0) + 1);
      }
      assert.deepEqual(
        hourly.top_models.map((m) => [m.model, m.requests]),
        [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
      );
      // An hour the range starts in counts whole; nothing before the range counts.
      const halfHour = await storage.overview({
        from: new Date(H0 + 30 * 60_000),
        to,
        bucket: "day",
      });
      assert.equal(halfHour.totals.requests, 400);
      const none = await storage.overview({
        from: new Date(H0 - 5 * HOUR),
        to: new Date(H0),
        bucket: "hour",
      });
      assert.deepEqual([none.totals.requests, none.series, none.top_models], [0, [], []]);
    },
  });

  Deno.test({
    name: `${store.name}: a row logged twice is counted once in the aggregate`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      await logAll(opened.storage, [row("twice")]);
      await logAll(opened.storage, [row("twice"), row("twice")]);
      const overview = await opened.storage.overview({
        from: new Date(H0),
        to: new Date(H0 + 24 * HOUR),
        bucket: "day",
      });
      assert.equal(overview.totals.requests, 1);
      assert.equal(overview.series[0].saved_by_channel.images, 0.001);
    },
  });

  Deno.test({
    name:
      `${store.name}: the Requests page filters by time, door, model asked or called, key, status class or number and cache`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const rows = traffic(300);
      await logAll(opened.storage, rows);
      const cases: [RequestsQuery, (r: RequestLogRow) => boolean][] = [
        [{}, () => true],
        [{ from: new Date(H0 + 6 * HOUR) }, (r) => r.ts >= H0 + 6 * HOUR],
        [{ to: new Date(H0 + 6 * HOUR) }, (r) => r.ts < H0 + 6 * HOUR],
        [{ door: "messages" }, (r) => r.door === "messages"],
        // Asked for by name, called as a dated snapshot: either matches.
        [{ model: "gpt-4o" }, (r) => r.modelRequested === "gpt-4o"],
        [{ model: "gpt-4o-mini" }, (r) => r.modelCalled === "gpt-4o-mini"],
        [{ keyId: "key_cccc" }, (r) => r.keyId === "key_cccc"],
        [{ status: "2xx" }, (r) => r.status < 300],
        [{ status: "4xx" }, (r) => r.status >= 400 && r.status < 500],
        [{ status: "5xx" }, (r) => r.status >= 500],
        [{ status: "429" }, (r) => r.status === 429],
        [{ cache: "hit" }, (r) => r.cache === "hit"],
        [
          { door: "chat_completions", status: "2xx", keyId: "key_aaaa", cache: "miss" },
          (r) =>
            r.door === "chat_completions" && r.status < 300 && r.keyId === "key_aaaa" &&
            r.cache === "miss",
        ],
      ];
      for (const [query, keep] of cases) {
        const page = await opened.storage.requests({ ...query, limit: 1000 });
        const expected = rows.filter(keep).sort(newestFirst).map((r) => r.id);
        assert.ok(expected.length > 0, JSON.stringify(query));
        assert.deepEqual(page.rows.map((r) => r.id), expected, JSON.stringify(query));
        assert.equal(page.next, undefined);
      }
      const first = await opened.storage.requests({});
      assert.equal(first.rows.length, 50);
      assert.ok(first.next);
      assert.deepEqual(first.rows[0], await opened.storage.request(first.rows[0].id));
    },
  });

  Deno.test({
    name:
      `${store.name}: walking the Requests pages by cursor yields every row once, newest first, even as new rows arrive`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const rows = traffic(230);
      await logAll(opened.storage, rows);
      const logged = [...rows];
      for (const query of [{}, { status: "2xx", door: "chat_completions" }]) {
        const expected = logged.filter((r) =>
          !("status" in query) || (r.status < 300 && r.door === "chat_completions")
        ).sort(newestFirst).map((r) => r.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await opened.storage.requests({ ...query, limit: 17, cursor });
          assert.ok(page.rows.length <= 17);
          seen.push(...page.rows.map((r) => r.id));
          cursor = page.next;
          // A request arriving meanwhile is newer than every page: it never shifts one.
          const arrived = row(`sq-new-${logged.length}`, { ts: H0 + 40 * HOUR });
          opened.storage.log(arrived);
          logged.push(arrived);
          pages++;
        } while (cursor);
        assert.deepEqual(seen, expected);
        assert.ok(pages > 3, `${pages} pages`);
      }
    },
  });

  Deno.test({
    name:
      `${store.name}: a Requests or Overview query no store can answer is a 400 naming the parameter`,
    ignore: store.ignore,
    async fn() {
      await using opened = await store.open();
      const refused = async (read: () => Promise<unknown>, param: string) => {
        const e = await read().then(() => undefined, (e) => e);
        assert.ok(e instanceof GatewayError, String(e));
        assert.deepEqual([e.status, e.param], [400, param]);
      };
      await refused(() => opened.storage.requests({ cursor: "not-a-cursor" }), "cursor");
      await refused(() => opened.storage.requests({ status: "2xxx" }), "status");
      await refused(() => opened.storage.requests({ from: new Date("soon") }), "from");
      await refused(
        () =>
          opened.storage.overview({
            from: new Date(H0),
            to: new Date(H0),
            bucket: "week" as "day",
          }),
        "bucket",
      );
    },
  });
}

Deno.test("a page is 50 rows unless asked, at most 1000, at least 1", () => {
  assert.equal(requestsFilter({}).limit, 50);
  assert.equal(requestsFilter({ limit: 5000 }).limit, 1000);
  assert.equal(requestsFilter({ limit: 0 }).limit, 1);
  assert.equal(requestsFilter({ limit: 20 }).limit, 20);
});

Deno.test("SQLite reads the newest-first page from the (ts, id) and (key_id, ts, id) indexes, never sorting the log", () => {
  const db = new DatabaseSync(":memory:");
  migrate(db);
  const plan = (query: RequestsQuery) => {
    const { sql, params } = requestsSql(requestsFilter(query), (n) => `?${n}`);
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Row[])
      .map((r) => r.detail).join("; ");
  };
  assert.match(plan({}), /USING INDEX requests_ts_id/);
  assert.doesNotMatch(plan({}), /TEMP B-TREE/);
  assert.match(
    plan({ cursor: cursorAfter(row("sq-00001")) }),
    /USING INDEX requests_ts_id \(\(ts,id\)<\(\?,\?\)\)/,
  );
  assert.match(plan({ keyId: "key_aaaa" }), /USING INDEX requests_key_ts_id \(key_id=\?\)/);
  assert.doesNotMatch(plan({ keyId: "key_aaaa" }), /TEMP B-TREE/);
  db.close();
});

/** A row's values under the columns a log before the dashboard migration had. */
function legacyRecord(r: RequestLogRow): Row {
  return {
    id: r.id,
    ts: r.ts,
    door: r.door,
    key_id: r.keyId,
    model_requested: r.modelRequested,
    model_called: r.modelCalled,
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
    error: r.error,
    upstream_request_id: r.upstreamRequestId,
    content: r.content,
    attempts: r.attempts,
    savings: r.savings ? JSON.parse(r.savings) : null,
  };
}

/** The Overview and /v1/usage over the traffic's 30 hours: totals and channels. */
async function overviewAndUsage(storage: Storage) {
  const range = { from: new Date(H0), to: new Date(H0 + 30 * HOUR) };
  const { totals: { saved_pct: _, ...totals }, series } = await storage.overview({
    ...range,
    bucket: "day",
  });
  const channels: Record<string, number> = {};
  for (const b of series) {
    for (const [k, v] of Object.entries(b.saved_by_channel)) {
      channels[k] = Math.round(((channels[k] ?? 0) + v) * 1e10) / 1e10;
    }
  }
  const usage = await storage.usage(range);
  const byChannel = await storage.usage({ ...range, groupBy: "channel" });
  return {
    overview: { totals, channels },
    usage: {
      totals: usage.totals,
      channels: Object.fromEntries(byChannel.groups!.map((g) => [g.key, g.cost_saved_usd])),
    },
  };
}

Deno.test("embedded: migrating a log written before the dashboard fills the aggregate from its rows, which read back with null new columns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = new DatabaseSync(`${dir}/squint.db`);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER)");
    for (const m of MIGRATIONS.filter((m) => m.version <= 3)) {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, 0)").run(m.version);
    }
    const rows = traffic(200, 7);
    const columns = Object.keys(legacyRecord(rows[0]));
    const insert = db.prepare(
      `INSERT INTO requests (${columns}) VALUES (${columns.map(() => "?")})`,
    );
    for (const r of rows) {
      const record = legacyRecord(r);
      insert.run(
        ...columns.map((c) => {
          const v = record[c];
          return typeof v === "boolean"
            ? Number(v)
            : v !== null && typeof v === "object"
            ? JSON.stringify(v)
            : v as string | number | null;
        }),
      );
    }
    db.close();
    await using opened = await openEmbedded(dir);
    const { overview, usage } = await overviewAndUsage(opened.storage);
    assert.equal(overview.totals.requests, 200);
    assert.deepEqual(overview, usage);
    const old = await opened.storage.request(rows[0].id);
    assert.deepEqual([old!.upstreamMs, old!.images], [null, null]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  name:
    "production: migrating a log written before the dashboard fills the aggregate from its rows, which read back with null new columns",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const rows = traffic(200, 7);
    try {
      await sql.unsafe(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
      );
      for (const m of PG_MIGRATIONS.filter((m) => m.version <= 2)) {
        await sql.unsafe(m.sql);
        await sql`INSERT INTO schema_migrations VALUES (${m.version}, 0)`;
      }
      const columns = Object.keys(legacyRecord(rows[0])).join(", ");
      await sql.unsafe(
        `INSERT INTO requests (${columns})
         SELECT ${columns} FROM json_populate_recordset(null::requests, $1::json)`,
        [sql.json(rows.map(legacyRecord) as postgres.JSONValue)],
      );
    } finally {
      await sql.end();
    }
    await using opened = await openProduction({ databaseUrl: db.url });
    const { overview, usage } = await overviewAndUsage(opened.storage);
    assert.equal(overview.totals.requests, 200);
    assert.deepEqual(overview, usage);
    const old = await opened.storage.request(rows[0].id);
    assert.deepEqual([old!.upstreamMs, old!.images], [null, null]);
  },
});

Deno.test({
  name:
    "production: a spill replayed after its rows already reached PostgreSQL counts each request once in the aggregate",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    const rows = traffic(120);
    const extra = row("sq-spilled-only", {
      ts: H0 + 29 * HOUR,
      stream: true,
      upstreamMs: 950.5,
      firstTokenMs: 120.25,
      cachedInputTokens: 512,
      cacheWriteTokens: 0,
      passthroughReason: "unsupported content part",
      images: JSON.stringify([{ action: "kept", reasons: [], before: {}, after: {} }]),
      task: "describe",
      spentUsd: 0.0027,
    });
    let before: unknown[][];
    {
      await using first = await openProduction({ databaseUrl: db.url });
      await logAll(first.storage, rows);
      before = await first.aggregate();
    }
    // Another instance starts with a spill holding half of those rows again, and one new one:
    // an outage cut it before it knew the database had taken them.
    const dataDir = await Deno.makeTempDir();
    const spill = new EmbeddedStorage({ dataDir: `${dataDir}/spill`, retentionDays: 36500 });
    for (const r of [...rows.slice(0, 60), extra]) spill.log(r);
    await spill.close();
    await using second = await openProduction({ databaseUrl: db.url, dataDir });
    await second.storage.flush();
    assert.equal(await second.storage.spill.count(), 0);
    // The spill round-trips every column: the row replayed reads back as logged.
    const replayed = await second.storage.request(extra.id);
    assert.deepEqual({ ...replayed, savings: JSON.parse(replayed!.savings!) }, {
      ...extra,
      savings: JSON.parse(extra.savings!),
    });
    const after = await second.aggregate();
    const changed = after.filter((a) =>
      !before.some((b) => JSON.stringify(b) === JSON.stringify(a))
    );
    // Only the hour of the new row moved, by that one row.
    assert.ok(
      changed.length > 0 && changed.every((a) => a[0] === H0 + 29 * HOUR),
      `${changed.length} aggregate rows changed, some outside the new row's hour`,
    );
    const { overview, usage } = await overviewAndUsage(second.storage);
    assert.equal(overview.totals.requests, 121);
    assert.deepEqual(overview, usage);
  },
});
