/**
 * What a key has used, in the windows its limits are counted in: requests and tokens per
 * minute, USD per day and per month (UTC). Counters live in the shared store, so limits hold
 * across instances; a budget counter missing there (first use in the period, or a Redis that
 * restarted) is seeded from the database's daily aggregates before it is read.
 */
import { type Counters, type RequestLogRow, spent } from "../storage/types.ts";
import type { SquintKey } from "./key_store.ts";

const MINUTE = 60_000;

/** The window a limit is counted in at `now`: its counter name and when it ends. */
export interface Window {
  counter: string;
  start: number;
  end: number;
}

function minute(what: string, id: string, now: number): Window {
  const start = now - now % MINUTE;
  return { counter: `rl:${what}:${id}:${start}`, start, end: start + MINUTE };
}

/** The request-count window of key `id`. */
export const requestWindow = (id: string, now = Date.now()): Window => minute("req", id, now);
/** The token-count window of key `id`. */
export const tokenWindow = (id: string, now = Date.now()): Window => minute("tok", id, now);

/** The budget window of key `id` in `period`. */
export function budgetWindow(
  id: string,
  period: SquintKey["budget_period"],
  now = Date.now(),
): Window {
  const d = new Date(now);
  const start = period === "day"
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = period === "day"
    ? start + 86_400_000
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { counter: `spend:${period}:${id}:${start}`, start, end };
}

/** Whether a log row belongs to a stored squint key (whose use is metered). */
export function isKeyId(keyId: string | null): keyId is string {
  return keyId !== null && keyId.startsWith("key_");
}

/** Counts one finished request's tokens and spend against its key. */
export async function meterUse(counters: Counters, row: RequestLogRow): Promise<void> {
  if (!isKeyId(row.keyId) || row.status >= 400) return;
  const tokens = (row.upstreamInputTokens ?? row.tokensAfter) + (row.upstreamOutputTokens ?? 0);
  const adds: Promise<number>[] = [];
  const tok = tokenWindow(row.keyId, row.ts);
  if (tokens > 0) adds.push(counters.add(tok.counter, tokens, tok.end - row.ts + MINUTE));
  const usd = spent(row) ?? 0;
  if (usd > 0) {
    for (const period of ["day", "month"] as const) {
      const w = budgetWindow(row.keyId, period, row.ts);
      adds.push(counters.add(w.counter, usd, w.end - row.ts + MINUTE));
    }
  }
  await Promise.all(adds);
}
