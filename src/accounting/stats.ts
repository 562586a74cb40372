/**
 * The `squint` stats object and `X-Squint-*` headers (CONTRACT.md, What squint reports).
 * Tokens before/after are squint's estimate of the request as the client sent it and as squint
 * sent it, computed the same way. Costs are input costs: with the provider's billed usage when it
 * reports one (cost after = billed; cost before = billed + what squint removed), else from the
 * estimates, and then labelled `estimated`.
 */
import type { Prices, ResolvedModel } from "../models/types.ts";

/** The usage fields squint reads from an OpenAI-shaped answer. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

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
}

const usd = (x: number) => Math.round(x * 1e10) / 1e10;
const perToken = (perMTok: number) => perMTok / 1e6;

function billedInputCost(prices: Prices, usage: OpenAIUsage): number {
  const total = usage.prompt_tokens ?? 0;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cachedRate = prices.cachedInputPerMTok ?? prices.inputPerMTok;
  return (total - cached) * perToken(prices.inputPerMTok) + cached * perToken(cachedRate);
}

/** Builds the `squint` object. */
export function buildStats(input: StatsInput): SquintStats {
  const saved = input.tokens.before - input.tokens.after;
  const billed = typeof input.usage?.prompt_tokens === "number" ? input.usage.prompt_tokens : null;
  const before = input.requested?.prices;
  const after = input.called?.prices;
  let costBefore: number | null = null;
  let costAfter: number | null = null;
  if (before && after) {
    costAfter = billed !== null
      ? billedInputCost(after, input.usage!)
      : input.tokens.after * perToken(after.inputPerMTok);
    costBefore = billed !== null
      ? costAfter + saved * perToken(before.inputPerMTok)
      : input.tokens.before * perToken(before.inputPerMTok);
  }
  const stats: SquintStats = {
    tokens_before: input.tokens.before,
    tokens_after: input.tokens.after,
    tokens_saved: saved,
    upstream_input_tokens: billed,
    cost_before_usd: costBefore === null ? null : usd(costBefore),
    cost_after_usd: costAfter === null ? null : usd(costAfter),
    cost_saved_usd: costBefore === null || costAfter === null ? null : usd(costBefore - costAfter),
    optimizations: input.optimizations,
    estimated: input.estimated || billed === null,
    cache: input.cache,
    model: input.calledName,
  };
  if (input.passthroughReason) stats.passthrough_reason = input.passthroughReason;
  return stats;
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
