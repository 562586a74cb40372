/**
 * In-flight de-duplication: identical requests (same key, which holds the tenant) that arrive
 * while one is on its way upstream share its call. The first starts the call; the others wait
 * for its response and read the same body. A flight ends when its body has arrived (or failed);
 * a request after that makes its own call (or is a cache hit).
 */
import { SharedResponse } from "./shared_response.ts";

/** What a flight carries besides the response: the leader's own facts (e.g. its plan). */
export interface Flight<T> {
  shared: SharedResponse;
  meta: T;
}

/** One request's place in a flight. */
export interface Boarding<T> {
  flight: Flight<T>;
  /** This request started the call. */
  leader: boolean;
  /** Says this request has left (idempotent). */
  leave: () => void;
}

interface Entry<T> {
  flight: Promise<Flight<T>>;
  /** Requests on board that have not left. */
  aboard: number;
  controller: AbortController;
}

/** The flights under way, by key. Dispatches `board` each time a request boards one. */
export class Flights<T> extends EventTarget {
  #flights = new Map<string, Entry<T>>();

  /**
   * Joins the flight under `key`, or starts one with `start(signal)`; with no key, starts one
   * nobody else can join. `signal` aborts the call when every request on board has left (each
   * leaves when its client goes away or its reading ends); `clientSignal` is this request's own.
   */
  async board(
    key: string | undefined,
    clientSignal: AbortSignal,
    start: (signal: AbortSignal) => Promise<{ response: Response; meta: T }>,
  ): Promise<Boarding<T>> {
    const under = key === undefined ? undefined : this.#flights.get(key);
    if (under) return await this.#join(key, under, clientSignal, false);
    const controller = new AbortController();
    const flight = start(controller.signal).then(({ response, meta }) => ({
      shared: new SharedResponse(response),
      meta,
    }));
    const entry: Entry<T> = { flight, aboard: 0, controller };
    if (key !== undefined) this.#flights.set(key, entry);
    const forget = () => this.#forget(key, entry);
    flight.then((f) => f.shared.whenFinished().finally(forget), forget);
    return await this.#join(key, entry, clientSignal, true);
  }

  #forget(key: string | undefined, entry: Entry<T>): void {
    if (key !== undefined && this.#flights.get(key) === entry) this.#flights.delete(key);
  }

  async #join(
    key: string | undefined,
    entry: Entry<T>,
    clientSignal: AbortSignal,
    leader: boolean,
  ): Promise<Boarding<T>> {
    entry.aboard++;
    this.dispatchEvent(new Event("board"));
    let aboard = true;
    const leave = () => {
      if (!aboard) return;
      aboard = false;
      // Once the body has arrived the abort does nothing; before, nobody is left to pay for it.
      if (--entry.aboard === 0) {
        entry.controller.abort(new DOMException("every client left", "AbortError"));
        this.#forget(key, entry);
      }
    };
    if (clientSignal.aborted) leave();
    else clientSignal.addEventListener("abort", leave, { once: true });
    try {
      return { flight: await entry.flight, leader, leave };
    } catch (e) {
      leave();
      throw e;
    }
  }
}
