/**
 * The store a configuration asks for: embedded (SQLite, memory, local files) or production
 * (PostgreSQL, Redis, S3). A production store missing a setting is a configuration error that
 * names it.
 */
import { type Config, ConfigError } from "../config.ts";
import { EmbeddedStorage } from "./embedded.ts";
import { FileMediaStore, type MediaStore, S3MediaStore } from "./media_store.ts";
import { type ProductionOptions, ProductionStorage } from "./production.ts";
import type { Storage } from "./types.ts";

/** The embedded store of `config` (synchronous: nothing to connect to). */
export function embeddedStorage(config: Config): EmbeddedStorage {
  return new EmbeddedStorage({
    dataDir: config.data_dir,
    retentionDays: config.log_retention_days,
    kvMaxBytes: config.cache_max_mb * 2 ** 20,
    media: config.media_store === "on" && config.data_dir !== ":memory:"
      ? new FileMediaStore(`${config.data_dir}/media`)
      : undefined,
    mediaRetentionDays: config.media_retention_days,
    keys: { encryptionKey: config.encryption_key },
  });
}

async function s3Store(config: Config): Promise<MediaStore | undefined> {
  if (config.media_store !== "on") return undefined;
  if (!config.s3_bucket) {
    throw new ConfigError("SQUINT_MEDIA_STORE=on in production needs SQUINT_S3_BUCKET");
  }
  const store = new S3MediaStore({
    endpoint: config.s3_endpoint,
    bucket: config.s3_bucket,
    region: config.s3_region,
    accessKey: config.s3_access_key,
    secretKey: config.s3_secret_key,
    forcePathStyle: config.s3_force_path_style === "on",
  });
  // An S3 away at start costs the audit records (each failed write is said), not the start.
  await store.ensureBucket().catch((e) =>
    console.error(
      `squint: media store: ${(e as Error).message}; records are skipped until it answers`,
    )
  );
  return store;
}

/** The production store's options from `config` (connecting to the media store, if on). */
export async function productionOptions(config: Config): Promise<ProductionOptions> {
  for (const setting of ["database_url", "redis_url"] as const) {
    if (!config[setting]) {
      throw new ConfigError(`SQUINT_STORAGE=production needs SQUINT_${setting.toUpperCase()}`);
    }
  }
  return {
    databaseUrl: config.database_url!,
    redisUrl: config.redis_url!,
    redisPrefix: config.redis_prefix,
    dataDir: config.data_dir,
    retentionDays: config.log_retention_days,
    nearEntries: 100_000,
    encryptionKey: config.encryption_key,
    media: await s3Store(config),
    mediaRetentionDays: config.media_retention_days,
  };
}

/** Settings only the production store reads: set with the embedded one, they do nothing. */
const PRODUCTION_ONLY = [
  "database_url",
  "redis_url",
  "s3_endpoint",
  "s3_bucket",
  "s3_access_key",
  "s3_secret_key",
] as const;

/** The production-only settings `config` sets that its embedded store will not use, by name. */
export function unusedProductionSettings(config: Config): string[] {
  if (config.storage !== "embedded") return [];
  return PRODUCTION_ONLY.filter((s) => config[s] !== undefined).map((s) =>
    `SQUINT_${s.toUpperCase()}`
  );
}

/** Opens the store `config` names. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.storage === "embedded") return embeddedStorage(config);
  return await ProductionStorage.open(await productionOptions(config));
}
