/**
 * De-duplication across instances. Within one instance identical requests share a flight
 * (`flights.ts`); across instances, the flight's leader first takes a lease on the request's key
 * in the shared store. The instance that gets it calls upstream and, once the answer has
 * arrived, leaves it under the key for a short while and says so on a signal; an instance that
 * finds the lease taken waits for that answer instead of calling upstream. A leader that fails,
 * or whose answer cannot be shared, says so, and a leader that vanishes stops renewing its
 * lease: either way the waiters race for the lease again, so nobody waits on nothing.
 */
import type { KeyValueStore, Signals } from "../storage/types.ts";
import { answerToStore, decodeAnswer, encodeAnswer, type StoredAnswer } from "./answer.ts";
import type { SharedResponse } from "./shared_response.ts";

/** Lease life; the leader renews it every third of that while its call is under way. */
const LEASE_MS = 15_000;
/** How long a finished answer waits for the instances that were waiting on it. */
const RESULT_MS = 60_000;

/** This instance's name in its leases. */
const INSTANCE = crypto.randomUUID();

/** The lease of a leader: settle it once the answer is known. */
export interface Lease {
  /** Shares the answer of `shared` (when it is one to share) and lets the lease go. */
  settle(
    shared: SharedResponse,
    tokens: { before: number; after: number },
    toStore?: typeof answerToStore,
  ): void;
  /** The call failed: lets the lease go, and the waiters try themselves. */
  fail(): void;
}

/** Taking part in a cross-instance flight: lead it, or its leader's answer. */
export type Boarding = { lease: Lease; answer?: undefined } | { answer: StoredAnswer };

/**
 * Cross-instance flights over a shared key-value store and signals. Dispatches `lead` when this
 * instance takes a flight's lease and `wait` when it starts waiting for another's answer.
 */
export class SharedFlights extends EventTarget {
  constructor(readonly kv: KeyValueStore, readonly signals: Signals) {
    super();
  }

  /** Leads the flight of `key`, or waits (until `signal` aborts) for the leader's answer. */
  async board(key: string, signal: AbortSignal): Promise<Boarding> {
    for (;;) {
      signal.throwIfAborted();
      if (await this.kv.setIfAbsent(leaseKey(key), bytes(INSTANCE), LEASE_MS)) {
        this.dispatchEvent(new Event("lead"));
        return { lease: this.#lease(key) };
      }
      this.dispatchEvent(new Event("wait"));
      const answer = await this.#wait(key, signal);
      if (answer) return { answer };
    }
  }

  #lease(key: string): Lease {
    const renew = setInterval(
      () => this.kv.set(leaseKey(key), bytes(INSTANCE), LEASE_MS).catch(() => {}),
      LEASE_MS / 3,
    );
    let open = true;
    const end = async (answer: StoredAnswer | undefined) => {
      if (!open) return;
      open = false;
      clearInterval(renew);
      if (answer) await this.kv.set(resultKey(key), encodeAnswer(answer), RESULT_MS);
      await this.signals.publish(channel(key), answer ? "done" : "failed");
      await this.kv.delete(leaseKey(key));
    };
    return {
      settle: (shared, tokens, toStore = answerToStore) => {
        shared.whenFinished()
          .then((body) =>
            body &&
            toStore(shared.status, shared.headers.get("content-type") ?? "", body, tokens)
          )
          .then((answer) => end(answer || undefined), () => end(undefined))
          .catch(() => {});
      },
      fail: () => void end(undefined).catch(() => {}),
    };
  }

  /**
   * Waits for the leader of `key` to finish: its answer, or undefined when it failed or its
   * lease lapsed (the caller then tries to lead). Listens before it looks, so an answer that
   * arrives in between is not missed, and looks again each time the lease could have lapsed.
   */
  async #wait(key: string, signal: AbortSignal): Promise<StoredAnswer | undefined> {
    let heard = Promise.withResolvers<string>();
    const unsubscribe = await this.signals.subscribe(channel(key), (m) => heard.resolve(m));
    const { promise: aborted, reject } = Promise.withResolvers<never>();
    aborted.catch(() => {});
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        const stored = await this.kv.get(resultKey(key));
        if (stored) return decodeAnswer(stored);
        if (!(await this.kv.get(leaseKey(key)))) return undefined;
        const lapse = new Promise<string>((r) => timer = setTimeout(() => r("look"), LEASE_MS / 3));
        const message = await Promise.race([heard.promise, lapse, aborted]);
        clearTimeout(timer);
        if (message === "failed") return undefined;
        heard = Promise.withResolvers<string>();
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
    }
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);
const leaseKey = (key: string) => `lease:${key}`;
const resultKey = (key: string) => `flight:${key}`;
const channel = (key: string) => `flight:${key}`;
