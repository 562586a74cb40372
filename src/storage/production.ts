/**
 * The production store: PostgreSQL for the request log, usage aggregates and keys; Redis for the
 * response cache, de-duplication leases, signals, the shared picture record and counters; an
 * optional media store (S3). Several instances share it and behave as one.
 *
 * The request log is written off the response path: rows are queued and written in batches
 * every 100 ms. While PostgreSQL is away rows stay queued; past `bufferRows` the oldest go to
 * the embedded SQLite log (`<data dir>/spill`), and once the database answers again they are
 * replayed from there and removed. A row id is its primary key, so a replay interrupted half
 * way never counts a request twice. Redis away means no shared cache and local limits (see
 * `redis.ts`), never a failed request.
 */
import postgres, { type Sql } from "postgres";
import { GatewayError } from "../errors.ts";
import { PgKeyStore } from "../keys/pg_key_store.ts";
import type { KeyStore } from "../keys/key_store.ts";
import { meterUse } from "../keys/metering.ts";
import { Sealer } from "../keys/secrets.ts";
import { RedisCounters } from "./counters.ts";
import { EmbeddedStorage } from "./embedded.ts";
import type { MediaStore } from "./media_store.ts";
import { migratePg } from "./pg_migrations.ts";
import { overviewRange } from "./hourly_usage.ts";
import {
  deleteOlderThan,
  insertRows,
  medianOutputTokens,
  readOverview,
  readRequests,
  rowById,
  usageReport,
} from "./postgres_log.ts";
import { redact, RedisLink } from "./redis.ts";
import { RedisKeyValue } from "./redis_kv.ts";
import { RedisNearFeed } from "./redis_near_feed.ts";
import { RedisSignals } from "./redis_signals.ts";
import { requestsFilter } from "./request_pages.ts";
import type {
  OverviewQuery,
  OverviewReport,
  RequestLogRow,
  RequestsPage,
  RequestsQuery,
  Storage,
  UsageQuery,
  UsageReport,
} from "./types.ts";

/** What the production store connects to and how it buffers. */
export interface ProductionOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key. */
  redisPrefix: string;
  /** Folder of the spill log. */
  dataDir: string;
  retentionDays: number;
  /** Entries of the shared picture record. */
  nearEntries: number;
  /** Encrypts provider keys at rest; without it keys take no provider keys. */
  encryptionKey?: string;
  media?: MediaStore;
  /** Days the media store keeps what requests sent. */
  mediaRetentionDays?: number;
  flushIntervalMs?: number;
  batchSize?: number;
  /** Rows queued in memory while the database is away before they spill to SQLite. */
  bufferRows?: number;
}

/**
 * Whether the database refused a write for its data (SQLSTATE classes 22 data exception, 23
 * integrity, 42 syntax or access) rather than for being away: such a write fails again however
 * often it is tried.
 */
function refusedForData(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}

/** PostgreSQL + Redis (+ S3) storage shared by several instances. */
export class ProductionStorage implements Storage {
  readonly kv: RedisKeyValue;
  readonly counters: RedisCounters;
  readonly signals: RedisSignals;
  readonly nearFeed: RedisNearFeed;
  readonly keys: KeyStore;
  readonly media?: MediaStore;
  /** Rows the database refused for their data, one JSON line each, for a person to look at. */
  readonly rejectedPath: string;
  #queue: RequestLogRow[] = [];
  /** Counting of finished requests against their keys, under way. */
  #metering = new Set<Promise<void>>();
  #flushing?: Promise<void>;
  #spilled = false;
  #dbError?: string;
  #timers: ReturnType<typeof setInterval>[] = [];

  private constructor(
    readonly sql: Sql,
    readonly redis: RedisLink,
    readonly spill: EmbeddedStorage,
    readonly options: ProductionOptions,
  ) {
    this.kv = new RedisKeyValue(redis);
    this.counters = new RedisCounters(redis);
    this.signals = new RedisSignals(redis);
    this.nearFeed = new RedisNearFeed(redis, options.nearEntries);
    this.keys = new PgKeyStore(
      sql,
      options.encryptionKey ? new Sealer(options.encryptionKey) : undefined,
    );
    this.media = options.media;
    this.rejectedPath = `${options.dataDir}/rejected.jsonl`;
  }

  /**
   * Connects, and migrates the database (so a database that is away at start is a start-up
   * error, named; after that, outages are ridden out). Redis may be away at start.
   */
  static async open(options: ProductionOptions): Promise<ProductionStorage> {
    const sql = postgres(options.databaseUrl, {
      max: 10,
      connect_timeout: 3,
      idle_timeout: 60,
      // Its default waits up to 40 s before reconnecting after a long outage; 1 s at most here.
      backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
      onnotice: () => {},
    });
    try {
      await migratePg(sql);
    } catch (e) {
      await sql.end({ timeout: 1 }).catch(() => {});
      throw new Error(
        `PostgreSQL at ${redact(options.databaseUrl)} (SQUINT_DATABASE_URL): ${
          (e as Error).message
        }`,
      );
    }
    const redis = new RedisLink(options.redisUrl, options.redisPrefix);
    await redis.start();
    const spill = new EmbeddedStorage({
      dataDir: `${options.dataDir}/spill`,
      retentionDays: Math.max(options.retentionDays, 3650),
      flushIntervalMs: 3_600_000,
      kvMaxBytes: 0,
    });
    const storage = new ProductionStorage(sql, redis, spill, options);
    storage.#spilled = (await storage.spill.count()) > 0;
    storage.#start();
    return storage;
  }

  #start(): void {
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => task().catch(() => {}), ms);
      Deno.unrefTimer(timer);
      this.#timers.push(timer);
    };
    every(this.options.flushIntervalMs ?? 100, () => this.flush());
    const retention = () =>
      Promise.all([
        this.applyRetention(),
        this.media?.applyRetention(this.options.mediaRetentionDays ?? 30),
      ]);
    every(3_600_000, retention);
    retention().catch(() => {});
  }

  /** Rows waiting in memory for the database. */
  get queued(): number {
    return this.#queue.length;
  }

  log(row: RequestLogRow): void {
    this.#queue.push(row);
    const metered = meterUse(this.counters, row).catch(() => {});
    this.#metering.add(metered);
    metered.finally(() => this.#metering.delete(metered));
    if (this.#queue.length >= (this.options.batchSize ?? 500)) this.flush().catch(() => {});
  }

  /** Writes what is queued (and replays spilled rows); one flush at a time. */
  async flush(): Promise<void> {
    await Promise.all(this.#metering);
    this.#flushing ??= this.#flushAll().finally(() => this.#flushing = undefined);
    return await this.#flushing;
  }

  async #flushAll(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, batchSize);
      try {
        await this.#insert(batch);
      } catch (e) {
        this.#down(e as Error);
        await this.#spillExcess();
        return;
      }
      this.#queue.splice(0, batch.length);
      this.#up();
    }
    if (this.#spilled) await this.#replay(batchSize);
  }

  /**
   * Writes a batch. A batch the database refuses for its data (not for being away) is written
   * row by row, and a row it refuses is appended to `<data dir>/rejected.jsonl` with the reason
   * said: kept as it was, and never blocking the rows behind it.
   */
  async #insert(rows: RequestLogRow[]): Promise<void> {
    try {
      await insertRows(this.sql, rows);
    } catch (e) {
      if (!refusedForData(e)) throw e;
      for (const row of rows) {
        try {
          await insertRows(this.sql, [row]);
        } catch (rowError) {
          if (!refusedForData(rowError)) throw rowError;
          console.error(
            `squint: request log row ${row.id} refused by the database (${
              (rowError as Error).message
            }); kept in ${this.rejectedPath}`,
          );
          await Deno.writeTextFile(this.rejectedPath, JSON.stringify(row) + "\n", {
            append: true,
          });
        }
      }
    }
  }

  /** Moves the oldest queued rows past the buffer's bound to the SQLite spill. */
  async #spillExcess(): Promise<void> {
    const bound = this.options.bufferRows ?? 10_000;
    if (this.#queue.length <= bound) return;
    const rows = this.#queue.splice(0, this.#queue.length - Math.floor(bound / 2));
    for (const row of rows) this.spill.log(row);
    await this.spill.flush();
    this.#spilled = true;
  }

  async #replay(batchSize: number): Promise<void> {
    for (;;) {
      const rows = await this.spill.oldest(batchSize);
      if (rows.length === 0) {
        this.#spilled = false;
        return;
      }
      try {
        await this.#insert(rows);
      } catch (e) {
        this.#down(e as Error);
        return;
      }
      await this.spill.remove(rows.map((r) => r.id));
    }
  }

  #down(e: Error): void {
    if (this.#dbError === undefined) {
      console.error(
        `squint: request log database unreachable (${e.message}): rows kept until it is back`,
      );
    }
    this.#dbError = e.message;
  }

  #up(): void {
    if (this.#dbError !== undefined) console.error("squint: request log database is back");
    this.#dbError = undefined;
  }

  /** Deletes rows older than the retention period; resolves to how many. */
  applyRetention(now = Date.now()): Promise<number> {
    return deleteOlderThan(this.sql, this.options.retentionDays, now);
  }

  async request(id: string): Promise<RequestLogRow | undefined> {
    await this.flush();
    return await this.#read(() => rowById(this.sql, id));
  }

  async usage(query: UsageQuery): Promise<UsageReport> {
    await this.flush();
    return await this.#read(() => usageReport(this.sql, query));
  }

  async requests(query: RequestsQuery): Promise<RequestsPage> {
    const filter = requestsFilter(query); // a bad query is a 400, never read as an outage
    await this.flush();
    return await this.#read(() => readRequests(this.sql, filter));
  }

  async overview(query: OverviewQuery): Promise<OverviewReport> {
    overviewRange(query); // a bad query is a 400, never read as an outage
    await this.flush();
    return await this.#read(() => readOverview(this.sql, query));
  }

  async medianOutputTokens(keyId: string | null, task: string): Promise<number | undefined> {
    // A history that cannot be read leaves routing to its default, never fails the request.
    return await medianOutputTokens(this.sql, keyId, task).catch(() => undefined);
  }

  /** A read of the log, or 503 while the database is away. */
  async #read<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      throw new GatewayError(
        503,
        `the request log cannot be read right now: its database is unreachable (${
          (e as Error).message
        })`,
        "api_error",
        "storage_unavailable",
        null,
        { "retry-after": "5" },
      );
    }
  }

  /**
   * Serving as long as the request log has somewhere to go: with PostgreSQL away rows queue and
   * spill (the detail says so), so the instance stays in its load balancer's rotation.
   */
  async health(): Promise<{ ok: boolean; detail: string }> {
    const db = await this.sql`SELECT 1`.then(() => "postgres", (e) => `postgres: ${e.message}`);
    const spill = db === "postgres" ? undefined : await this.spill.health();
    const redis = await this.redis.health();
    const media = this.media ? await this.media.health() : undefined;
    return {
      ok: db === "postgres" || spill!.ok,
      detail: [db, spill && `spill ${spill.detail}`, redis.detail, media?.detail]
        .filter(Boolean).join(", ") +
        (this.#queue.length ? `, ${this.#queue.length} rows queued` : "") +
        (this.#spilled ? ", rows spilled to sqlite" : ""),
    };
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await this.flush().catch(() => {});
    // Whatever the database did not take is kept in the spill, never dropped.
    if (this.#queue.length > 0) {
      for (const row of this.#queue.splice(0)) this.spill.log(row);
    }
    await this.spill.close();
    await this.media?.close();
    await this.redis.close();
    await this.sql.end({ timeout: 2 }).catch(() => {});
  }
}
