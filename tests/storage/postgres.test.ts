/**
 * The production request log against the real PostgreSQL (a database of this run's own):
 * migrations on an empty and on an existing database, and from several instances at once; long
 * strings stored whole; a database cut mid-run losing no row once it is back.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { migratePg, PG_MIGRATIONS } from "../../src/storage/pg_migrations.ts";
import { type ProductionOptions, ProductionStorage } from "../../src/storage/production.ts";
import type { RequestLogRow } from "../../src/storage/types.ts";
import { freshDatabase, productionServices, redisPrefix } from "../support/services.ts";
import { captureErrors } from "../support/said.ts";
import { proxyInFront } from "../support/tcp_proxy.ts";

const services = await productionServices();
const LATEST = PG_MIGRATIONS.at(-1)!.version;

/** A production store on `databaseUrl` and a Redis prefix, with a spill folder of its own. */
async function openStore(
  databaseUrl: string,
  prefix: string,
  options: Partial<ProductionOptions> = {},
) {
  const dataDir = await Deno.makeTempDir();
  const storage = await ProductionStorage.open({
    databaseUrl,
    redisUrl: services.redisUrl,
    redisPrefix: prefix,
    dataDir,
    retentionDays: 36500,
    nearEntries: 10,
    ...options,
  });
  return {
    storage,
    async [Symbol.asyncDispose]() {
      await storage.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

function sqlOf(url: string) {
  return postgres(url, { max: 4, onnotice: () => {} });
}

/** A request-log row as the relay writes one. */
function row(id: string, overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id,
    ts: Date.UTC(2026, 10, 22, 12),
    door: "/v1/chat/completions",
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
    costBeforeUsd: 0.0025,
    costAfterUsd: 0.001,
    costSavedUsd: 0.0015,
    optimizations: ["image_resize"],
    cache: "miss",
    estimated: false,
    latencyMs: 12.5,
    outcome: "complete",
    error: null,
    upstreamRequestId: "req_1",
    content: null,
    attempts: null,
    savings: JSON.stringify({ images: 0.0015 }),
    ...overrides,
  };
}

Deno.test({
  name: "migrations create the schema on an empty database and do nothing on an existing one",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    const sql = sqlOf(db.url);
    try {
      assert.equal(await migratePg(sql), LATEST);
      const tables = await sql`SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' ORDER BY table_name`;
      assert.deepEqual(tables.map((t) => t.table_name), [
        "requests",
        "schema_migrations",
        "squint_keys",
        "usage_daily",
        "usage_hourly",
      ]);
      assert.equal(await migratePg(sql), LATEST);
      const applied = await sql`SELECT version FROM schema_migrations ORDER BY version`;
      assert.deepEqual(applied.map((r) => r.version), PG_MIGRATIONS.map((m) => m.version));
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "migrations bring a database at version 1 up to date, keeping its rows",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    const sql = sqlOf(db.url);
    try {
      await sql.unsafe(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
      );
      await sql.unsafe(PG_MIGRATIONS[0].sql);
      await sql`INSERT INTO schema_migrations VALUES (1, 0)`;
      await sql`INSERT INTO requests (id, ts, door, provider, status, stream, tokens_before,
        tokens_after, optimizations, cache, estimated, latency_ms, outcome)
        VALUES ('old', 1, '/v1/chat/completions', 'openai', 200, false, 1, 1, '[]', 'miss',
        false, 1, 'complete')`;
      assert.equal(await migratePg(sql), LATEST);
      const [{ n }] = await sql`SELECT count(*)::int AS n FROM requests`;
      assert.equal(n, 1);
      const [{ keys }] = await sql`SELECT to_regclass('squint_keys')::text AS keys`;
      assert.equal(keys, "squint_keys");
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "five instances migrating an empty database at once all reach the latest version",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    const clients = Array.from({ length: 5 }, () => sqlOf(db.url));
    try {
      const versions = await Promise.all(clients.map((sql) => migratePg(sql)));
      assert.deepEqual(versions, [LATEST, LATEST, LATEST, LATEST, LATEST]);
      const [{ n }] = await clients[0]`SELECT count(*)::int AS n FROM schema_migrations`;
      assert.equal(n, PG_MIGRATIONS.length);
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
  },
});

Deno.test({
  name: "long models, reasons and URLs are stored whole, and a replayed row is counted once",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    await using store = await openStore(db.url, redis.prefix);
    const { storage } = store;
    const sql = sqlOf(db.url);
    try {
      const model = `ft:gpt-4o-2024-08-06:${"acme-research-".repeat(40)}:ckpt-1`;
      const error = `upstream said: ${"the image at https://example.com/".repeat(200)}`;
      storage.log(row("long", { modelRequested: model, modelCalled: model, error, status: 502 }));
      storage.log(row("twice"));
      await storage.flush();
      storage.log(row("twice"));
      await storage.flush();
      const [stored] = await sql`SELECT model_called, error FROM requests WHERE id = 'long'`;
      assert.equal(stored.model_called, model);
      assert.equal(stored.error, error);
      const usage = await storage.usage({ groupBy: "model" });
      assert.equal(usage.totals.requests, 2);
      assert.equal(usage.totals.errors, 1);
      assert.equal(usage.totals.cost_saved_usd, 0.0015);
      const [daily] = await sql`SELECT sum(requests)::int AS requests, sum(errors)::int AS errors,
        sum(cost_saved_usd) AS saved FROM usage_daily`;
      assert.deepEqual(daily, { requests: 2, errors: 1, saved: 0.0015 });
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "with PostgreSQL cut mid-run, rows queue, spill to SQLite past the buffer, and all arrive once it is back",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    await using front = await proxyInFront(db.url, 5432);
    const { proxy } = front;
    await using store = await openStore(front.url, redis.prefix, {
      bufferRows: 10,
      batchSize: 4,
      flushIntervalMs: 3_600_000,
    });
    const { storage } = store;
    const sql = sqlOf(db.url);
    using said = captureErrors();
    try {
      storage.log(row("before-cut"));
      await storage.flush();
      await proxy.cut();
      for (let i = 0; i < 30; i++) {
        storage.log(row(`during-${i}`));
        await storage.flush();
      }
      // Never more than the buffer in memory; the rest went to the spill.
      assert.ok(storage.queued <= 10, `${storage.queued} rows queued`);
      assert.ok(await storage.spill.count() >= 20, "rows spilled to SQLite");
      // Still serving: the log has the spill to go to, and says so.
      const health = await storage.health();
      assert.equal(health.ok, true);
      assert.match(health.detail, /^postgres: .*, spill sqlite, redis, .*rows spilled to sqlite$/);
      await proxy.restore();
      await storage.flush();
      const [{ n }] = await sql`SELECT count(*)::int AS n FROM requests`;
      assert.equal(n, 31);
      assert.equal(await storage.spill.count(), 0);
      assert.equal(storage.queued, 0);
      const usage = await storage.usage({});
      assert.equal(usage.totals.requests, 31);
      assert.ok(said.lines.some((s) => /database unreachable/.test(s)), said.lines.join("\n"));
      assert.ok(said.lines.some((s) => /database is back/.test(s)), said.lines.join("\n"));
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name:
    "a NUL in an upstream's message is stored as U+FFFD, and a row the database refuses is set aside without blocking its batch",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    await using store = await openStore(db.url, redis.prefix, { flushIntervalMs: 3_600_000 });
    const { storage } = store;
    const sql = sqlOf(db.url);
    using said = captureErrors();
    try {
      storage.log(row("nul", { status: 502, error: "bad\u0000gateway" }));
      // A timestamp that is not a number reaches the database as null: NOT NULL refuses it.
      storage.log(row("refused", { ts: Number.NaN }));
      storage.log(row("after"));
      await storage.flush();
      const rows = await sql`SELECT id, error FROM requests ORDER BY id`;
      assert.deepEqual(rows.map((r) => [r.id, r.error]), [
        ["after", null],
        ["nul", "bad\uFFFDgateway"],
      ]);
      const rejected = (await Deno.readTextFile(storage.rejectedPath)).trim().split("\n");
      assert.deepEqual(rejected.map((line) => JSON.parse(line).id), ["refused"]);
      assert.equal(storage.queued, 0);
      assert.ok(
        said.lines.some((s) =>
          /log row refused refused by the database .*rejected\.jsonl$/.test(s)
        ),
        said.lines.join("\n"),
      );
    } finally {
      await sql.end();
    }
  },
});
