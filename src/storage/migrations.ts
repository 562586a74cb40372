/** Versioned schema of the embedded store; each migration runs once, in order, in a transaction. */
import type { DatabaseSync } from "node:sqlite";

/** Migrations by version. Never edit a shipped one: add the next. */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        door TEXT NOT NULL,
        key_id TEXT,
        model_requested TEXT,
        model_called TEXT,
        provider TEXT NOT NULL,
        status INTEGER NOT NULL,
        stream INTEGER NOT NULL,
        tokens_before INTEGER NOT NULL,
        tokens_after INTEGER NOT NULL,
        upstream_input_tokens INTEGER,
        upstream_output_tokens INTEGER,
        cost_before_usd REAL,
        cost_after_usd REAL,
        cost_saved_usd REAL,
        optimizations TEXT NOT NULL,
        cache TEXT NOT NULL,
        estimated INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        upstream_request_id TEXT,
        content TEXT
      );
      CREATE INDEX requests_ts ON requests (ts);
      CREATE INDEX requests_model_ts ON requests (model_called, ts);
    `,
  },
  {
    version: 2,
    sql: `ALTER TABLE requests ADD COLUMN attempts TEXT;`,
  },
  {
    version: 3,
    sql: `ALTER TABLE requests ADD COLUMN savings TEXT;`,
  },
];

/** Applies pending migrations; returns the schema version reached. */
export function migrate(db: DatabaseSync): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare("SELECT coalesce(max(version), 0) AS v FROM schema_migrations").get() as {
    v: number;
  };
  let current = Number(row.v);
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?)").run(m.version, Date.now());
      db.exec("COMMIT");
      current = m.version;
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  }
  return current;
}
