/**
 * The reader's request log (bench/reader.ts): rows inserted into SQLite in one transaction per
 * batch, in the database file the worker is named after (a temp folder the reader removes).
 */
/// <reference lib="deno.worker" />
import { DatabaseSync } from "node:sqlite";

const db = new DatabaseSync(self.name);
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
  CREATE TABLE requests (id TEXT PRIMARY KEY, ts INTEGER, model TEXT, status INTEGER,
    ms REAL, usage TEXT)`);
const insert = db.prepare("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?)");

self.onmessage = (
  event: MessageEvent<
    { id: string; ts: number; model: string; status: number; ms: number; usage: string | null }[]
  >,
) => {
  db.exec("BEGIN");
  for (const r of event.data) insert.run(r.id, r.ts, r.model, r.status, r.ms, r.usage);
  db.exec("COMMIT");
};
