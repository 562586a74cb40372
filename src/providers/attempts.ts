/**
 * Calling an upstream until one answers: each candidate model in turn (the one asked for, then
 * its configured fallbacks), each retried on 429, 5xx, timeouts and connection resets with
 * exponential backoff and full jitter, never sooner than the upstream's `Retry-After`, within a
 * total time budget; a candidate squint holds no key for is skipped, and so is an upstream whose
 * circuit is open. When every attempt fails the client gets the last upstream answer (status and
 * body) or error. Every attempt is recorded. Retries happen before the answer is handed on, so a
 * stream is never retried once a byte has reached the client.
 */
import { GatewayError } from "../errors.ts";
import { timerMs } from "../timers.ts";

/** One try, as the request log keeps it. */
export interface Attempt {
  model: string;
  provider: string;
  /** The upstream's status, when it answered. */
  status?: number;
  /** Why there was no answer (timeout, reset, no key, circuit open). */
  error?: string;
  /** When it started (ms since the epoch). */
  at: number;
  /** How long until the upstream answered (its headers) or failed. */
  ms: number;
}

/** How hard to try. */
export interface RetryPolicy {
  /** Tries after the first, per candidate. */
  retries: number;
  /** First backoff step and cap, ms. */
  baseMs: number;
  maxMs: number;
  /** All attempts of one request, ms. */
  totalMs: number;
}

/** One model to try: how to prepare its call, and how to send it. */
export interface Candidate<P> {
  model: string;
  provider: string;
  /** The circuit it runs on (its upstream's base URL). */
  upstream: string;
  /** Prepares the call; a GatewayError `no_server_key` skips the candidate. */
  prepare(): Promise<P>;
  send(prepared: P, signal: AbortSignal): Promise<Response>;
}

/** Answers worth another try. */
export function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` in ms (seconds or an HTTP date), if the upstream sent one. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full-jitter exponential backoff before try `n` (1-based): random in [0, min(max, base·2ⁿ⁻¹)]. */
export function backoffMs(n: number, policy: RetryPolicy, random = Math.random): number {
  return random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
}

/**
 * A circuit breaker per upstream: after `threshold` failures in a row it opens for `cooldownMs`,
 * then lets one try through (half-open); a success closes it.
 */
export class Circuits {
  #state = new Map<string, { failures: number; openUntil: number }>();

  constructor(
    readonly threshold: number,
    readonly cooldownMs: number,
    readonly now: () => number = Date.now,
  ) {}

  allows(upstream: string): boolean {
    const state = this.#state.get(upstream);
    if (!state || state.failures < this.threshold) return true;
    if (this.now() < state.openUntil) return false;
    state.openUntil = this.now() + this.cooldownMs; // half-open: this one try only
    return true;
  }

  /** Ms until an open circuit lets its next try through (0 when it would now). */
  reopensInMs(upstream: string): number {
    const state = this.#state.get(upstream);
    return state ? Math.max(0, state.openUntil - this.now()) : 0;
  }

  /** Failures in a row since `upstream` last answered. */
  failures(upstream: string): number {
    return this.#state.get(upstream)?.failures ?? 0;
  }

  succeeded(upstream: string): void {
    this.#state.delete(upstream);
  }

  failed(upstream: string): void {
    const state = this.#state.get(upstream) ?? { failures: 0, openUntil: 0 };
    state.failures++;
    if (state.failures >= this.threshold) state.openUntil = this.now() + this.cooldownMs;
    this.#state.set(upstream, state);
  }

  /**
   * Every upstream that has failed since it last answered: `open` while it is held off,
   * `half_open` once the cool-down is over (the next call is its trial), else `closed`.
   */
  snapshot(): CircuitState[] {
    const now = this.now();
    return [...this.#state].map(([upstream, { failures, openUntil }]) => ({
      upstream,
      failures,
      state: failures < this.threshold ? "closed" : now < openUntil ? "open" : "half_open",
    }));
  }
}

/** One upstream's circuit, as operators see it. */
export interface CircuitState {
  /** `provider:baseUrl`. */
  upstream: string;
  /** Failures in a row. */
  failures: number;
  state: "closed" | "open" | "half_open";
}

/** One attempt in a line: `gpt-4o 503`, `claude-sonnet-4-6 timeout …`. */
export function describe(attempt: Attempt): string {
  return `${attempt.model} ${attempt.status ?? attempt.error}`;
}

/** Waits `ms` unless `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const gone = () => new GatewayError(499, "client disconnected", "api_error", "client_closed");
    if (signal.aborted) return reject(gone());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, timerMs(ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(gone());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The 503 of an upstream held off by its circuit, with `Retry-After` at the moment it lets a
 * try through again (whole seconds, rounded up), which the SDKs' own retries wait for.
 */
function circuitOpen(provider: string, circuits: Circuits, upstream: string): GatewayError {
  const seconds = Math.max(1, Math.ceil(circuits.reopensInMs(upstream) / 1000));
  const failures = circuits.failures(upstream);
  return new GatewayError(
    503,
    `${provider} is failing: its circuit is open after ${failures} failure${
      failures === 1 ? "" : "s"
    } in a row; the next try goes through in ${seconds} s`,
    "overloaded_error",
    "circuit_open",
    null,
    { "retry-after": String(seconds) },
  );
}

/** A failure of the call itself worth another try: the upstream unreachable, reset or slow. */
function retryableError(e: unknown): e is GatewayError {
  return e instanceof GatewayError && e.status >= 500;
}

/** The first answer the candidates give, with the prepared call that got it. */
export async function callCandidates<P>(
  candidates: readonly Candidate<P>[],
  policy: RetryPolicy,
  circuits: Circuits,
  signal: AbortSignal,
  attempts: Attempt[],
): Promise<{ response: Response; prepared: P }> {
  const deadline = Date.now() + policy.totalMs;
  let last: { response: Response; prepared: P } | GatewayError | undefined;
  /** Keeps `next` as the answer to give if nothing better comes; an older answer is let go. */
  const keep = (next: typeof last) => {
    if (last && !(last instanceof GatewayError) && last !== next) {
      last.response.body?.cancel().catch(() => {});
    }
    last = next;
  };
  for (const candidate of candidates) {
    const { model, provider, upstream } = candidate;
    const started = Date.now();
    const record = (outcome: { status?: number; error?: string }) =>
      attempts.push({ model, provider, ...outcome, at: started, ms: Date.now() - started });
    let prepared: P;
    try {
      prepared = await candidate.prepare();
    } catch (e) {
      if (!(e instanceof GatewayError) || e.code !== "no_server_key") throw e;
      record({ error: "no key for this upstream" });
      if (!last) keep(e);
      continue;
    }
    if (!circuits.allows(upstream)) {
      record({ error: "circuit open" });
      if (!last) keep(circuitOpen(provider, circuits, upstream));
      continue;
    }
    for (let n = 0; n <= policy.retries; n++) {
      const tried = Date.now();
      let wait: number;
      try {
        const response = await candidate.send(prepared, signal);
        attempts.push({
          model,
          provider,
          status: response.status,
          at: tried,
          ms: Date.now() - tried,
        });
        if (!retryable(response.status)) {
          circuits.succeeded(upstream);
          keep(undefined);
          return { response, prepared };
        }
        circuits.failed(upstream);
        keep({ response, prepared });
        wait = Math.max(retryAfterMs(response.headers) ?? 0, backoffMs(n + 1, policy));
        if (n === policy.retries || Date.now() + wait > deadline) break;
      } catch (e) {
        if (!retryableError(e)) throw e;
        attempts.push({ model, provider, error: e.message, at: tried, ms: Date.now() - tried });
        circuits.failed(upstream);
        keep(e);
        wait = backoffMs(n + 1, policy);
        if (n === policy.retries || Date.now() + wait > deadline) break;
      }
      await sleep(wait, signal);
    }
  }
  if (last === undefined) throw new GatewayError(502, "no upstream to call");
  if (last instanceof GatewayError) {
    if (attempts.length <= 1) throw last;
    throw new GatewayError(
      last.status,
      `${last.message} (${attempts.length} attempts: ${attempts.map(describe).join("; ")})`,
      last.type,
      last.code,
      last.param,
      last.headers,
    );
  }
  return last;
}
