/**
 * One request's saving split by where it came from (`/v1/usage?group_by=channel`): image
 * optimization, OCR, the response cache, de-duplication, model routing, and provider prompt
 * caching that squint arranged. The parts add up to the request's `cost_saved_usd`: a stored or
 * shared answer saves the whole call; otherwise each image saves its tokens at the called
 * model's input price, breakpoints squint placed save what the provider's cache took off the
 * bill (less what its writes added), and a routed request saves what the named (or reference)
 * model would have cost less what the same request costs on the model called.
 */
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import { type OpenAIUsage, promptCacheSaving, type SquintStats } from "./stats.ts";
import { usd } from "../usd.ts";
import { pricesAt } from "../models/prices.ts";
import { pricesForTier } from "./service_tier.ts";

/** USD saved per channel (only channels that saved something). */
export type ChannelSavings = Partial<Record<Channel, number>>;

/** The channels of `/v1/usage?group_by=channel`. */
export type Channel = "images" | "ocr" | "cache" | "dedup" | "routing" | "prompt_cache";

/** The split of `stats.cost_saved_usd` for a request prepared as `prepared`. */
export function savingsByChannel(
  prepared: PreparedChat,
  stats: SquintStats,
  usage?: OpenAIUsage,
): ChannelSavings {
  const saved = stats.cost_saved_usd;
  if (saved === null || saved === 0) return {};
  if (stats.cache === "hit") return { cache: saved };
  if (stats.cache === "dedup") return { dedup: saved };
  const listed = prepared.resolved?.prices;
  if (listed === undefined) return {};
  // At the rates the request paid (its processing tier; a long-context tier, when its input was
  // above one).
  const prices = pricesAt(
    pricesForTier(listed, usage?.service_tier),
    usage?.prompt_tokens ?? stats.tokens_after,
  );
  const out: ChannelSavings = {};
  const add = (channel: Channel, amount: number) => {
    if (amount !== 0) out[channel] = usd((out[channel] ?? 0) + amount);
  };
  if (prepared.promptCacheBySquint && usage) {
    add("prompt_cache", promptCacheSaving(prices, usage));
  }
  const pictures: ChannelSavings = {};
  for (const image of prepared.plan.images) {
    const tokens = image.before.tokens - image.after.tokens;
    const channel = image.optimizations.includes("ocr") ? "ocr" : "images";
    pictures[channel] = (pictures[channel] ?? 0) + tokens;
    add(channel, tokens * prices.inputPerMTok / 1e6);
  }
  const parts = Object.values(out).reduce((a, b) => a + (b ?? 0), 0);
  // Routing gets the rest: the named model's cost less the request's own, before optimization.
  if (prepared.routing?.from !== undefined) add("routing", saved - parts);
  else if (Object.keys(pictures).length > 0) {
    // The rest is a long-context tier the smaller pictures brought the request under: theirs.
    const most = (pictures.ocr ?? 0) > (pictures.images ?? 0) ? "ocr" : "images";
    add(most, saved - parts);
  }
  return out;
}
