/** Building the request-log row of a Chat Completions call. */
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import type { Attempt } from "../providers/attempts.ts";
import { savingsByChannel } from "./savings.ts";
import type { RequestLogRow } from "../storage/types.ts";
import { type OpenAIUsage, servedWithoutCall, type SquintStats } from "./stats.ts";

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
    upstreamOutputTokens: servedWithoutCall(s.cache) ? 0 : call.usage?.completion_tokens ?? null,
    costBeforeUsd: s.cost_before_usd,
    costAfterUsd: s.cost_after_usd,
    costSavedUsd: s.cost_saved_usd,
    optimizations: s.optimizations,
    cache: s.cache,
    estimated: s.estimated,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    outcome: prepared.passthroughReason && call.outcome === "complete"
      ? "passthrough"
      : call.outcome,
    error: call.error ?? null,
    upstreamRequestId: call.upstreamRequestId,
    content: call.content,
    attempts: call.attempts && call.attempts.length > 1 ? JSON.stringify(call.attempts) : null,
    savings: JSON.stringify(savingsByChannel(prepared, s, call.usage)),
  };
}

/** The log row of a request squint answered with its own error (no model figures). */
export function errorLogRow(
  id: string,
  door: string,
  started: number,
  status: number,
  error: string,
): RequestLogRow {
  return {
    id,
    ts: Date.now(),
    door,
    keyId: null,
    modelRequested: null,
    modelCalled: null,
    provider: "openai",
    status,
    stream: false,
    tokensBefore: 0,
    tokensAfter: 0,
    upstreamInputTokens: null,
    upstreamOutputTokens: null,
    costBeforeUsd: null,
    costAfterUsd: null,
    costSavedUsd: null,
    optimizations: [],
    cache: "bypass",
    estimated: true,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    outcome: "error",
    error,
    upstreamRequestId: null,
    content: null,
  };
}
