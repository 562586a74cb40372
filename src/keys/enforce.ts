/**
 * A stored key's limits, checked before a request is served (CONTRACT.md, Keys): a model the
 * key may not use is 403; past its requests or tokens per minute, 429 with `Retry-After` until
 * the minute ends; past its budget, its fallback model when it has one, else 429
 * `budget_exhausted` with `Retry-After` until the period ends. Counts are shared by every
 * instance (`metering.ts`).
 */
import { GatewayError } from "../errors.ts";
import type { Identity } from "./identity.ts";
import type { Counters, Storage } from "../storage/types.ts";
import type { ResolvedKey } from "./key_store.ts";
import { budgetWindow, requestWindow, tokenWindow, type Window } from "./metering.ts";

/** What the limits leave a request: the model to call (the fallback once the budget is spent). */
export interface Admission {
  /** Undefined where the door did not read the model. */
  model?: string;
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

/** 429 for a per-minute limit, with `Retry-After` until the window ends. */
function rateLimited(limit: number, unit: string, window: Window, now: number): GatewayError {
  return new GatewayError(
    429,
    `rate limit: ${limit} ${unit} per minute for this squint key`,
    "rate_limit_error",
    "rate_limited",
    null,
    retryAfter(window, now),
  );
}

function retryAfter(window: Window, now: number): Record<string, string> {
  return { "retry-after": String(Math.max(1, Math.ceil((window.end - now) / 1000))) };
}

/**
 * Checks `key`'s limits for a request to `model` (undefined: a door that does not read the
 * model, whose model list is not checked), counting the request. The counters are read at once.
 */
export async function admitKey(
  key: ResolvedKey,
  model: string | undefined,
  counters: Counters,
  spentSince: SpentSince,
  now = Date.now(),
  /** The door can send the request to another model (false: a spent budget is 429). */
  canSwap = true,
): Promise<Admission> {
  if (model !== undefined && !modelAllowed(model, key.models)) {
    throw new GatewayError(
      403,
      `this squint key may not use model ${JSON.stringify(model)}`,
      "permission_error",
      "model_not_allowed",
      "model",
    );
  }
  const requests = requestWindow(key.id, now), tokens = tokenWindow(key.id, now);
  const budget = budgetWindow(key.id, key.budget_period, now);
  const [requested, used, counted] = await Promise.all([
    key.rpm === null ? 0 : counters.add(requests.counter, 1, requests.end - now + 60_000),
    key.tpm === null ? 0 : counters.get(tokens.counter),
    key.budget_usd === null ? 0 : counters.get(budget.counter),
  ]);
  if (key.rpm !== null && requested > key.rpm) {
    throw rateLimited(key.rpm, "requests", requests, now);
  }
  if (key.tpm !== null && (used ?? 0) >= key.tpm) throw rateLimited(key.tpm, "tokens", tokens, now);
  if (key.budget_usd === null) return { model, budgetFallback: false };
  let spent = counted;
  if (!spent) {
    // Absent (first use this period, or the counters restarted), or the store cannot tell.
    const fromLog = await spentSince(key.id, budget.start);
    await counters.seed(budget.counter, fromLog, budget.end - now + 60_000);
    spent = Math.max(fromLog, (await counters.get(budget.counter)) ?? 0);
  }
  if (spent < key.budget_usd) return { model, budgetFallback: false };
  if (canSwap && key.fallback_model && key.fallback_model !== model) {
    return { model: key.fallback_model, budgetFallback: true };
  }
  throw new GatewayError(
    429,
    `budget exhausted: this squint key has spent $${dollars(spent)} of its $${
      dollars(key.budget_usd)
    } budget per ${key.budget_period}`,
    "rate_limit_error",
    "budget_exhausted",
    null,
    retryAfter(budget, now),
  );
}

/** The refusal of a request that names no model (a stored prompt's own) under a stored key. */
function modelNeeded(): GatewayError {
  return new GatewayError(
    400,
    "model: required with this squint key — its limits and budget are checked, and its spend " +
      "priced, by the model the request names (a stored prompt's own model is not known to squint)",
    "invalid_request_error",
    null,
    "model",
  );
}

/** USD as a person reads it: cents from a dollar up, else to its first two digits, never 1e-7. */
function dollars(usd: number): string {
  if (!(usd > 0)) return "0";
  return usd.toFixed(usd >= 1 ? 2 : Math.min(20, 1 - Math.floor(Math.log10(usd))));
}

/**
 * The limits of the caller's stored key, if it has one, for a request to `model` (undefined: a
 * door that does not read the model, which cannot swap it for the key's fallback either; `""`:
 * a request that names none, refused under a stored key).
 */
export function admitCaller(
  identity: Identity,
  model: string | undefined,
  storage: Storage,
): Promise<Admission> {
  const keys = storage.keys;
  if (!identity.key || !keys) return Promise.resolve({ model, budgetFallback: false });
  if (model === "") return Promise.reject(modelNeeded());
  return admitKey(
    identity.key,
    model,
    storage.counters,
    (id, since) => keys.spentSince(id, since),
    Date.now(),
    model !== undefined,
  );
}
