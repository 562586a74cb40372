/**
 * Versioned schema of the production database. squint runs the pending migrations at start, all
 * in one transaction under a transaction-scoped advisory lock: instances starting at once queue
 * on the lock, and each finds the work done by the first. Text columns have no length limit
 * (a long model name, reason or URL never fails a write after the provider was paid).
 */
import type { Sql } from "postgres";

/** Migrations by version. Never edit a shipped one: add the next. */
export const PG_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE requests (
        id text PRIMARY KEY,
        ts bigint NOT NULL,
        door text NOT NULL,
        key_id text,
        model_requested text,
        model_called text,
        provider text NOT NULL,
        status integer NOT NULL,
        stream boolean NOT NULL,
        tokens_before bigint NOT NULL,
        tokens_after bigint NOT NULL,
        upstream_input_tokens bigint,
        upstream_output_tokens bigint,
        cost_before_usd double precision,
        cost_after_usd double precision,
        cost_saved_usd double precision,
        optimizations jsonb NOT NULL,
        cache text NOT NULL,
        estimated boolean NOT NULL,
        latency_ms double precision NOT NULL,
        outcome text NOT NULL,
        error text,
        upstream_request_id text,
        content text,
        attempts text,
        savings jsonb
      );
      CREATE INDEX requests_ts ON requests (ts);
      CREATE INDEX requests_key_ts ON requests (key_id, ts);
      CREATE TABLE usage_daily (
        day date NOT NULL,
        key_id text NOT NULL,
        model text NOT NULL,
        requests bigint NOT NULL,
        errors bigint NOT NULL,
        tokens_before bigint NOT NULL,
        tokens_after bigint NOT NULL,
        upstream_input_tokens bigint NOT NULL,
        upstream_output_tokens bigint NOT NULL,
        cost_before_usd double precision NOT NULL,
        cost_after_usd double precision NOT NULL,
        cost_saved_usd double precision NOT NULL,
        PRIMARY KEY (day, key_id, model)
      );
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE squint_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint,
        models jsonb,
        provider_keys jsonb NOT NULL DEFAULT '{}',
        rpm integer,
        tpm integer,
        budget_usd double precision,
        budget_period text NOT NULL DEFAULT 'month',
        fallback_model text
      );
    `,
  },
  {
    // The dashboard: per-request timings and prompt-cache figures (`images` is text, as the log
    // gives it, like `attempts`), and the hourly aggregate the Overview reads
    // (src/storage/hourly_usage.ts says what its rows hold: channel '' has the totals, a
    // channel's row only what it saved). The aggregate is filled from the rows already logged and
    // then written by the statement that writes each batch; retention never deletes from it.
    // (ts, id) and (key_id, ts, id) serve the Requests page newest first.
    version: 3,
    sql: `
      ALTER TABLE requests
        ADD COLUMN upstream_ms double precision,
        ADD COLUMN first_token_ms double precision,
        ADD COLUMN cached_input_tokens bigint,
        ADD COLUMN cache_write_tokens bigint,
        ADD COLUMN passthrough_reason text,
        ADD COLUMN images text;
      DROP INDEX requests_ts;
      DROP INDEX requests_key_ts;
      CREATE INDEX requests_ts_id ON requests (ts, id);
      CREATE INDEX requests_key_ts_id ON requests (key_id, ts, id);
      CREATE TABLE usage_hourly (
        hour bigint NOT NULL,
        key_id text NOT NULL,
        model text NOT NULL,
        door text NOT NULL,
        cache text NOT NULL,
        channel text NOT NULL,
        requests bigint NOT NULL,
        errors bigint NOT NULL,
        tokens_before bigint NOT NULL,
        tokens_after bigint NOT NULL,
        upstream_input_tokens bigint NOT NULL,
        upstream_output_tokens bigint NOT NULL,
        cost_before_usd double precision NOT NULL,
        cost_after_usd double precision NOT NULL,
        cost_saved_usd double precision NOT NULL,
        PRIMARY KEY (hour, key_id, model, door, cache, channel)
      );
      CREATE INDEX usage_hourly_key_hour ON usage_hourly (key_id, hour);
      INSERT INTO usage_hourly
      SELECT ts - ts % 3600000, coalesce(key_id, ''), coalesce(model_called, model_requested, ''),
        door, cache, '', count(*), count(*) FILTER (WHERE status >= 400),
        coalesce(sum(tokens_before) FILTER (WHERE status < 400), 0),
        coalesce(sum(tokens_after) FILTER (WHERE status < 400), 0),
        coalesce(sum(upstream_input_tokens) FILTER (WHERE status < 400), 0),
        coalesce(sum(upstream_output_tokens) FILTER (WHERE status < 400), 0),
        coalesce(sum(cost_before_usd) FILTER (WHERE status < 400), 0),
        coalesce(sum(cost_after_usd) FILTER (WHERE status < 400), 0),
        coalesce(sum(cost_saved_usd) FILTER (WHERE status < 400), 0)
      FROM requests GROUP BY 1, 2, 3, 4, 5;
      INSERT INTO usage_hourly
      SELECT r.ts - r.ts % 3600000, coalesce(r.key_id, ''),
        coalesce(r.model_called, r.model_requested, ''), r.door, r.cache, s.key, count(*),
        0, 0, 0, 0, 0, 0, 0,
        coalesce(sum((s.value #>> '{}')::float8) FILTER (WHERE r.status < 400), 0)
      FROM requests r, jsonb_each(CASE jsonb_typeof(r.savings)
        WHEN 'object' THEN r.savings ELSE '{}' END) s
      WHERE s.key <> '' AND jsonb_typeof(s.value) = 'number'
      GROUP BY 1, 2, 3, 4, 5, 6;
    `,
  },
  {
    // Routing: the task a routed request was classified as, and the index its tenant's median
    // output for that task is read from.
    version: 4,
    sql: `
      ALTER TABLE requests ADD COLUMN task text;
      CREATE INDEX requests_key_task_ts ON requests (key_id, task, ts) WHERE task IS NOT NULL;
    `,
  },
  {
    // What a request cost in all, output included (budgets count it). Rows from before have
    // only their input's cost to go on.
    version: 5,
    sql: `
      ALTER TABLE requests ADD COLUMN spent_usd double precision;
      ALTER TABLE usage_daily ADD COLUMN spent_usd double precision NOT NULL DEFAULT 0;
      UPDATE usage_daily SET spent_usd = cost_after_usd;
      ALTER TABLE usage_hourly ADD COLUMN spent_usd double precision NOT NULL DEFAULT 0;
      UPDATE usage_hourly SET spent_usd = cost_after_usd WHERE channel = '';
    `,
  },
];

/** Any constant both sides agree on: the lock that serializes migrating instances. */
const MIGRATION_LOCK = 0x5eed_0008;

/** Applies pending migrations; resolves to the schema version reached. */
export async function migratePg(sql: Sql): Promise<number> {
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, applied_at bigint NOT NULL)`;
    const [{ v }] = await tx`SELECT coalesce(max(version), 0) AS v FROM schema_migrations`;
    let current = Number(v);
    for (const m of PG_MIGRATIONS) {
      if (m.version <= current) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations VALUES (${m.version}, ${Date.now()})`;
      current = m.version;
    }
    return current;
  }) as number;
}
