/**
 * The embedded store: the request log in SQLite, written and queried by a log worker so the
 * event loop never waits on the database. Rows are queued and sent in batches every 100 ms;
 * a failed write keeps its rows for the next try; retention runs at start and hourly.
 */
import type { LogTask } from "../../workers/log_worker.ts";
import { LocalSpend } from "../keys/local_spend.ts";
import { Sealer } from "../keys/secrets.ts";
import { SqliteKeyStore } from "../keys/sqlite_key_store.ts";
import { WorkerPool } from "../pool/pool.ts";
import type { SqliteLogOptions } from "./sqlite_log.ts";
import { overviewRange } from "./hourly_usage.ts";
import { requestsFilter } from "./request_pages.ts";
import { MemoryCounters } from "./counters.ts";
import { MemoryKeyValue } from "./memory_kv.ts";
import type { MediaStore } from "./media_store.ts";
import type {
  Counters,
  KeyValueStore,
  OverviewQuery,
  OverviewReport,
  RequestLogRow,
  RequestsPage,
  RequestsQuery,
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
  /**
   * Keeps squint keys in `<data dir>/keys.db`, provider keys sealed with `encryptionKey`
   * (without it keys take no provider keys); absent: no key store (the production spill).
   */
  keys?: { encryptionKey?: string };
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
  readonly keys?: SqliteKeyStore;
  /** Stored keys' use, counted in memory from the log's sums (so a restart keeps a budget). */
  #spend: LocalSpend;

  constructor(options: EmbeddedOptions) {
    this.kv = new MemoryKeyValue(options.kvMaxBytes ?? 256 * 2 ** 20);
    this.media = options.media;
    this.#db = { dataDir: options.dataDir, retentionDays: options.retentionDays };
    this.#batchSize = options.batchSize ?? 500;
    this.#spend = new LocalSpend(this.counters, (keyId, since) => {
      // Queued rows are written first: the one log worker runs tasks in order.
      this.flush().catch(() => {});
      return this.#run<number>({ kind: "spent", keyId, since });
    });
    if (options.keys) {
      const { encryptionKey } = options.keys;
      this.keys = new SqliteKeyStore({
        dataDir: options.dataDir,
        sealer: encryptionKey ? new Sealer(encryptionKey) : undefined,
        spentSince: (id, since) => this.#spend.spentSince(id, since),
      });
    }
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
    // Stored keys' limits read what is metered; without a key store nothing would.
    if (this.keys) this.#spend.meter(row).catch(() => {});
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
  async requests(query: RequestsQuery): Promise<RequestsPage> {
    requestsFilter(query); // a bad query is a 400 here, not a worker's error
    await this.flush();
    return await this.#run<RequestsPage>({ kind: "requests", query });
  }

  async overview(query: OverviewQuery): Promise<OverviewReport> {
    overviewRange(query); // a bad query is a 400 here, not a worker's error
    await this.flush();
    return await this.#run<OverviewReport>({ kind: "overview", query });
  }

  async medianOutputTokens(keyId: string | null, task: string): Promise<number | undefined> {
    // Rows still queued (the last 100 ms) are left out: a history needs no more.
    const found = await this.#run<number | null>({ kind: "median_output", keyId, task });
    return found ?? undefined;
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
      if ((e as Error).name === "DataCloneError" && this.#dropUnsendable(rows, e)) {
        return await this.flush();
      }
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

  /**
   * A row that cannot be cloned to the log worker (a bug's row: a function where data belongs)
   * would fail every later write of the rows beside it: it is dropped and said once, and the rest
   * are queued again. False when every row can be cloned (the failure is elsewhere).
   */
  #dropUnsendable(rows: RequestLogRow[], e: unknown): boolean {
    const unsendable = rows.filter((row) => {
      try {
        structuredClone(row);
        return false;
      } catch {
        return true;
      }
    });
    const n = unsendable.length;
    if (n === 0) return false;
    console.error(
      `squint: request log: ${n} row${n === 1 ? "" : "s"} could not be written and ${
        n === 1 ? "is" : "are"
      } dropped (${unsendable.map((row) => row.id).join(", ")}): ${(e as Error).message}`,
    );
    this.#queue = rows.filter((row) => !unsendable.includes(row)).concat(this.#queue);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#retentionTimer);
    await this.flush();
    await this.#run({ kind: "close" }).catch(() => {});
    this.keys?.close();
    await this.media?.close();
    this.#pool.close();
  }
}
