/**
 * squint's link to Redis. Everything squint keeps there is an optimisation or a shared limit,
 * so Redis being away never fails a request: `attempt` answers the caller's fallback when Redis
 * is not ready, errs, or does not answer within `COMMAND_TIMEOUT_MS` (commands are never queued
 * while the link is down), and the link reconnects on its own. Every key carries the
 * deployment's prefix (`SQUINT_REDIS_PREFIX`), so several deployments (or test runs) can share
 * one server.
 */
import { createClient, RESP_TYPES } from "redis";

/** The client type (strings in, strings out). */
export type RedisClient = ReturnType<typeof createClient>;

/** Longest wait for the first connection at start. */
const CONNECT_WAIT_MS = 2000;
/** Longest wait for one command before its fallback is used. */
const COMMAND_TIMEOUT_MS = 1000;

function client(url: string): RedisClient {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  });
}

/** A Redis connection that degrades instead of failing. */
export class RedisLink {
  readonly client: RedisClient;
  /** The same connection, reading values as bytes. */
  readonly bytes;
  #subscriber?: RedisClient;
  #down?: string;

  constructor(readonly url: string, readonly prefix: string) {
    this.client = client(url);
    this.bytes = this.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    this.client.on("error", (e: Error) => this.#report(e.message));
    this.client.on("ready", () => this.#report(undefined));
  }

  #report(down: string | undefined): void {
    if (down === this.#down) return;
    if (down && !this.#down) {
      console.error(
        `squint: Redis at ${
          redact(this.url)
        } unreachable (${down}): no shared cache, local limits until it is back`,
      );
    } else if (!down) console.error(`squint: Redis at ${redact(this.url)} is back`);
    this.#down = down;
  }

  #failures = new Set<string>();

  /** Says each distinct failed command once. */
  #commandFailed(message: string): void {
    if (this.#failures.has(message) || this.#failures.size > 100) return;
    this.#failures.add(message);
    console.error(`squint: a Redis command failed (${message}); its fallback was used`);
  }

  /**
   * Connects, waiting `CONNECT_WAIT_MS` at most; never throws. A Redis down at start is a Redis
   * down: the client keeps reconnecting in the background and squint serves meanwhile.
   */
  async start(): Promise<void> {
    const connecting = this.client.connect().then(
      () => {},
      (e: Error) => this.#report(e.message),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => timer = setTimeout(resolve, CONNECT_WAIT_MS));
    await Promise.race([connecting, waited]);
    clearTimeout(timer);
    if (!this.client.isReady) this.#report("not connected at start");
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client.isReady;
  }

  /** Resolves once commands can be sent. */
  whenReady(): Promise<void> {
    if (this.client.isReady) return Promise.resolve();
    return new Promise((resolve) => this.client.once("ready", () => resolve()));
  }

  /** `key` under the deployment's prefix. */
  key(key: string): string {
    return this.prefix + key;
  }

  /** Runs `command`, or answers `fallback()` when Redis cannot. */
  async attempt<T>(command: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (!this.client.isReady) return await fallback();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer in time")), COMMAND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([command(), late]);
    } catch (e) {
      // An error on a ready link is the command's own (a bad value), not Redis being away.
      if (this.client.isReady) this.#commandFailed((e as Error).message);
      else this.#report((e as Error).message);
      return await fallback();
    } finally {
      clearTimeout(timer);
    }
  }

  /** A second connection for subscriptions (opened on first use). */
  async subscriber(): Promise<RedisClient> {
    if (!this.#subscriber) {
      this.#subscriber = this.client.duplicate();
      this.#subscriber.on("error", () => {});
      await this.#subscriber.connect();
    }
    return this.#subscriber;
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    const pong = await this.attempt(() => this.client.ping(), () => undefined);
    return pong ? { ok: true, detail: "redis" } : { ok: false, detail: `redis: ${this.#down}` };
  }

  async close(): Promise<void> {
    for (const c of [this.#subscriber, this.client]) {
      if (c?.isOpen) await c.close().catch(() => c.destroy());
      else c?.destroy();
    }
  }
}

/** A connection URL without its password. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
