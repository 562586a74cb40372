/** The pure parts of keys: model patterns, limit windows, sealing provider keys. */
import assert from "node:assert/strict";
import { admitKey, modelAllowed } from "../../src/keys/enforce.ts";
import type { ResolvedKey } from "../../src/keys/key_store.ts";
import { budgetWindow, requestWindow } from "../../src/keys/metering.ts";
import { hashSecret, newSecret, Sealer } from "../../src/keys/secrets.ts";
import { MemoryCounters } from "../../src/storage/counters.ts";

Deno.test("a key's model patterns match whole names, * standing for any run", () => {
  const patterns = ["gpt-4o*", "claude-sonnet-4-6"];
  assert.equal(modelAllowed("gpt-4o", patterns), true);
  assert.equal(modelAllowed("gpt-4o-mini", patterns), true);
  assert.equal(modelAllowed("claude-sonnet-4-6", patterns), true);
  assert.equal(modelAllowed("claude-sonnet-4-6-x", patterns), false);
  assert.equal(modelAllowed("xgpt-4o", patterns), false);
  assert.equal(modelAllowed("gpt-4.1", ["gpt-4.1"]), true);
  assert.equal(modelAllowed("gpt-4x1", ["gpt-4.1"]), false, "a dot is a dot");
  assert.equal(modelAllowed("anything", null), true);
});

Deno.test("limit windows are the UTC minute, day and month", () => {
  const now = Date.UTC(2026, 10, 30, 23, 59, 30);
  assert.deepEqual(requestWindow("key_a", now).end, Date.UTC(2026, 10, 30, 23, 60));
  assert.equal(budgetWindow("key_a", "day", now).end, Date.UTC(2026, 11, 1));
  assert.equal(budgetWindow("key_a", "month", now).start, Date.UTC(2026, 10, 1));
  assert.equal(budgetWindow("key_a", "month", now).end, Date.UTC(2026, 11, 1));
});

function key(overrides: Partial<ResolvedKey>): ResolvedKey {
  return {
    id: "key_0000000000000001",
    name: "t",
    prefix: "sq-abcdef",
    created_at: "",
    revoked_at: null,
    models: null,
    providers: [],
    rpm: null,
    tpm: null,
    budget_usd: null,
    budget_period: "month",
    fallback_model: null,
    providerKeys: {},
    ...overrides,
  };
}

Deno.test("a budget counter missing from the counters is seeded from the log before it is read", async () => {
  const counters = new MemoryCounters();
  const now = Date.UTC(2026, 10, 22, 12);
  const spentSince = (_id: string, since: number) => {
    assert.equal(since, Date.UTC(2026, 10, 1));
    return Promise.resolve(4.5);
  };
  const k = key({ budget_usd: 5 });
  assert.deepEqual(await admitKey(k, "gpt-4o", counters, spentSince, now), {
    model: "gpt-4o",
    budgetFallback: false,
  });
  await counters.add(budgetWindow(k.id, "month", now).counter, 0.6, 86_400_000);
  await assert.rejects(admitKey(k, "gpt-4o", counters, spentSince, now), (e: Error) => {
    assert.match(e.message, /spent \$5\.10 of its \$5\.00 budget per month/);
    return true;
  });
});

Deno.test("provider keys are sealed with AES-GCM: round trip, fresh nonce, and altered or foreign fails", async () => {
  const sealer = new Sealer("the deployment's encryption key");
  const a = await sealer.seal("sk-provider");
  const b = await sealer.seal("sk-provider");
  assert.notEqual(a, b);
  assert.ok(!a.includes("sk-provider"));
  assert.equal(await sealer.open(a), "sk-provider");
  const altered = a.slice(0, -2) + (a.endsWith("A") ? "BB" : "AA");
  await assert.rejects(sealer.open(altered));
  await assert.rejects(new Sealer("another key").open(a));
});

Deno.test("a new secret is 256 random bits after sq-, stored as its SHA-256", async () => {
  const { secret, id } = newSecret();
  assert.match(secret, /^sq-[A-Za-z0-9_-]{43}$/);
  assert.match(id, /^key_[0-9a-f]{16}$/);
  assert.match(await hashSecret(secret), /^[0-9a-f]{64}$/);
  assert.notEqual(newSecret().secret, secret);
});
