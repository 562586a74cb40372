import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { EmbeddedStorage } from "../../src/storage/embedded.ts";
import { migrate, MIGRATIONS } from "../../src/storage/migrations.ts";
import { logRow } from "../support/log_row.ts";

const row = logRow;

Deno.test("migrations create the schema once and are idempotent", () => {
  const db = new DatabaseSync(":memory:");
  assert.equal(migrate(db), MIGRATIONS.at(-1)!.version);
  assert.equal(migrate(db), MIGRATIONS.at(-1)!.version);
  const versions = db.prepare("SELECT version FROM schema_migrations").all().map((r) => r.version);
  assert.deepEqual(versions, MIGRATIONS.map((m) => m.version));
  db.close();
});

Deno.test("usage sums the log, filtered by time and grouped by model, optimization, channel and key", async () => {
  const store = new EmbeddedStorage({ dataDir: ":memory:", retentionDays: 30_000 });
  try {
    store.log(row({ savings: JSON.stringify({ images: 0.0015 }) }));
    store.log(
      row({
        modelCalled: "claude-sonnet-4-6",
        optimizations: ["resize", "reencode", "cascade"],
        keyId: "k2",
        costSavedUsd: 0.002,
        savings: JSON.stringify({ images: 0.0005, routing: 0.0015 }),
      }),
    );
    store.log(row({ ts: Date.parse("2026-10-01T00:00:00Z"), optimizations: [] }));
    const all = await store.usage({});
    assert.equal(all.totals.requests, 3);
    assert.equal(all.totals.tokens_saved, 1800);
    assert.equal(all.totals.upstream_input_tokens, 1230);
    const november = await store.usage({
      from: new Date("2026-11-01T00:00:00Z"),
      groupBy: "model",
    });
    assert.equal(november.totals.requests, 2);
    assert.deepEqual(november.groups!.map((g) => [g.key, g.requests]), [["claude-sonnet-4-6", 1], [
      "gpt-4o",
      1,
    ]]);
    const byOptimization = await store.usage({ groupBy: "optimization" });
    assert.deepEqual(byOptimization.groups!.map((g) => [g.key, g.requests]).sort(), [
      ["cascade", 1],
      ["reencode", 1],
      ["resize", 2],
    ]);
    // Each channel's share of the savings; together they make the total.
    const byChannel = await store.usage({ groupBy: "channel" });
    assert.deepEqual(byChannel.groups!.map((g) => [g.key, g.requests, g.cost_saved_usd]), [
      ["images", 2, 0.002],
      ["routing", 1, 0.0015],
    ]);
    const byKey = await store.usage({ groupBy: "key" });
    assert.deepEqual(byKey.groups!.map((g) => [g.key, g.requests]).sort(), [["k1", 2], ["k2", 1]]);
    assert.equal((await store.usage({ keyId: "k2" })).totals.requests, 1);
  } finally {
    await store.close();
  }
});

Deno.test("rows older than the retention period are deleted", async () => {
  const store = new EmbeddedStorage({ dataDir: ":memory:", retentionDays: 30 });
  try {
    const now = Date.parse("2026-11-22T00:00:00Z");
    store.log(row({ ts: now - 31 * 86_400_000 }));
    store.log(row({ ts: now - 29 * 86_400_000 }));
    await store.flush();
    assert.equal(await store.applyRetention(now), 1);
    assert.equal((await store.usage({})).totals.requests, 1);
  } finally {
    await store.close();
  }
});

Deno.test("the log survives a restart on disk", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const first = new EmbeddedStorage({ dataDir: dir, retentionDays: 30_000 });
    first.log(row({ id: "a" }));
    await first.close();
    const second = new EmbeddedStorage({ dataDir: dir, retentionDays: 30_000 });
    assert.equal((await second.usage({})).totals.requests, 1);
    assert.deepEqual(await second.health(), { ok: true, detail: "sqlite" });
    await second.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a row that cannot reach the log worker is dropped with a line; the rows beside it are written", async () => {
  const storage = new EmbeddedStorage({ dataDir: ":memory:", retentionDays: 30 });
  const said: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => said.push(args.join(" "));
  try {
    storage.log(row({ id: "good-1" }));
    // A bug's row: a function where a field's text belongs cannot be cloned to a worker.
    storage.log({ ...row({ id: "bad" }), outcome: (() => "complete") as unknown as string });
    storage.log(row({ id: "good-2" }));
    await storage.flush();
    assert.equal(await storage.count(), 2);
    assert.equal((await storage.request("good-2"))?.id, "good-2");
    assert.equal(said.length, 1);
    assert.match(
      said[0],
      /^squint: request log: 1 row could not be written and is dropped \(bad\): /,
    );
    // Nothing is left queued to fail again.
    await storage.flush();
    assert.equal(said.length, 1);
  } finally {
    console.error = error;
    await storage.close();
  }
});
