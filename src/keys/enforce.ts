/**
 * A stored key's limits, checked before a request is served (CONTRACT.md, Keys): a model the
 * key may not use is 403; past its requests or tokens per minute, 429 with `Retry-After` until
 * the minute ends; past its budget, its fallback model when it has one, else 429
 * `budget_exhausted` with `Retry-After` until the period ends. Counts are shared by every
 * instance (`metering.ts`).
 */
import { GatewayError } from "../http/errors.ts";
import type { Identity } from "../http/auth.ts";
import type { Counters, Storage } from "../storage/types.ts";
import type { ResolvedKey } from "./key_store.ts";
import { budgetWindow, requestWindow, tokenWindow, type Window } from "./metering.ts";

/** What the limits leave a request: the model to call (the fallback once the budget is spent). */
export interface Admission {
  model: string;
  /** The budget is spent and the key's fallback model is used instead. */
  budgetFallback: boolean;
}

/** USD spent by a key since a time, from the database (seeds a missing budget counter). */
export type SpentSince = (keyId: string, since: number) => Promise<number>;

/** Whether `model` matches a key's pattern (`*` matches any run of characters). */
export function modelAllowed(model: string, patterns: readonly string[] | null): boolean {
  if (!patterns) return true;
  return patterns.some((p) =>
    new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)
      .test(model)
  );
}

function retryAfter(window: Window, now: number): Record<string, string> {
  return { "retry-after": String(Math.max(1, Math.ceil((window.end - now) / 1000))) };
}

/** Checks `key`'s limits for a request to `model`, counting the request. */
export async function admitKey(
  key: ResolvedKey,
  model: string,
  counters: Counters,
  spentSince: SpentSince,
  now = Date.now(),
): Promise<Admission> {
  if (!modelAllowed(model, key.models)) {
    throw new GatewayError(
      403,
      `this squint key may not use model ${JSON.stringify(model)}`,
      "permission_error",
      "model_not_allowed",
      "model",
    );
  }
  if (key.rpm !== null) {
    const w = requestWindow(key.id, now);
    const count = await counters.add(w.counter, 1, w.end - now + 60_000);
    if (count > key.rpm) {
      throw new GatewayError(
        429,
        `rate limit: ${key.rpm} requests per minute for this squint key`,
        "rate_limit_error",
        "rate_limited",
        null,
        retryAfter(w, now),
      );
    }
  }
  if (key.tpm !== null) {
    const w = tokenWindow(key.id, now);
    if (((await counters.get(w.counter)) ?? 0) >= key.tpm) {
      throw new GatewayError(
        429,
        `rate limit: ${key.tpm} tokens per minute for this squint key`,
        "rate_limit_error",
        "rate_limited",
        null,
        retryAfter(w, now),
      );
    }
  }
  if (key.budget_usd === null) return { model, budgetFallback: false };
  const w = budgetWindow(key.id, key.budget_period, now);
  let spent = await counters.get(w.counter);
  if (!spent) {
    // Absent (first use this period, or the counters restarted), or the store cannot tell.
    const fromLog = await spentSince(key.id, w.start);
    await counters.seed(w.counter, fromLog, w.end - now + 60_000);
    spent = Math.max(fromLog, (await counters.get(w.counter)) ?? 0);
  }
  if (spent < key.budget_usd) return { model, budgetFallback: false };
  if (key.fallback_model && key.fallback_model !== model) {
    return { model: key.fallback_model, budgetFallback: true };
  }
  throw new GatewayError(
    429,
    `budget exhausted: this squint key has spent $${
      spent.toFixed(4)
    } of its $${key.budget_usd} budget per ${key.budget_period}`,
    "rate_limit_error",
    "budget_exhausted",
    null,
    retryAfter(w, now),
  );
}

/** The limits of the caller's stored key, if it has one, for a request to `model`. */
export function admitCaller(
  identity: Identity,
  model: string,
  storage: Storage,
): Promise<Admission> {
  const keys = storage.keys;
  if (!identity.key || !keys) return Promise.resolve({ model, budgetFallback: false });
  return admitKey(identity.key, model, storage.counters, (id, since) => keys.spentSince(id, since));
}
