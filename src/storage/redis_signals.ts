/**
 * Messages between instances over Redis pub/sub, on one pattern subscription per instance
 * (`<prefix>signal:*`), handed out locally by channel. A message sent while Redis is away is
 * lost; whoever waits on one also watches for the state it announces, so nothing hangs on it.
 */
import type { RedisLink } from "./redis.ts";
import type { Signals } from "./types.ts";

/** Redis-backed `Signals`. */
export class RedisSignals implements Signals {
  #listeners = new Map<string, Set<(message: string) => void>>();
  #subscribed?: Promise<void>;

  constructor(readonly redis: RedisLink) {}

  #channel(channel: string): string {
    return this.redis.key(`signal:${channel}`);
  }

  publish(channel: string, message: string): Promise<void> {
    return this.redis.attempt(async () => {
      await this.redis.client.publish(this.#channel(channel), message);
    }, () => {});
  }

  #subscribe(): Promise<void> {
    this.#subscribed ??= this.redis.subscriber().then((sub) =>
      sub.pSubscribe(this.#channel("*"), (message: string, channel: string) => {
        const name = channel.slice(this.#channel("").length);
        for (const listener of this.#listeners.get(name) ?? []) listener(message);
      })
    ).catch((e) => {
      this.#subscribed = undefined;
      throw e;
    });
    return this.#subscribed;
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<() => void> {
    await this.redis.attempt(() => this.#subscribe(), () => {});
    let set = this.#listeners.get(channel);
    if (!set) this.#listeners.set(channel, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(channel) === set) this.#listeners.delete(channel);
    };
  }
}
