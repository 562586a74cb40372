/**
 * A count of events that a test can await, so it waits for the event itself instead of sleeping.
 *
 * @module
 */

/** A read-only view of a count of events that can be awaited. */
export interface EventCount {
  /** How many events have happened so far. */
  readonly count: number;
  /**
   * Resolves once at least `atLeast` events have happened in total (at once if they already have).
   *
   * @param atLeast the total to wait for; defaults to 1.
   */
  wait(atLeast?: number): Promise<void>;
}

/** The writable side of an {@linkcode EventCount}: the code that observes the events owns it. */
export class EventCounter implements EventCount {
  #count = 0;
  #waiters: { atLeast: number; resolve: () => void }[] = [];

  /** How many events have happened so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Resolves once at least `atLeast` events have happened in total.
   *
   * @param atLeast the total to wait for; defaults to 1.
   */
  wait(atLeast = 1): Promise<void> {
    if (this.#count >= atLeast) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ atLeast, resolve }));
  }

  /** Records one event and wakes the waiters whose total has been reached. */
  add(): void {
    this.#count++;
    if (this.#waiters.length === 0) return;
    const still: { atLeast: number; resolve: () => void }[] = [];
    for (const waiter of this.#waiters) {
      if (this.#count >= waiter.atLeast) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}
