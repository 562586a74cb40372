/** Budgets on in-memory counters (embedded mode), started from the request log. */
import assert from "node:assert/strict";
import { LocalSpend } from "../../src/keys/local_spend.ts";
import { budgetWindow, tokenWindow } from "../../src/keys/metering.ts";
import { MemoryCounters } from "../../src/storage/counters.ts";
import { EmbeddedStorage } from "../../src/storage/embedded.ts";
import type { RequestLogRow } from "../../src/storage/types.ts";

const KEY = "key_00000000000000a1";
const NOW = Date.UTC(2026, 10, 20, 12);
const MONTH = Date.UTC(2026, 10, 1);
const DAY = Date.UTC(2026, 10, 20);

function row(over: Partial<RequestLogRow>): RequestLogRow {
  return {
    id: crypto.randomUUID(),
    ts: NOW,
    door: "chat_completions",
    keyId: KEY,
    modelRequested: "gpt-4o",
    modelCalled: "gpt-4o",
    provider: "openai",
    status: 200,
    stream: false,
    tokensBefore: 100,
    tokensAfter: 100,
    upstreamInputTokens: 100,
    upstreamOutputTokens: 20,
    costBeforeUsd: 0.25,
    costAfterUsd: 0.25,
    costSavedUsd: 0,
    optimizations: [],
    cache: "bypass",
    estimated: false,
    latencyMs: 5,
    outcome: "complete",
    error: null,
    upstreamRequestId: null,
    content: null,
    ...over,
  };
}

Deno.test("a key's spend in the SQLite log is the cost of its answered rows from a time, queued rows included", async () => {
  const storage = new EmbeddedStorage({ dataDir: ":memory:", retentionDays: 30_000, keys: {} });
  try {
    storage.log(row({ costAfterUsd: 0.5 }));
    storage.log(row({ status: 429, costAfterUsd: 1 }));
    storage.log(row({ ts: MONTH - 1, costAfterUsd: 2 }));
    storage.log(row({ keyId: "key_00000000000000b2", costAfterUsd: 4 }));
    storage.log(row({ costAfterUsd: null }));
    await storage.flush();
    storage.log(row({ ts: MONTH, costAfterUsd: 0.125 }));
    assert.equal(await storage.keys!.spentSince(KEY, MONTH), 0.625);
    assert.equal(await storage.keys!.spentSince("key_00000000000000c3", MONTH), 0);
  } finally {
    await storage.close();
  }
});

Deno.test("a budget window is read from the log once; its counter carries it from there", async () => {
  const reads: [string, number][] = [];
  const spend = new LocalSpend(new MemoryCounters(), (id, since) => {
    reads.push([id, since]);
    return Promise.resolve(3);
  });
  assert.equal(await spend.spentSince(KEY, MONTH), 3);
  assert.equal(await spend.spentSince(KEY, MONTH), 3);
  assert.equal(await spend.spentSince(KEY, DAY), 3);
  assert.deepEqual(reads, [[KEY, MONTH], [KEY, DAY]]);
});

Deno.test("a failed read of the log is tried again by the next request", async () => {
  let calls = 0;
  const spend = new LocalSpend(new MemoryCounters(), () => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("pool full")) : Promise.resolve(1);
  });
  await assert.rejects(spend.spentSince(KEY, MONTH), /pool full/);
  assert.equal(await spend.spentSince(KEY, MONTH), 1);
  assert.equal(calls, 2);
});

Deno.test("spend counts into a budget window only once the log was read for it; tokens always count", async () => {
  const counters = new MemoryCounters(() => NOW);
  const spend = new LocalSpend(counters, () => Promise.resolve(10), () => NOW);
  const month = budgetWindow(KEY, "month", NOW).counter;
  const day = budgetWindow(KEY, "day", NOW).counter;
  const tokens = tokenWindow(KEY, NOW).counter;

  // Before the read: the row is in the log the read will sum, so the counter must not hold it.
  await spend.meter(row({ costAfterUsd: 1 }));
  assert.deepEqual(
    await Promise.all([month, day, tokens].map((c) => counters.get(c))),
    [0, 0, 120],
  );

  await spend.spentSince(KEY, MONTH);
  await spend.meter(row({ costAfterUsd: 2 }));
  assert.deepEqual(
    await Promise.all([month, day, tokens].map((c) => counters.get(c))),
    [2, 0, 240],
    "the month window was read, the day window not yet",
  );

  await spend.meter(row({ keyId: "sk-hash-of-a-client-key", costAfterUsd: 5 }));
  await spend.meter(row({ status: 500, costAfterUsd: 5 }));
  assert.equal(await counters.get(month), 2, "only answered requests of stored keys count");
});
