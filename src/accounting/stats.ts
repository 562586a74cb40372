/**
 * The `squint` stats object and `X-Squint-*` headers (CONTRACT.md, What squint reports).
 * Tokens before/after are squint's estimate of the request as the client sent it and as squint
 * sent it, computed the same way. Costs are input costs: with the provider's billed usage when it
 * reports one (cost after = billed; cost before = billed + what squint removed), else from the
 * estimates, and then labelled `estimated`.
 */
import type { Prices, ResolvedModel } from "../models/types.ts";
import { pricesAt } from "../models/prices.ts";
import { usd } from "../usd.ts";
import { pricesForTier, unlistedTier } from "./service_tier.ts";

/** The usage fields squint reads from an OpenAI-shaped answer. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number } | null;
  /** Input tokens written to the provider's prompt cache (Anthropic), inside `prompt_tokens`. */
  cache_creation_input_tokens?: number;
  /** Of those, the ones written for an hour (Anthropic's `ttl: "1h"`, billed at their own rate). */
  cache_creation_1h_input_tokens?: number;
  /** Server-side web searches, billed per search (Anthropic's `server_tool_use`, Responses calls). */
  web_search_requests?: number;
  /** Hosted file searches (Responses `file_search_call`), billed per call. */
  file_search_requests?: number;
  /** DeepSeek's name for cache reads (OpenAI-compatible endpoints), inside `prompt_tokens`. */
  prompt_cache_hit_tokens?: number;
  /**
   * The processing tier the provider says it served the call at (OpenAI's `service_tier` beside
   * the usage, Anthropic's `usage.service_tier`, Gemini's `x-gemini-service-tier` header): it
   * moves the price (`service_tier.ts`).
   */
  service_tier?: string;
}

/** Input tokens read from the provider's prompt cache, whichever field carries them. */
const cacheReads = (usage: OpenAIUsage) =>
  usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? 0;

/** The `squint` object. */
export interface SquintStats {
  tokens_before: number;
  tokens_after: number;
  tokens_saved: number;
  upstream_input_tokens: number | null;
  cost_before_usd: number | null;
  cost_after_usd: number | null;
  cost_saved_usd: number | null;
  optimizations: string[];
  estimated: boolean;
  cache: "hit" | "miss" | "bypass" | "dedup";
  model: string;
  /** Why squint sent the request unoptimized, when it had to. */
  passthrough_reason?: string;
  /** The model `cost_before_usd` is priced on, when squint called another (auto, cascade). */
  cost_before_model?: string;
}

/** What the stats are computed from. */
export interface StatsInput {
  tokens: { before: number; after: number };
  estimated: boolean;
  optimizations: string[];
  /** The model the client named, and the one called (the same until routing exists). */
  requested?: ResolvedModel;
  called?: ResolvedModel;
  calledName: string;
  usage?: OpenAIUsage;
  cache: SquintStats["cache"];
  passthroughReason?: string;
  /**
   * When squint chose another model: the request's input tokens on the model named (or the
   * reference model, for `auto`), which the saving is measured against (an estimate).
   */
  before?: { tokens: number; model?: ResolvedModel };
  /** squint placed the prompt-cache breakpoints: what the cache saved is squint's saving. */
  promptCacheBySquint?: boolean;
}

const perToken = (perMTok: number) => perMTok / 1e6;

/** A model's list prices at the tier `usage` says the call was served at. */
const tiered = (model: { prices?: Prices } | undefined, usage: OpenAIUsage | undefined) =>
  model?.prices && pricesForTier(model.prices, usage?.service_tier);

/** Cache writes by rate: five-minute ones and one-hour ones (all five-minute unless told). */
function cacheWrites(usage: OpenAIUsage): { minutes: number; hour: number } {
  const written = usage.cache_creation_input_tokens ?? 0;
  const hour = Math.min(written, usage.cache_creation_1h_input_tokens ?? 0);
  return { minutes: written - hour, hour };
}

/** What each kind of cache write costs per token more than plain input (negative: less). */
function writeRates(prices: Prices): { minutes: number; hour: number } {
  const minutes = prices.cacheWritePerMTok ?? prices.inputPerMTok;
  return { minutes, hour: prices.cacheWrite1hPerMTok ?? minutes };
}

/** Billed input at the provider's rates: cache reads and cache writes each at their own. */
export function billedInputCost(prices: Prices, usage: OpenAIUsage): number {
  const total = usage.prompt_tokens ?? 0;
  const read = cacheReads(usage);
  const written = cacheWrites(usage);
  const rate = writeRates(prices);
  const readRate = prices.cachedInputPerMTok ?? prices.inputPerMTok;
  // Uncached audio at its own rate, where the price list has one (Gemini).
  const audio = prices.inputAudioPerMTok === undefined ? 0 : Math.min(
    usage.prompt_tokens_details?.audio_tokens ?? 0,
    total - read - written.minutes - written.hour,
  );
  return (total - read - written.minutes - written.hour - audio) * perToken(prices.inputPerMTok) +
    audio * perToken(prices.inputAudioPerMTok ?? 0) + read * perToken(readRate) +
    written.minutes * perToken(rate.minutes) + written.hour * perToken(rate.hour);
}

/**
 * What provider prompt caching saved on billed input, at the provider's rates: reads cost less
 * than input, writes more (a negative part). Zero without cache figures.
 */
export function promptCacheSaving(prices: Prices, usage: OpenAIUsage): number {
  const read = cacheReads(usage);
  const written = cacheWrites(usage);
  const rate = writeRates(prices);
  const readRate = prices.cachedInputPerMTok ?? prices.inputPerMTok;
  return (read * (prices.inputPerMTok - readRate) +
    written.minutes * (prices.inputPerMTok - rate.minutes) +
    written.hour * (prices.inputPerMTok - rate.hour)) / 1e6;
}

/**
 * What the `saved` tokens squint removed would have cost on the model named, at the rates the
 * whole request would have paid there: `saved` at its input rate, or, when a long-context
 * threshold lies between the two sizes, the difference between the two requests' bills.
 */
function removedCost(requested: Prices, usage: OpenAIUsage, billed: number, saved: number): number {
  if (!requested.longContext) return saved * perToken(requested.inputPerMTok);
  const unoptimized = { ...usage, prompt_tokens: billed + saved };
  return billedInputCost(pricesAt(requested, billed + saved), unoptimized) -
    billedInputCost(pricesAt(requested, billed), usage);
}

/** Whether the answer came without an upstream call of its own (cache hit, shared call). */
export function servedWithoutCall(cache: SquintStats["cache"]): boolean {
  return cache === "hit" || cache === "dedup";
}

/**
 * The stats of an answer served without a call: nothing was sent or billed, and the saving is
 * what the call would have cost the client: its input as the client sent it and the output the
 * stored answer billed (from that answer's usage; from the input estimate when it has none).
 */
function servedStats(input: StatsInput, called: SquintStats): SquintStats {
  const listed = tiered(input.requested, input.usage);
  const prices = listed && pricesAt(listed, input.tokens.before);
  const output = input.usage?.completion_tokens ?? 0;
  const before = called.cost_before_usd === null || !prices
    ? null
    : usd(called.cost_before_usd + output * perToken(prices.outputPerMTok));
  return {
    ...called,
    tokens_after: 0,
    tokens_saved: input.tokens.before,
    upstream_input_tokens: 0,
    cost_before_usd: before,
    cost_after_usd: before === null ? null : 0,
    cost_saved_usd: before,
  };
}

/** Builds the `squint` object. */
export function buildStats(input: StatsInput): SquintStats {
  const saved = input.tokens.before - input.tokens.after;
  const billed = typeof input.usage?.prompt_tokens === "number" ? input.usage.prompt_tokens : null;
  // Each side at the rates its own size pays (a long-context tier above a threshold), both at
  // the processing tier the call was served at.
  const requested = tiered(input.requested, input.usage);
  const called = tiered(input.called, input.usage);
  const before = requested &&
    pricesAt(requested, billed !== null ? billed + saved : input.tokens.before);
  const after = called && pricesAt(called, billed ?? input.tokens.after);
  let costBefore: number | null = null;
  let costAfter: number | null = null;
  if (before && after) {
    costAfter = billed !== null
      ? billedInputCost(after, input.usage!)
      : input.tokens.after * perToken(after.inputPerMTok);
    costBefore = billed !== null
      ? costAfter + removedCost(requested!, input.usage!, billed, saved)
      : input.tokens.before * perToken(before.inputPerMTok);
  }
  if (input.promptCacheBySquint && costBefore !== null && after && input.usage) {
    costBefore += promptCacheSaving(after, input.usage);
  }
  if (input.before) {
    const listed = tiered(input.before.model, input.usage);
    const price = listed && pricesAt(listed, input.before.tokens).inputPerMTok;
    costBefore = price === undefined ? null : input.before.tokens * perToken(price);
  }
  const tokensBefore = input.before?.tokens ?? input.tokens.before;
  const stats: SquintStats = {
    tokens_before: tokensBefore,
    tokens_after: input.tokens.after,
    tokens_saved: tokensBefore - input.tokens.after,
    upstream_input_tokens: billed,
    cost_before_usd: costBefore === null ? null : usd(costBefore),
    cost_after_usd: costAfter === null ? null : usd(costAfter),
    cost_saved_usd: costBefore === null || costAfter === null ? null : usd(costBefore - costAfter),
    optimizations: input.optimizations,
    estimated: input.estimated || billed === null || input.before !== undefined ||
      unlistedTier(input.usage?.service_tier),
    cache: input.cache,
    model: input.calledName,
  };
  if (input.passthroughReason) stats.passthrough_reason = input.passthroughReason;
  if (input.before?.model) stats.cost_before_model = input.before.model.requested;
  return servedWithoutCall(input.cache) ? servedStats(input, stats) : stats;
}

/** The `X-Squint-*` headers of a stats object, as name/value pairs. */
export function statsHeaders(stats: SquintStats): [string, string][] {
  return [
    ["x-squint-tokens-before", String(stats.tokens_before)],
    ["x-squint-tokens-after", String(stats.tokens_after)],
    ["x-squint-tokens-saved", String(stats.tokens_saved)],
    [
      "x-squint-cost-saved-usd",
      stats.cost_saved_usd === null ? "unknown" : String(stats.cost_saved_usd),
    ],
    ["x-squint-cache-status", stats.cache === "dedup" ? "hit" : stats.cache],
    ["x-squint-model", stats.model],
  ];
}
