import assert from "node:assert/strict";
import { buildStats, type OpenAIUsage, statsHeaders } from "../../src/accounting/stats.ts";
import { estimateStringTokens, estimateTextTokens } from "../../src/accounting/text_tokens.ts";
import { createRegistry } from "../../src/models/registry.ts";

const gpt4o = createRegistry().resolve("gpt-4o")!;

/** The stats of a request to `model` that squint left as it was, billed `usage`. */
function billedOn(model: string, usage: OpenAIUsage) {
  const resolved = createRegistry().resolve(model)!;
  const tokens = usage.prompt_tokens!;
  return buildStats({
    tokens: { before: tokens, after: tokens },
    estimated: false,
    optimizations: [],
    requested: resolved,
    called: resolved,
    calledName: model,
    usage,
    cache: "bypass",
  });
}

Deno.test("with billed usage, cost after is what the provider billed and cost before adds what squint removed", () => {
  const s = buildStats({
    tokens: { before: 1115, after: 775 },
    estimated: true,
    optimizations: ["resize"],
    requested: gpt4o,
    called: gpt4o,
    calledName: "gpt-4o",
    usage: { prompt_tokens: 780, prompt_tokens_details: { cached_tokens: 0 } },
    cache: "bypass",
  });
  assert.equal(s.tokens_saved, 340);
  assert.equal(s.upstream_input_tokens, 780);
  assert.equal(s.cost_after_usd, 0.00195);
  assert.equal(s.cost_before_usd, 0.00280);
  assert.equal(s.cost_saved_usd, 0.00085);
  assert.equal(s.estimated, true);
});

Deno.test("cached prompt tokens are billed at the cached-input price", () => {
  const s = buildStats({
    tokens: { before: 2000, after: 2000 },
    estimated: false,
    optimizations: [],
    requested: gpt4o,
    called: gpt4o,
    calledName: "gpt-4o",
    usage: { prompt_tokens: 2000, prompt_tokens_details: { cached_tokens: 1024 } },
    cache: "bypass",
  });
  assert.equal(s.cost_after_usd, 976 * 2.5e-6 + 1024 * 1.25e-6);
  assert.equal(s.estimated, false);
});

Deno.test("without usage the figures are estimates, and an unknown model has no costs", () => {
  const s = buildStats({
    tokens: { before: 10, after: 10 },
    estimated: false,
    optimizations: [],
    calledName: "my-model",
    cache: "bypass",
  });
  assert.equal(s.estimated, true);
  assert.equal(s.cost_saved_usd, null);
  assert.equal(Object.fromEntries(statsHeaders(s))["x-squint-cost-saved-usd"], "unknown");
  assert.equal(Object.fromEntries(statsHeaders(s))["x-squint-model"], "my-model");
});

Deno.test("text tokens are estimated from characters, per message and for tool definitions", () => {
  assert.equal(estimateStringTokens("abcdefgh"), 2);
  assert.equal(estimateStringTokens("日本語"), 3);
  const body = {
    messages: [{ role: "user", content: "abcdefgh" }, {
      role: "user",
      content: [{ type: "text", text: "abcd" }, { type: "image_url", image_url: { url: "x" } }],
    }],
  };
  assert.equal(estimateTextTokens(body), 3 + (3 + 2) + (3 + 1));
});

Deno.test("Anthropic cache reads and writes are billed at their own rates (0.1x and 1.25x of input)", () => {
  const sonnet = createRegistry().resolve("claude-sonnet-4-6")!;
  const prices = sonnet.prices!;
  assert.equal(Math.round(prices.cachedInputPerMTok! / prices.inputPerMTok * 100) / 100, 0.1);
  assert.equal(Math.round(prices.cacheWritePerMTok! / prices.inputPerMTok * 100) / 100, 1.25);
  const s = buildStats({
    tokens: { before: 10_000, after: 10_000 },
    estimated: false,
    optimizations: [],
    requested: sonnet,
    called: sonnet,
    calledName: "claude-sonnet-4-6",
    usage: {
      prompt_tokens: 10_000,
      prompt_tokens_details: { cached_tokens: 1_000 },
      cache_creation_input_tokens: 2_000,
    },
    cache: "bypass",
  });
  const expected = (7_000 * prices.inputPerMTok + 1_000 * prices.cachedInputPerMTok! +
    2_000 * prices.cacheWritePerMTok!) / 1e6;
  assert.ok(Math.abs(s.cost_after_usd! - expected) < 1e-12, `${s.cost_after_usd} vs ${expected}`);
});

Deno.test("DeepSeek's prompt_cache_hit_tokens are cache reads too; a routed request names its baseline", () => {
  const mini = createRegistry().resolve("gpt-4o-mini")!;
  const s = buildStats({
    tokens: { before: 1000, after: 1000 },
    estimated: false,
    optimizations: [],
    requested: gpt4o,
    called: mini,
    calledName: "gpt-4o-mini",
    usage: { prompt_tokens: 1000, prompt_cache_hit_tokens: 600 },
    cache: "bypass",
    before: { tokens: 1000, model: gpt4o },
  });
  const prices = mini.prices!;
  const expected = (400 * prices.inputPerMTok + 600 * prices.cachedInputPerMTok!) / 1e6;
  assert.ok(Math.abs(s.cost_after_usd! - expected) < 1e-12);
  assert.equal(s.cost_before_model, "gpt-4o");
});

Deno.test("a request above a long-context threshold pays the tier's rates on all its tokens; one brought under it pays the base", () => {
  const gpt54 = createRegistry().resolve("gpt-5.4")!;
  const long = gpt54.prices!.longContext!;
  assert.deepEqual(long, {
    aboveTokens: 271_999,
    inputPerMTok: 5,
    cachedInputPerMTok: 0.5,
    outputPerMTok: 22.5,
  });
  const stats = (before: number, billed: number) =>
    buildStats({
      tokens: { before, after: billed },
      estimated: false,
      optimizations: ["resize"],
      requested: gpt54,
      called: gpt54,
      calledName: "gpt-5.4",
      usage: { prompt_tokens: billed, prompt_tokens_details: { cached_tokens: 100_000 } },
      cache: "bypass",
    });
  // 300k billed (100k of them cache reads): every token at the tier.
  const above = stats(300_000, 300_000);
  assert.equal(above.cost_after_usd, 1.05); // 200k × $5 + 100k × $0.50 per million
  assert.equal(above.cost_saved_usd, 0);
  // 290k sent as 260k: the request left the tier, and what that saved is squint's saving.
  const under = stats(290_000, 260_000);
  assert.equal(under.cost_after_usd, 0.425); // 160k × $2.50 + 100k × $0.25
  assert.equal(under.cost_before_usd, 1.0); // 190k × $5 + 100k × $0.50
});

Deno.test("Anthropic's one-hour cache writes are billed at their own rate (2x input), five-minute ones at 1.25x", () => {
  const s = billedOn("claude-sonnet-4-6", {
    prompt_tokens: 10_000,
    prompt_tokens_details: { cached_tokens: 0 },
    cache_creation_input_tokens: 8_000,
    cache_creation_1h_input_tokens: 6_000,
  });
  // 2,000 plain at $3, 2,000 five-minute writes at $3.75, 6,000 one-hour writes at $6.
  assert.equal(s.cost_after_usd, 0.0495);
});

Deno.test("Gemini's audio input is billed at its own rate where the price list has one", () => {
  const s = billedOn("gemini-2.5-flash", {
    prompt_tokens: 10_000,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 4_000 },
  });
  // 6,000 text tokens at $0.30 and 4,000 audio tokens at $1.00 per million.
  assert.equal(s.cost_after_usd, 0.0058);
});
