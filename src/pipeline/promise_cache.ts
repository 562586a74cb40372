/**
 * An LRU of work in flight or done, keyed by content: concurrent callers with the same key share
 * one task, a failed task is forgotten, and finished results are evicted, least recently used
 * first, once their summed cost passes the bound.
 */
export class PromiseCache<T> {
  #entries = new Map<string, Promise<T>>();
  #costs = new Map<string, number>();
  #total = 0;

  /** `cost` weighs a result (bytes, or 1 to bound by count). */
  constructor(readonly maxCost: number, readonly cost: (result: T) => number) {}

  /** The cached result for `key`, or the one `start` starts (shared by concurrent callers). */
  get(key: string, start: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const promise = start();
    this.#entries.set(key, promise);
    promise.then(
      (result) => this.#account(key, this.cost(result)),
      () => this.#entries.delete(key),
    );
    return promise;
  }

  /** Whether a task for `key` is in flight or its result held. */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The summed cost of the results held. */
  get total(): number {
    return this.#total;
  }

  #account(key: string, cost: number): void {
    if (!this.#entries.has(key)) return;
    this.#costs.set(key, cost);
    this.#total += cost;
    for (const oldest of this.#entries.keys()) {
      if (this.#total <= this.maxCost) break;
      if (!this.#costs.has(oldest)) continue;
      this.#total -= this.#costs.get(oldest)!;
      this.#costs.delete(oldest);
      this.#entries.delete(oldest);
    }
  }
}
