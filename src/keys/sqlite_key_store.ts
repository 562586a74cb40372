/**
 * squint keys in SQLite (embedded mode): table `squint_keys` in `<data dir>/keys.db`, beside the
 * request log's `squint.db` rather than in it. A file of its own because `PRAGMA data_version`
 * (below) moves on every commit of another connection to the same file: in `squint.db` the log
 * worker's batch every 100 ms would throw the keys away each time. It also keeps a key change
 * from waiting behind a log write (one writer per file), and the keys apart for backups.
 *
 * Lookups are per request, so live keys are held in memory by the secret's hash and a lookup
 * reads no table. A key created, changed or revoked by another process (`deno task keys`) takes
 * effect on the next lookup after it commits: each lookup first asks SQLite `PRAGMA data_version`,
 * about 2 µs (the WAL index in shared memory, no disk read), and only when it moved are the live
 * keys read again, once per change. Changes made through this store apply at once the same way.
 * Should the file not be readable for a moment, the keys as last read are honoured.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  type KeyPatch,
  keyPatch,
  type KeySpec,
  type KeyStore,
  type ResolvedKey,
  sealProviderKeys,
  type SquintKey,
} from "./key_store.ts";
import { hashSecret, newSecret, type Sealer } from "./secrets.ts";

/** Options of a `SqliteKeyStore`. */
export interface SqliteKeyStoreOptions {
  /** Folder of `keys.db`; `:memory:` keeps the keys in this process only (tests). */
  dataDir: string;
  /** Absent when no SQUINT_ENCRYPTION_KEY is set: keys then take no provider keys. */
  sealer?: Sealer;
  /** USD a key spent from a time (the request log's); absent: nothing is metered (the CLI). */
  spentSince?: (id: string, since: number) => Promise<number>;
}

/** Schema of `keys.db` by version (`PRAGMA user_version`). Never edit a shipped one: add the next. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE squint_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    models TEXT,
    provider_keys TEXT NOT NULL DEFAULT '{}',
    rpm INTEGER,
    tpm INTEGER,
    budget_usd REAL,
    budget_period TEXT NOT NULL DEFAULT 'month',
    fallback_model TEXT
  )`,
];

type Row = Record<string, unknown>;

function listed(row: Row): SquintKey {
  const iso = (v: unknown) => v === null ? null : new Date(Number(v)).toISOString();
  const num = (v: unknown) => v === null ? null : Number(v);
  return {
    id: String(row.id),
    name: String(row.name),
    prefix: String(row.prefix),
    created_at: iso(row.created_at)!,
    revoked_at: iso(row.revoked_at),
    models: row.models === null ? null : JSON.parse(String(row.models)),
    providers: Object.keys(JSON.parse(String(row.provider_keys))).sort(),
    rpm: num(row.rpm),
    tpm: num(row.tpm),
    budget_usd: num(row.budget_usd),
    budget_period: row.budget_period as SquintKey["budget_period"],
    fallback_model: (row.fallback_model as string | null) ?? null,
  };
}

/** The columns a patch may set (its names are written into the statement). */
const PATCHABLE = new Set(Object.keys(keyPatch.shape));

/** A patch's fields as column values (`models` as JSON). */
function columns(patch: KeyPatch): [string, string | number | null][] {
  return Object.entries(patch)
    .filter(([column, value]) => value !== undefined && PATCHABLE.has(column))
    .map(([column, value]) => [column, Array.isArray(value) ? JSON.stringify(value) : value]);
}

/** Brings `db` to the newest schema; safe when several processes open it at once. */
function migrate(db: DatabaseSync): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    const { user_version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    for (let version = user_version; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version]);
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}

/** A live key as held in memory; its provider keys are opened on first use. */
interface Live {
  row: Row;
  resolved?: Promise<ResolvedKey>;
}

/** SQLite-backed `KeyStore`. */
export class SqliteKeyStore implements KeyStore {
  #db: DatabaseSync;
  #dataVersion: StatementSync;
  /** Live keys by secret hash, as of `#version`. */
  #live = new Map<string, Live>();
  /** The `data_version` the keys in memory were read at; undefined: read them again. */
  #version?: number;

  constructor(readonly options: SqliteKeyStoreOptions) {
    const memory = options.dataDir === ":memory:";
    if (!memory) Deno.mkdirSync(options.dataDir, { recursive: true });
    this.#db = new DatabaseSync(memory ? ":memory:" : `${options.dataDir}/keys.db`);
    // Lookups run on the event loop: a writer (another process's tiny transaction) is waited
    // for briefly, never for long.
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 2000;");
    migrate(this.#db);
    this.#dataVersion = this.#db.prepare("PRAGMA data_version");
  }

  async create(spec: KeySpec): Promise<{ key: SquintKey; secret: string }> {
    const { secret, id } = newSecret();
    const sealed = await sealProviderKeys(spec.provider_keys, this.options.sealer);
    const row = this.#db.prepare(
      `INSERT INTO squint_keys (id, name, hash, prefix, created_at, models, provider_keys, rpm,
        tpm, budget_usd, budget_period, fallback_model)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ).get(
      id,
      spec.name,
      await hashSecret(secret),
      secret.slice(0, 9),
      Date.now(),
      spec.models ? JSON.stringify(spec.models) : null,
      JSON.stringify(sealed),
      spec.rpm ?? null,
      spec.tpm ?? null,
      spec.budget_usd ?? null,
      spec.budget_period,
      spec.fallback_model ?? null,
    ) as Row;
    this.#version = undefined;
    return { key: listed(row), secret };
  }

  list(): Promise<SquintKey[]> {
    const rows = this.#db.prepare("SELECT * FROM squint_keys ORDER BY created_at, id").all();
    return Promise.resolve(rows.map((row) => listed(row as Row)));
  }

  update(id: string, patch: KeyPatch): Promise<SquintKey | undefined> {
    const set = columns(patch);
    const row = set.length === 0
      ? this.#db.prepare("SELECT * FROM squint_keys WHERE id = ? AND revoked_at IS NULL").get(id)
      : this.#db.prepare(
        `UPDATE squint_keys SET ${set.map(([column]) => `${column} = ?`).join(", ")}
        WHERE id = ? AND revoked_at IS NULL RETURNING *`,
      ).get(...set.map(([, value]) => value), id);
    this.#version = undefined;
    return Promise.resolve(row ? listed(row as Row) : undefined);
  }

  revoke(id: string): Promise<boolean> {
    const result = this.#db.prepare(
      "UPDATE squint_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    ).run(Date.now(), id);
    this.#version = undefined;
    return Promise.resolve(Number(result.changes) > 0);
  }

  async find(secret: string): Promise<ResolvedKey | undefined> {
    const hash = await hashSecret(secret);
    this.#refresh();
    const live = this.#live.get(hash);
    if (!live) return undefined;
    live.resolved ??= this.#resolve(live.row);
    return await live.resolved;
  }

  spentSince(id: string, since: number): Promise<number> {
    return this.options.spentSince?.(id, since) ?? Promise.resolve(0);
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }

  /** Reads the live keys again when the file changed since they were read. */
  #refresh(): void {
    try {
      // The version first: a change committed between the two reads is then read again next time.
      const { data_version } = this.#dataVersion.get() as { data_version: number };
      if (data_version === this.#version) return;
      const rows = this.#db.prepare("SELECT * FROM squint_keys WHERE revoked_at IS NULL").all();
      this.#live = new Map(rows.map((row) => [String(row.hash), { row: row as Row }]));
      this.#version = data_version;
    } catch (e) {
      console.error(
        `squint: keys.db could not be read (${(e as Error).message}); keys as last read`,
      );
    }
  }

  async #resolve(row: Row): Promise<ResolvedKey> {
    const providerKeys: Record<string, string> = {};
    const sealer = this.options.sealer;
    for (const [provider, sealed] of Object.entries(JSON.parse(String(row.provider_keys)))) {
      if (sealer) providerKeys[provider] = await sealer.open(sealed as string);
    }
    return { ...listed(row), providerKeys };
  }
}
