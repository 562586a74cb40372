/**
 * The processing tier a provider says it served a call at, and what that tier does to the list
 * price every figure of the call is counted at (stats, spend, savings by channel). OpenAI reports
 * it as the answer's `service_tier` (Chat Completions, each stream chunk, Responses), Anthropic
 * as `usage.service_tier`, Gemini in the `x-gemini-service-tier` response header; the usage squint
 * reads carries it (`OpenAIUsage.service_tier`).
 * - `flex` (OpenAI's flex processing, Gemini's Flex inference): "Tokens are priced at Batch API
 *   rates" (OpenAI), "50% discount" (Gemini) — half the list price on every token rate, cache
 *   reads included; per-call fees (web search) unchanged.
 * - `priority` (OpenAI, Anthropic, Gemini): a price list of its own that the catalogue does not
 *   carry (OpenAI's runs 1.7-2× the list price by model, Gemini's "75% to 100% more"). The
 *   figures stay at the list price and are labelled estimated: never guessed higher.
 * - Anything else (`default`, `auto`, `scale`, `standard`, none) is the list price. Work done in a
 *   batch (`batch`) is priced where batches are counted (`batches.ts`), not again here.
 *
 * @module
 */
import type { Prices } from "../models/types.ts";
import { own } from "../own.ts";
import { BATCH_PRICE_FACTOR, scaledPrices } from "./batches.ts";

/** Tiers billed at a documented share of the list price. */
const TIER_FACTORS: Readonly<Record<string, number>> = { flex: BATCH_PRICE_FACTOR };

/** Tiers billed at a price the catalogue does not list: counted at list price, as an estimate. */
const UNLISTED_TIERS: ReadonlySet<string> = new Set(["priority"]);

/** The prices a call served at `tier` pays. */
export function pricesForTier(prices: Prices, tier: string | undefined): Prices {
  const factor = tier === undefined ? undefined : own(TIER_FACTORS, tier);
  return factor === undefined ? prices : scaledPrices(prices, factor, `${tier} tier`);
}

/** Whether a call served at `tier` is billed at a price squint does not know. */
export function unlistedTier(tier: string | undefined): boolean {
  return tier !== undefined && UNLISTED_TIERS.has(tier);
}

/** The `service_tier` field of a usage, when an answer says a tier (`{}` otherwise). */
export function serviceTier(tier: unknown): { service_tier?: string } {
  return typeof tier === "string" ? { service_tier: tier } : {};
}

/** `usage` with the tier the answer says it was served at, when it says one. */
export function withServiceTier<U extends object>(
  usage: U | undefined,
  tier: unknown,
): (U & { service_tier?: string }) | undefined {
  return usage && typeof tier === "string" ? { ...usage, service_tier: tier } : usage;
}
