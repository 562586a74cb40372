/**
 * A request-log row for tests of the stores and of what reads them: a completed gpt-4o chat
 * request with a resize (1000 → 400 tokens), with `over` on top.
 */
import type { RequestLogRow } from "../../src/storage/types.ts";

/** The row, each call with a fresh id. */
export function logRow(over: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id: crypto.randomUUID(),
    ts: Date.parse("2026-11-20T12:00:00Z"),
    door: "chat_completions",
    keyId: "k1",
    modelRequested: "gpt-4o",
    modelCalled: "gpt-4o",
    provider: "openai",
    status: 200,
    stream: false,
    tokensBefore: 1000,
    tokensAfter: 400,
    upstreamInputTokens: 410,
    upstreamOutputTokens: 5,
    costBeforeUsd: 0.0025,
    costAfterUsd: 0.001,
    costSavedUsd: 0.0015,
    optimizations: ["resize"],
    cache: "bypass",
    estimated: true,
    latencyMs: 12,
    outcome: "complete",
    error: null,
    upstreamRequestId: null,
    content: null,
    ...over,
  };
}
