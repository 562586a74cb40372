/** Building the request-log row of a Chat Completions call. */
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import type { Attempt } from "../providers/attempts.ts";
import { savingsByChannel } from "./savings.ts";
import type { LoggedImage, RequestLogRow } from "../storage/types.ts";
import type { PlannedImage } from "../optimize/plan_image.ts";
import { type OpenAIUsage, servedWithoutCall, type SquintStats } from "./stats.ts";
import type { Prices } from "../models/types.ts";
import { usd } from "../usd.ts";
import { pricesAt } from "../models/prices.ts";
import { pricesForTier } from "./service_tier.ts";

/** How the call went. */
export interface CallOutcome {
  status: number;
  outcome: string;
  stats: SquintStats;
  usage?: OpenAIUsage;
  upstreamRequestId: string | null;
  error?: string;
  content: string | null;
  /** The door, when not Chat Completions. */
  door?: string;
  /** Every upstream attempt, when there was more than one. */
  attempts?: readonly Attempt[];
  timing?: RequestTiming;
  /** JSON pointers of the plan's images in the client's body, in plan order. */
  imagePaths?: readonly string[];
  /** The called model's prices, when not its registry entry's (passthrough's catalogue price). */
  prices?: Prices;
}

/** When a request reached the upstream and its answer the client (performance.now() ms). */
export interface RequestTiming {
  /** squint sent the first attempt upstream. */
  upstreamSent?: number;
  /** The first bytes of a streamed answer went to the client. */
  firstByte?: number;
}

const ms = (x: number) => Math.round(x * 100) / 100;

/** The per-image decisions the log keeps: no OCR text (that is content). */
function loggedImages(
  images: readonly PlannedImage[],
  paths: readonly string[] = [],
): LoggedImage[] {
  return images.map((image, i) => ({
    ...(paths[i] !== undefined ? { path: paths[i] } : {}),
    action: image.action,
    reasons: image.reasons,
    ...(image.intent ? { intent: image.intent } : {}),
    ...(image.content ? { content: image.content } : {}),
    before: image.before,
    after: image.after,
  }));
}

/**
 * What a call cost in all: its billed input (`cost_after_usd`), its output's tokens at the
 * output price and its hosted searches (web, files) at their price per call; the input alone
 * when those prices are not known, null when nothing is.
 */
function spentUsd(
  stats: SquintStats,
  outputTokens: number | null,
  prices: Prices | undefined,
  usage: OpenAIUsage | undefined,
): number | null {
  if (stats.cost_after_usd === null) return null;
  if (!prices) return stats.cost_after_usd;
  const paid = pricesAt(pricesForTier(prices, usage?.service_tier), stats.upstream_input_tokens);
  const output = (outputTokens ?? 0) * paid.outputPerMTok;
  const searched = (usage?.web_search_requests ?? 0) * (prices.webSearchPerK ?? 0) +
    (usage?.file_search_requests ?? 0) * (prices.fileSearchPerK ?? 0);
  return usd(stats.cost_after_usd + output / 1e6 + searched / 1000);
}

/** The log row of one call. */
export function chatLogRow(
  id: string,
  keyId: string | null,
  started: number,
  prepared: PreparedChat,
  call: CallOutcome,
): RequestLogRow {
  const s = call.stats;
  const now = performance.now();
  const { upstreamSent, firstByte } = call.timing ?? {};
  const called = upstreamSent !== undefined && !servedWithoutCall(s.cache);
  const images = prepared.plan.images;
  const outputTokens = servedWithoutCall(s.cache) ? 0 : call.usage?.completion_tokens ?? null;
  return {
    id,
    ts: Date.now(),
    door: call.door ?? "chat_completions",
    keyId,
    modelRequested: prepared.model,
    modelCalled: s.model,
    provider: prepared.resolved?.family.provider ?? "openai",
    status: call.status,
    stream: prepared.stream,
    tokensBefore: s.tokens_before,
    tokensAfter: s.tokens_after,
    upstreamInputTokens: s.upstream_input_tokens,
    upstreamOutputTokens: outputTokens,
    costBeforeUsd: s.cost_before_usd,
    costAfterUsd: s.cost_after_usd,
    costSavedUsd: s.cost_saved_usd,
    spentUsd: spentUsd(
      s,
      outputTokens,
      call.prices ?? prepared.resolved?.prices,
      servedWithoutCall(s.cache) ? undefined : call.usage,
    ),
    optimizations: s.optimizations,
    cache: s.cache,
    estimated: s.estimated,
    latencyMs: ms(now - started),
    outcome: prepared.passthroughReason && call.outcome === "complete"
      ? "passthrough"
      : call.outcome,
    error: call.error ?? null,
    upstreamRequestId: call.upstreamRequestId,
    content: call.content,
    attempts: call.attempts && call.attempts.length > 1 ? JSON.stringify(call.attempts) : null,
    savings: JSON.stringify(savingsByChannel(prepared, s, call.usage)),
    upstreamMs: called ? ms(now - upstreamSent) : null,
    firstTokenMs: firstByte !== undefined ? ms(firstByte - started) : null,
    cachedInputTokens: call.usage
      ? call.usage.prompt_tokens_details?.cached_tokens ?? call.usage.prompt_cache_hit_tokens ??
        null
      : null,
    cacheWriteTokens: call.usage?.cache_creation_input_tokens ?? null,
    passthroughReason: prepared.passthroughReason ?? null,
    images: images.length ? JSON.stringify(loggedImages(images, call.imagePaths)) : null,
    task: prepared.routing?.task ?? null,
  };
}

/**
 * The log row of a request squint answered with its own error (no model figures), through
 * `door` (router.ts `errorPlace`) of `provider`'s API.
 */
export function errorLogRow(
  id: string,
  { door, provider, keyId = null, model = null }: {
    door: string;
    provider: string;
    keyId?: string | null;
    model?: string | null;
  },
  started: number,
  status: number,
  error: string,
  errorCode: string | null = null,
): RequestLogRow {
  return {
    id,
    ts: Date.now(),
    door,
    keyId,
    modelRequested: model,
    modelCalled: null,
    provider,
    status,
    stream: false,
    tokensBefore: 0,
    tokensAfter: 0,
    upstreamInputTokens: null,
    upstreamOutputTokens: null,
    costBeforeUsd: null,
    costAfterUsd: null,
    costSavedUsd: null,
    spentUsd: null,
    optimizations: [],
    cache: "bypass",
    estimated: true,
    latencyMs: ms(performance.now() - started),
    outcome: "error",
    error,
    errorCode,
    upstreamRequestId: null,
    content: null,
  };
}
