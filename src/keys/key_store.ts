/**
 * squint keys: who may call squint, with what models, at what rate and
 * budget, and with which provider keys. A key's secret is shown once, at creation; the store
 * keeps only its SHA-256 and a short prefix to recognise it by. Provider keys are kept
 * encrypted (`secrets.ts`) and never leave the store in clear except to make an upstream call.
 * Two stores keep them: PostgreSQL in production (`pg_key_store.ts`), SQLite in embedded mode
 * (`sqlite_key_store.ts`).
 */
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import type { Sealer } from "./secrets.ts";

/** Budget periods, calendar-aligned in UTC. */
export const BUDGET_PERIODS = ["day", "month"] as const;

/** What a new key may do (the admin API's and CLI's input). */
export const keySpec = z.object({
  name: z.string().min(1).max(200),
  /** Model names or patterns with `*`; absent: every model. */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** Provider name → that provider's API key, used instead of squint's own. */
  provider_keys: z.partialRecord(
    z.enum(["openai", "anthropic", "google", "ollama"]),
    z.string().min(1),
  )
    .optional(),
  /** Requests per minute. */
  rpm: z.number().int().positive().optional(),
  /** Tokens (sent plus answered) per minute. */
  tpm: z.number().int().positive().optional(),
  budget_usd: z.number().positive().optional(),
  budget_period: z.enum(BUDGET_PERIODS).default("month"),
  /** Model used instead of refusing once the budget is spent. */
  fallback_model: z.string().min(1).optional(),
}).strict();

/** A key as created. */
export type KeySpec = z.infer<typeof keySpec>;

const { name, models, rpm, tpm, budget_usd, fallback_model } = keySpec.shape;

/**
 * A change to a key's limits (the admin API's `PATCH` and the CLI's `update`): a field absent is
 * kept, `null` clears an optional one. Provider keys are set at creation only.
 */
export const keyPatch = z.object({
  name,
  models: models.unwrap().nullable(),
  rpm: rpm.unwrap().nullable(),
  tpm: tpm.unwrap().nullable(),
  budget_usd: budget_usd.unwrap().nullable(),
  budget_period: z.enum(BUDGET_PERIODS),
  fallback_model: fallback_model.unwrap().nullable(),
}).partial().strict();

/** A change to a key, as parsed. */
export type KeyPatch = z.infer<typeof keyPatch>;

/** A key as listed: everything but secrets (provider keys by name only). */
export interface SquintKey {
  id: string;
  name: string;
  /** First characters of the secret, to recognise it by. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  models: string[] | null;
  providers: string[];
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_period: (typeof BUDGET_PERIODS)[number];
  fallback_model: string | null;
}

/** A live key found by its secret, with its provider keys in clear for the upstream call. */
export interface ResolvedKey extends SquintKey {
  providerKeys: Record<string, string>;
}

/** Where keys live. */
export interface KeyStore {
  /** Creates a key; the secret is returned here and never again. */
  create(spec: KeySpec): Promise<{ key: SquintKey; secret: string }>;
  list(): Promise<SquintKey[]>;
  /** Changes a live key's limits; undefined when there is no live key with that id. */
  update(id: string, patch: KeyPatch): Promise<SquintKey | undefined>;
  /** Revokes a key; false when there is no live key with that id. */
  revoke(id: string): Promise<boolean>;
  /** The live key with this secret, if any. */
  find(secret: string): Promise<ResolvedKey | undefined>;
  /** USD a key spent on answered requests from `since` (ms; counted by whole UTC days). */
  spentSince(id: string, since: number): Promise<number>;
}

/**
 * A new key's provider keys, sealed for storage; refused (400 `no_encryption_key`) when there is
 * no sealer, since they are never stored in clear.
 */
export async function sealProviderKeys(
  providerKeys: KeySpec["provider_keys"],
  sealer: Sealer | undefined,
): Promise<Record<string, string>> {
  const sealed: Record<string, string> = {};
  for (const [provider, value] of Object.entries(providerKeys ?? {})) {
    if (!sealer) {
      throw new GatewayError(
        400,
        "provider keys are stored encrypted: set SQUINT_ENCRYPTION_KEY first",
        "invalid_request_error",
        "no_encryption_key",
        "provider_keys",
      );
    }
    sealed[provider] = await sealer.seal(value);
  }
  return sealed;
}
