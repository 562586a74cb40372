/**
 * The log worker: owns the SQLite request log, so its synchronous writes and queries never run
 * on the event loop. Speaks the pool's reply protocol.
 */
/// <reference lib="deno.worker" />
import { SqliteLog, type SqliteLogOptions } from "../src/storage/sqlite_log.ts";
import type {
  OverviewQuery,
  RequestLogRow,
  RequestsQuery,
  UsageQuery,
} from "../src/storage/types.ts";

/** What the log worker does; every task names its database. */
export type LogTask =
  & { db: SqliteLogOptions }
  & (
    | { kind: "insert"; rows: RequestLogRow[] }
    | { kind: "usage"; query: UsageQuery }
    | { kind: "retention"; now: number }
    | { kind: "oldest"; limit: number }
    | { kind: "remove"; ids: string[] }
    | { kind: "count" }
    | { kind: "row"; id: string }
    | { kind: "requests"; query: RequestsQuery }
    | { kind: "overview"; query: OverviewQuery }
    | { kind: "spent"; keyId: string; since: number }
    | { kind: "median_output"; keyId: string | null; task: string }
    | { kind: "health" }
    | { kind: "close" }
  );

const logs = new Map<string, SqliteLog>();

function open(db: SqliteLogOptions): SqliteLog {
  let log = logs.get(db.dataDir);
  if (!log) {
    log = new SqliteLog(db);
    logs.set(db.dataDir, log);
  }
  return log;
}

function run(task: LogTask): unknown {
  if (task.kind === "close") {
    logs.get(task.db.dataDir)?.close();
    logs.delete(task.db.dataDir);
    return null;
  }
  const log = open(task.db);
  switch (task.kind) {
    case "insert":
      log.insert(task.rows);
      return task.rows.length;
    case "usage":
      return log.usage(task.query);
    case "retention":
      return log.applyRetention(task.now);
    case "health":
      return log.health();
    case "oldest":
      return log.oldest(task.limit);
    case "remove":
      return log.remove(task.ids);
    case "count":
      return log.count();
    case "row":
      return log.row(task.id) ?? null;
    case "requests":
      return log.requests(task.query);
    case "overview":
      return log.overview(task.query);
    case "spent":
      return log.spentSince(task.keyId, task.since);
    case "median_output":
      return log.medianOutputTokens(task.keyId, task.task) ?? null;
  }
}

self.onmessage = (event: MessageEvent<LogTask>) => {
  try {
    self.postMessage({ ok: true, result: run(event.data) });
  } catch (e) {
    self.postMessage({ ok: false, code: "log_error", message: (e as Error)?.message ?? String(e) });
  }
};

self.postMessage({ ready: true });
