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
  {
    // The dashboard: per-request timings and prompt-cache figures, and the hourly aggregate the
    // Overview reads (src/storage/hourly_usage.ts says what its rows hold: channel '' has the
    // totals, a channel's row only what it saved). The aggregate is filled from the rows already
    // logged and then written with each batch; retention never deletes from it. (ts, id) and
    // (key_id, ts, id) serve the Requests page newest first.
    version: 4,
    sql: `
      ALTER TABLE requests ADD COLUMN upstream_ms REAL;
      ALTER TABLE requests ADD COLUMN first_token_ms REAL;
      ALTER TABLE requests ADD COLUMN cached_input_tokens INTEGER;
      ALTER TABLE requests ADD COLUMN cache_write_tokens INTEGER;
      ALTER TABLE requests ADD COLUMN passthrough_reason TEXT;
      ALTER TABLE requests ADD COLUMN images TEXT;
      DROP INDEX requests_ts;
      CREATE INDEX requests_ts_id ON requests (ts, id);
      CREATE INDEX requests_key_ts_id ON requests (key_id, ts, id);
      CREATE TABLE usage_hourly (
        hour INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        model TEXT NOT NULL,
        door TEXT NOT NULL,
        cache TEXT NOT NULL,
        channel TEXT NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        tokens_before INTEGER NOT NULL,
        tokens_after INTEGER NOT NULL,
        upstream_input_tokens INTEGER NOT NULL,
        upstream_output_tokens INTEGER NOT NULL,
        cost_before_usd REAL NOT NULL,
        cost_after_usd REAL NOT NULL,
        cost_saved_usd REAL NOT NULL,
        PRIMARY KEY (hour, key_id, model, door, cache, channel)
      ) WITHOUT ROWID;
      CREATE INDEX usage_hourly_key_hour ON usage_hourly (key_id, hour);
      INSERT INTO usage_hourly
      SELECT ts - ts % 3600000, coalesce(key_id, ''), coalesce(model_called, model_requested, ''),
        door, cache, '', count(*), count(CASE WHEN status >= 400 THEN 1 END),
        coalesce(sum(CASE WHEN status < 400 THEN tokens_before END), 0),
        coalesce(sum(CASE WHEN status < 400 THEN tokens_after END), 0),
        coalesce(sum(CASE WHEN status < 400 THEN upstream_input_tokens END), 0),
        coalesce(sum(CASE WHEN status < 400 THEN upstream_output_tokens END), 0),
        coalesce(sum(CASE WHEN status < 400 THEN cost_before_usd END), 0.0),
        coalesce(sum(CASE WHEN status < 400 THEN cost_after_usd END), 0.0),
        coalesce(sum(CASE WHEN status < 400 THEN cost_saved_usd END), 0.0)
      FROM requests GROUP BY 1, 2, 3, 4, 5;
      INSERT INTO usage_hourly
      SELECT r.ts - r.ts % 3600000, coalesce(r.key_id, ''),
        coalesce(r.model_called, r.model_requested, ''), r.door, r.cache, s.key, count(*),
        0, 0, 0, 0, 0, 0.0, 0.0, coalesce(sum(CASE WHEN r.status < 400 THEN s.value END), 0.0)
      FROM requests r, json_each(CASE WHEN json_valid(r.savings)
        THEN CASE json_type(r.savings) WHEN 'object' THEN r.savings END END) s
      WHERE s.key <> '' AND s.type IN ('integer', 'real')
      GROUP BY 1, 2, 3, 4, 5, 6;
    `,
  },
  {
    // Routing: the task a routed request was classified as, and the index its tenant's median
    // output for that task is read from.
    version: 5,
    sql: `
      ALTER TABLE requests ADD COLUMN task TEXT;
      CREATE INDEX requests_key_task_ts ON requests (key_id, task, ts) WHERE task IS NOT NULL;
    `,
  },
  {
    // What a request cost in all, output included (budgets count it). Rows from before have
    // only their input's cost to go on.
    version: 6,
    sql: `
      ALTER TABLE requests ADD COLUMN spent_usd REAL;
      ALTER TABLE usage_hourly ADD COLUMN spent_usd REAL NOT NULL DEFAULT 0;
      UPDATE usage_hourly SET spent_usd = cost_after_usd WHERE channel = '';
    `,
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
