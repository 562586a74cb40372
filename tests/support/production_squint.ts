/**
 * squint in production mode for tests: on a database and Redis prefix of the test's own (see
 * `services.ts`), with a spill folder of its own that is removed when it closes.
 */
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { productionOptions } from "../../src/storage/open.ts";
import { type ProductionOptions, ProductionStorage } from "../../src/storage/production.ts";
import { type RunningSquint, serveApp } from "./squint.ts";

/** Where the production services of a test are. */
export interface Services {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
}

/** Starts a production-mode squint with `env` over the services; `options` tune the store. */
export async function startProductionSquint(
  services: Services,
  env: Record<string, string> = {},
  options: Partial<ProductionOptions> = {},
): Promise<RunningSquint & { storage: ProductionStorage }> {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-spill-" });
  const config = loadConfig({
    SQUINT_STORAGE: "production",
    SQUINT_DATABASE_URL: services.databaseUrl,
    SQUINT_REDIS_URL: services.redisUrl,
    SQUINT_REDIS_PREFIX: services.redisPrefix,
    SQUINT_DATA_DIR: dataDir,
    SQUINT_WORKERS: "1",
    SQUINT_LOG_LEVEL: "off",
    SQUINT_OCR_BUDGET_MS: "600000",
    ...env,
  });
  const storage = await ProductionStorage.open({
    ...await productionOptions(config),
    nearEntries: 1000,
    ...options,
  });
  const running = serveApp(
    createApp(config, storage),
    () => Deno.remove(dataDir, { recursive: true }),
  );
  return { ...running, storage };
}
