/**
 * (h) Production storage: request-log write throughput into PostgreSQL (with the daily usage
 * aggregates) against the embedded SQLite log writing the same rows, and the latency a request
 * gets from production mode (key lookup in PostgreSQL, Redis counters and leases, batched log
 * writes) against embedded mode and against calling the mock upstream directly, all in this one
 * process, requests interleaved so drift hits every column alike.
 *
 * @module
 */
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { insertRows } from "../src/storage/postgres_log.ts";
import { ProductionStorage } from "../src/storage/production.ts";
import { productionOptions } from "../src/storage/open.ts";
import { SqliteLog } from "../src/storage/sqlite_log.ts";
import type { RequestLogRow } from "../src/storage/types.ts";
import { startMockOpenAI } from "../tests/support/mock_openai.ts";
import { freshDatabase, productionServices, redisPrefix } from "../tests/support/services.ts";
import { serveApp } from "../tests/support/squint.ts";
import { summarize } from "./latency.ts";
import { fixed, table } from "./table.ts";

const ROWS = 20_000;
const BATCH = 500;
const REQUESTS = 400;

function rowOf(i: number): RequestLogRow {
  return {
    id: `bench-${i}-${crypto.randomUUID()}`,
    ts: Date.now() - i,
    door: "/v1/chat/completions",
    keyId: `key_${(i % 50).toString(16).padStart(16, "0")}`,
    modelRequested: "gpt-4o",
    modelCalled: "gpt-4o-2024-08-06",
    provider: "openai",
    status: i % 97 === 0 ? 502 : 200,
    stream: i % 3 === 0,
    tokensBefore: 1800,
    tokensAfter: 700,
    upstreamInputTokens: 712,
    upstreamOutputTokens: 40,
    costBeforeUsd: 0.0049,
    costAfterUsd: 0.0022,
    costSavedUsd: 0.0027,
    optimizations: ["image_resize", "detail_low"],
    cache: "miss",
    estimated: false,
    latencyMs: 300,
    outcome: "complete",
    error: null,
    upstreamRequestId: `req_${i}`,
    content: null,
    attempts: null,
    savings: JSON.stringify({ images: 0.0027 }),
  };
}

async function rowsPerSecond(write: (rows: RequestLogRow[]) => Promise<void> | void) {
  const rows = Array.from({ length: ROWS }, (_, i) => rowOf(i));
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
  return ROWS / ((performance.now() - started) / 1000);
}

/** Runs section h; undefined when PostgreSQL or Redis does not answer (said why). */
export async function runProduction() {
  const services = await productionServices();
  if (services.ignore) return undefined;
  await using db = await freshDatabase(services.postgresUrl);
  await using redis = await redisPrefix(services.redisUrl);
  const dataDir = await Deno.makeTempDir({ prefix: "squint-bench-" });
  await using mock = startMockOpenAI({ record: false });
  const shared = {
    SQUINT_DATABASE_URL: db.url,
    SQUINT_REDIS_URL: services.redisUrl,
    SQUINT_REDIS_PREFIX: redis.prefix,
    SQUINT_OPENAI_BASE_URL: mock.baseUrl,
    SQUINT_OPENAI_API_KEY: "sk-server",
    SQUINT_WORKERS: "1",
    SQUINT_LOG_RETENTION_DAYS: "36500",
  };
  const productionConfig = loadConfig({
    ...shared,
    SQUINT_STORAGE: "production",
    SQUINT_ADMIN_TOKEN: "bench",
    SQUINT_DATA_DIR: `${dataDir}/production`,
  });
  const storage = await ProductionStorage.open(await productionOptions(productionConfig));
  const production = serveApp(createApp(productionConfig, storage));
  const embedded = serveApp(createApp(loadConfig({
    ...shared,
    SQUINT_API_KEYS: "sq-embedded-bench-key",
    SQUINT_DATA_DIR: `${dataDir}/embedded`,
  })));
  try {
    // (a) log writes: the same rows, batch by batch, into each store.
    const pg = await rowsPerSecond((rows) => insertRows(storage.sql, rows));
    const sqlite = new SqliteLog({ dataDir: `${dataDir}/sqlite`, retentionDays: 36500 });
    const lite = await rowsPerSecond((rows) => sqlite.insert(rows));
    sqlite.close();
    const queued = await rowsPerSecond(async (rows) => {
      for (const row of rows) storage.log(row);
      await storage.flush();
    });

    // (b) one text request at a time, the three ways interleaved.
    const { secret: key } = await storage.keys.create({
      name: "bench",
      budget_period: "month",
      rpm: 1e9,
    });
    const body = JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello." }],
    });
    const ways = [
      { name: "direct to the mock", url: `${mock.baseUrl}/chat/completions`, key: "sk-direct" },
      {
        name: "squint, embedded",
        url: `${embedded.baseUrl}/chat/completions`,
        key: "sq-embedded-bench-key",
      },
      { name: "squint, production", url: `${production.baseUrl}/chat/completions`, key },
    ];
    const samples = ways.map(() => [] as number[]);
    for (let i = 0; i < REQUESTS + 20; i++) {
      for (const [w, way] of ways.entries()) {
        const started = performance.now();
        const response = await fetch(way.url, {
          method: "POST",
          headers: { authorization: `Bearer ${way.key}`, "content-type": "application/json" },
          body,
        });
        const answer = await response.text();
        if (response.status !== 200) throw new Error(`${way.name}: ${response.status} ${answer}`);
        if (i >= 20) samples[w].push(performance.now() - started);
      }
    }
    const summaries = samples.map(summarize);
    const [direct, embeddedMs, productionMs] = summaries;
    const text = [
      `(a) Request log writes, ${ROWS} rows in batches of ${BATCH}:`,
      table(["store", "rows/s"], [
        ["PostgreSQL (rows + daily aggregates, one statement a batch)", fixed(pg, 0)],
        ["PostgreSQL through the production store's queue and flush", fixed(queued, 0)],
        ["SQLite (the embedded log, same rows)", fixed(lite, 0)],
      ]),
      "",
      `(b) Latency of one text request, ${REQUESTS} each, interleaved (same process, mock upstream):`,
      table(
        ["way", "p50 ms", "p90 ms", "p99 ms", "added p50 ms"],
        summaries.map((s, i) => [
          ways[i].name,
          fixed(s.p50, 2),
          fixed(s.p90, 2),
          fixed(s.p99, 2),
          i === 0 ? "-" : fixed(s.p50 - direct.p50, 2),
        ]),
      ),
      `production adds ${fixed(productionMs.p50 - embeddedMs.p50, 2)} ms at p50 over embedded (${
        fixed(productionMs.p50 / embeddedMs.p50, 2)
      }× its latency)`,
    ].join("\n");
    return {
      text,
      results: { rowsPerSecond: { postgres: pg, queued, sqlite: lite }, latency: summaries },
      headline: [
        `(h) request log: PostgreSQL ${fixed(pg, 0)} rows/s (SQLite ${
          fixed(lite, 0)
        }); production adds ${fixed(productionMs.p50 - embeddedMs.p50, 2)} ms p50 over embedded`,
      ],
    };
  } finally {
    await production.close();
    await embedded.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
