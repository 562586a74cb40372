/**
 * The embedded store: the request log in SQLite, written and queried by a log worker so the
 * event loop never waits on the database. Rows are queued and sent in batches every 100 ms;
 * a failed write keeps its rows for the next try; retention runs at start and hourly.
 */
import type { LogTask } from "../../workers/log_worker.ts";
import { WorkerPool } from "../pool/pool.ts";
import type { SqliteLogOptions } from "./sqlite_log.ts";
import { MemoryCounters } from "./counters.ts";
import { MemoryKeyValue } from "./memory_kv.ts";
import type { MediaStore } from "./media_store.ts";
import type {
  Counters,
  KeyValueStore,
  RequestLogRow,
  Storage,
  UsageQuery,
  UsageReport,
} from "./types.ts";

/** Options of the embedded store. */
export interface EmbeddedOptions extends SqliteLogOptions {
  flushIntervalMs?: number;
  /** Rows queued beyond this are sent at once. */
  batchSize?: number;
  /** Bound of the in-memory key-value store (response cache), bytes. */
  kvMaxBytes?: number;
  media?: MediaStore;
  /** Days the media store keeps what requests sent. */
  mediaRetentionDays?: number;
}

const LOG_WORKER = new URL("../../workers/log_worker.ts", import.meta.url);
/** Rows kept in memory while the database cannot be written; past it the oldest are dropped, loudly. */
const MAX_QUEUED_ROWS = 100_000;

/** Distributes `Omit` over the task union. */
type Task = LogTask extends infer T ? T extends LogTask ? Omit<T, "db"> : never : never;

/** SQLite-backed storage for one instance. */
export class EmbeddedStorage implements Storage {
  #pool = new WorkerPool({
    workerUrl: LOG_WORKER,
    size: 1,
    queueLimit: 1024,
    taskTimeoutMs: 30_000,
  });
  #queue: RequestLogRow[] = [];
  #timer: ReturnType<typeof setInterval>;
  #retentionTimer: ReturnType<typeof setInterval>;
  #batchSize: number;
  #db: SqliteLogOptions;
  readonly kv: KeyValueStore;
  readonly counters: Counters = new MemoryCounters();
  readonly media?: MediaStore;

  constructor(options: EmbeddedOptions) {
    this.kv = new MemoryKeyValue(options.kvMaxBytes ?? 256 * 2 ** 20);
    this.media = options.media;
    this.#db = { dataDir: options.dataDir, retentionDays: options.retentionDays };
    this.#batchSize = options.batchSize ?? 500;
    this.#timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 100);
    this.#timer.unref();
    const retention = () => {
      this.applyRetention().catch(() => {});
      this.media?.applyRetention(options.mediaRetentionDays ?? 30).catch(() => {});
    };
    retention();
    this.#retentionTimer = setInterval(retention, 3_600_000);
    this.#retentionTimer.unref();
  }

  #run<T>(task: Task): Promise<T> {
    return this.#pool.run<T>({ ...task, db: this.#db });
  }

  log(row: RequestLogRow): void {
    this.#queue.push(row);
    if (this.#queue.length >= this.#batchSize) this.flush();
  }

  /** Deletes rows older than the retention period; resolves to how many. */
  applyRetention(now = Date.now()): Promise<number> {
    return this.#run<number>({ kind: "retention", now });
  }

  /** The oldest rows written (the production store's spill reads them back to replay). */
  async oldest(limit: number): Promise<RequestLogRow[]> {
    await this.flush();
    return await this.#run<RequestLogRow[]>({ kind: "oldest", limit });
  }

  /** Deletes written rows by id; resolves to how many. */
  remove(ids: string[]): Promise<number> {
    return this.#run<number>({ kind: "remove", ids });
  }

  /** Rows written. */
  async count(): Promise<number> {
    await this.flush();
    return await this.#run<number>({ kind: "count" });
  }

  async request(id: string): Promise<RequestLogRow | undefined> {
    await this.flush();
    return (await this.#run<RequestLogRow | null>({ kind: "row", id })) ?? undefined;
  }

  async usage(query: UsageQuery): Promise<UsageReport> {
    await this.flush();
    return await this.#run<UsageReport>({ kind: "usage", query });
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      return await this.#run<{ ok: boolean; detail: string }>({ kind: "health" });
    } catch (e) {
      return { ok: false, detail: `sqlite: ${(e as Error).message}` };
    }
  }

  async flush(): Promise<void> {
    if (this.#queue.length === 0) return;
    const rows = this.#queue;
    this.#queue = [];
    try {
      await this.#run({ kind: "insert", rows });
    } catch (e) {
      this.#queue = rows.concat(this.#queue);
      const dropped = this.#queue.length - MAX_QUEUED_ROWS;
      if (dropped > 0) this.#queue.splice(0, dropped);
      console.error(
        `squint: request log write failed, ${this.#queue.length} rows kept for retry${
          dropped > 0 ? `, ${dropped} oldest dropped` : ""
        }: ${(e as Error).message}`,
      );
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#retentionTimer);
    await this.flush();
    await this.#run({ kind: "close" }).catch(() => {});
    await this.media?.close();
    this.#pool.close();
  }
}
