/** A request's saving split by channel: the parts add up to its cost_saved_usd. */
import assert from "node:assert/strict";
import { savingsByChannel } from "../../src/accounting/savings.ts";
import { buildStats } from "../../src/accounting/stats.ts";
import { createRegistry } from "../../src/models/registry.ts";
import type { PreparedChat } from "../../src/pipeline/prepare_chat.ts";

const registry = createRegistry();
const gpt4o = registry.resolve("gpt-4o")!;
const mini = registry.resolve("gpt-4o-mini")!;

function prepared(over: Partial<PreparedChat> = {}): PreparedChat {
  const image = (before: number, after: number, optimizations: string[]) => ({
    message: 0,
    part: 1,
    before: { tokens: before },
    after: { tokens: after },
    optimizations,
  });
  return {
    body: "",
    messages: [],
    model: "gpt-4o",
    resolved: gpt4o,
    plan: {
      images: [image(1105, 85, ["resize", "detail_low"]), image(765, 300, ["ocr"])] as never,
      tokens: { before: 2000, after: 515 },
      estimated: true,
    },
    optimizations: ["resize", "detail_low", "ocr"],
    stream: false,
    clientWantsUsage: false,
    ...over,
  };
}

const statsOf = (p: PreparedChat, cache: "bypass" | "hit" = "bypass") =>
  buildStats({
    tokens: p.plan.tokens,
    estimated: true,
    optimizations: p.optimizations,
    requested: p.before?.model ?? p.resolved,
    called: p.resolved,
    calledName: p.model,
    usage: { prompt_tokens: 515, completion_tokens: 10 },
    cache,
    before: p.before,
  });

const sum = (o: Record<string, number | undefined>) =>
  Math.round(Object.values(o).reduce((a, b) => a! + b!, 0)! * 1e10) / 1e10;

Deno.test("images and OCR each save their own tokens at the called model's price", () => {
  const p = prepared();
  const stats = statsOf(p);
  const split = savingsByChannel(p, stats);
  assert.deepEqual(split, { images: 0.00255, ocr: 0.0011625 });
  assert.equal(sum(split), stats.cost_saved_usd);
});

Deno.test("a stored answer saves the whole call, in the cache channel", () => {
  const p = prepared();
  const stats = statsOf(p, "hit");
  assert.deepEqual(savingsByChannel(p, stats), { cache: stats.cost_saved_usd! });
});

Deno.test("a routed request: what the named model would cost less the request's own, to routing", () => {
  const p = prepared({
    model: "gpt-4o-mini",
    resolved: mini,
    routing: {
      kind: "cascade",
      model: "gpt-4o-mini",
      from: "gpt-4o",
      task: "simple_qa",
      reason: "",
      options: [],
    },
    before: { tokens: 2000, model: gpt4o },
  });
  const stats = statsOf(p);
  const split = savingsByChannel(p, stats);
  assert.ok(split.routing! > 0);
  assert.equal(sum(split), stats.cost_saved_usd);
});

Deno.test("breakpoints squint placed: what the provider's cache took off, less its writes, to prompt_cache", () => {
  const sonnet = registry.resolve("claude-sonnet-4-6")!;
  const p = prepared({ model: "claude-sonnet-4-6", resolved: sonnet, promptCacheBySquint: true });
  const usage = {
    prompt_tokens: 5_000,
    completion_tokens: 10,
    prompt_tokens_details: { cached_tokens: 4_000 },
    cache_creation_input_tokens: 500,
  };
  const stats = buildStats({
    tokens: p.plan.tokens,
    estimated: true,
    optimizations: p.optimizations,
    requested: sonnet,
    called: sonnet,
    calledName: p.model,
    usage,
    cache: "bypass",
    promptCacheBySquint: true,
  });
  const split = savingsByChannel(p, stats, usage);
  // 4,000 reads at 0.1x save 3,600 input tokens' worth; 500 writes at 1.25x cost 125 more.
  assert.equal(split.prompt_cache, (3_600 - 125) * 3 / 1e6);
  assert.equal(sum(split), stats.cost_saved_usd);
  // The client's own caching is not squint's saving.
  const own = { ...p, promptCacheBySquint: false };
  assert.equal(savingsByChannel(own, statsOf(own), usage).prompt_cache, undefined);
});
