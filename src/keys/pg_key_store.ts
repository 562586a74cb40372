/**
 * squint keys in PostgreSQL (table `squint_keys`). Looking a key up is one indexed query by the
 * secret's hash; while the database is away, a key looked up in the last hour is honoured as it
 * was then (a revocation made during the outage takes effect when it is back), and an unseen
 * key is refused with 503 rather than let through.
 */
import type { Sql } from "postgres";
import { GatewayError } from "../errors.ts";
import { spentSince } from "../storage/postgres_log.ts";
import {
  type KeyPatch,
  type KeySpec,
  type KeyStore,
  type ResolvedKey,
  sealProviderKeys,
  type SquintKey,
} from "./key_store.ts";
import { hashSecret, newSecret, type Sealer } from "./secrets.ts";

/** How long a looked-up key is honoured while the database cannot be asked. */
const STALE_MS = 3_600_000;
/** Lookups remembered for outages, at most. */
const REMEMBERED = 10_000;

type Row = Record<string, unknown>;

function listed(row: Row): SquintKey {
  const iso = (v: unknown) =>
    v === null || v === undefined ? null : new Date(Number(v)).toISOString();
  return {
    id: String(row.id),
    name: String(row.name),
    prefix: String(row.prefix),
    created_at: iso(row.created_at)!,
    revoked_at: iso(row.revoked_at),
    models: (row.models as string[] | null) ?? null,
    providers: Object.keys((row.provider_keys as Record<string, string>) ?? {}).sort(),
    rpm: row.rpm === null ? null : Number(row.rpm),
    tpm: row.tpm === null ? null : Number(row.tpm),
    budget_usd: row.budget_usd === null ? null : Number(row.budget_usd),
    budget_period: row.budget_period as SquintKey["budget_period"],
    fallback_model: (row.fallback_model as string | null) ?? null,
  };
}

/** PostgreSQL-backed `KeyStore`. */
export class PgKeyStore implements KeyStore {
  #seen = new Map<string, { key: ResolvedKey | undefined; at: number }>();

  /** `sealer` is absent when no SQUINT_ENCRYPTION_KEY is set: keys then take no provider keys. */
  constructor(readonly sql: Sql, readonly sealer?: Sealer) {}

  async create(spec: KeySpec): Promise<{ key: SquintKey; secret: string }> {
    const { secret, id } = newSecret();
    const sealed = await sealProviderKeys(spec.provider_keys, this.sealer);
    const [row] = await this.sql`INSERT INTO squint_keys ${
      this.sql({
        id,
        name: spec.name,
        hash: await hashSecret(secret),
        prefix: secret.slice(0, 9),
        created_at: Date.now(),
        models: spec.models ? this.sql.json(spec.models) : null,
        provider_keys: this.sql.json(sealed),
        rpm: spec.rpm ?? null,
        tpm: spec.tpm ?? null,
        budget_usd: spec.budget_usd ?? null,
        budget_period: spec.budget_period,
        fallback_model: spec.fallback_model ?? null,
      } as Record<string, unknown>)
    } RETURNING *`;
    return { key: listed(row), secret };
  }

  async list(): Promise<SquintKey[]> {
    const rows = await this.sql`SELECT * FROM squint_keys ORDER BY created_at, id`;
    return rows.map(listed);
  }

  async update(id: string, patch: KeyPatch): Promise<SquintKey | undefined> {
    const fields: Record<string, unknown> = Object.fromEntries(
      Object.entries(patch).filter(([, value]) => value !== undefined),
    );
    if (fields.models) fields.models = this.sql.json(fields.models as string[]);
    const rows = Object.keys(fields).length === 0
      ? await this.sql`SELECT * FROM squint_keys WHERE id = ${id} AND revoked_at IS NULL`
      : await this.sql`UPDATE squint_keys SET ${this.sql(fields)}
        WHERE id = ${id} AND revoked_at IS NULL RETURNING *`;
    this.#forget(id);
    return rows[0] ? listed(rows[0]) : undefined;
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.sql`UPDATE squint_keys SET revoked_at = ${Date.now()}
      WHERE id = ${id} AND revoked_at IS NULL`;
    this.#forget(id);
    return result.count > 0;
  }

  /** Drops what outages would honour of key `id`, after it changed. */
  #forget(id: string): void {
    for (const [hash, seen] of this.#seen) if (seen.key?.id === id) this.#seen.delete(hash);
  }

  async find(secret: string): Promise<ResolvedKey | undefined> {
    const hash = await hashSecret(secret);
    let rows: Row[];
    try {
      rows = await this.sql`SELECT * FROM squint_keys WHERE hash = ${hash} AND revoked_at IS NULL`;
    } catch {
      const seen = this.#seen.get(hash);
      if (seen && Date.now() - seen.at < STALE_MS) return seen.key;
      throw new GatewayError(
        503,
        "squint cannot check keys right now (its database is unreachable); try again shortly",
        "api_error",
        "key_store_unavailable",
        null,
        { "retry-after": "5" },
      );
    }
    const key = rows[0] ? await this.#resolve(rows[0]) : undefined;
    if (this.#seen.size >= REMEMBERED) this.#seen.clear();
    this.#seen.set(hash, { key, at: Date.now() });
    return key;
  }

  spentSince(id: string, since: number): Promise<number> {
    return spentSince(this.sql, id, since);
  }

  async #resolve(row: Row): Promise<ResolvedKey> {
    const providerKeys: Record<string, string> = {};
    for (const [provider, sealed] of Object.entries(row.provider_keys as Record<string, string>)) {
      if (!this.sealer) continue;
      providerKeys[provider] = await this.sealer.open(sealed);
    }
    return { ...listed(row), providerKeys };
  }
}
