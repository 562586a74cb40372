/**
 * `deno task keys create|list|update|revoke` and `squint keys …` (`keysCommand`): squint keys from
 * the command line, straight in the store the configuration names (SQUINT_STORAGE, SQUINT_CONFIG):
 * embedded, `keys.db` in SQUINT_DATA_DIR, which a running squint picks up on its next request;
 * production, the database at SQUINT_DATABASE_URL. Provider keys are sealed with
 * SQUINT_ENCRYPTION_KEY. The secret of a new key is printed once.
 *
 *   deno task keys create --name ci --models "gpt-4o*,claude-*" --rpm 60 --tpm 100000 \
 *     --budget-usd 50 --budget-period month --fallback-model gpt-4o-mini \
 *     --provider-key openai=sk-...
 *   deno task keys list
 *   deno task keys update key_0123456789abcdef --rpm 120 --budget-usd none
 *   deno task keys revoke key_0123456789abcdef
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import type { z } from "zod";
import { type Config, ConfigError, loadConfig } from "../config.ts";
import { migratePg } from "../storage/pg_migrations.ts";
import { keyPatch, keySpec, type KeyStore } from "./key_store.ts";
import { PgKeyStore } from "./pg_key_store.ts";
import { Sealer } from "./secrets.ts";
import { SqliteKeyStore } from "./sqlite_key_store.ts";
import { CliError, EXIT, type ExitCode, usageError } from "../cli/cli_error.ts";

/** How the command is called, as `program` (`deno task keys`, `squint keys`). */
export function keysUsage(program = "deno task keys"): string {
  return `usage: ${program} create --name NAME [--models a,b*] [--rpm N] [--tpm N]
         [--budget-usd X] [--budget-period day|month] [--fallback-model M]
         [--provider-key provider=key ...]
       ${program} list
       ${program} update KEY_ID [--name NAME] [--models a,b*] [--rpm N] [--tpm N]
         [--budget-usd X] [--budget-period day|month] [--fallback-model M]
         (the value none clears --models, --rpm, --tpm, --budget-usd, --fallback-model)
       ${program} revoke KEY_ID`;
}

/** The options that set a key's limits, as `create` and `update` take them. */
const LIMITS = [
  "name",
  "models",
  "rpm",
  "tpm",
  "budget-usd",
  "budget-period",
  "fallback-model",
] as const;

/** Stops the command: its message goes to stderr and it exits 2. */
function fail(message: string): never {
  throw usageError(message);
}

type Values = Record<string, string | string[] | undefined>;

/** The fields the limit options give (`none` → null), by the API's names. */
function limitsOf(values: Values): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const option of LIMITS) {
    const value = values[option] as string | undefined;
    if (value === undefined) continue;
    const field = option.replaceAll("-", "_");
    if (value === "none") fields[field] = null;
    else if (option === "models") {
      fields.models = value.split(",").map((m) => m.trim()).filter(Boolean);
    } else if (["rpm", "tpm", "budget-usd"].includes(option)) fields[field] = Number(value);
    else fields[field] = value;
  }
  return fields;
}

/** The parsed value, or exit naming the option at fault. */
function checked<T>(parsed: z.ZodSafeParseResult<T>): T {
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  fail(`--${issue.path.join(".").replaceAll("_", "-") || "name"}: ${issue.message}`);
}

/** The key spec the `create` options describe. */
function specOf(values: Values) {
  const providerKeys = Object.fromEntries(
    ((values["provider-key"] ?? []) as string[]).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) fail(`--provider-key takes provider=key, got ${pair.split("=")[0]}=…`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  return checked(keySpec.safeParse({
    ...limitsOf(values),
    provider_keys: Object.keys(providerKeys).length ? providerKeys : undefined,
  }));
}

/** The change the `update` options describe. */
function patchOf(values: Values, program: string) {
  if (values["provider-key"]) fail("provider keys are set at creation only");
  const fields = limitsOf(values);
  if (Object.keys(fields).length === 0) {
    fail(`update takes at least one of --${LIMITS.join(", --")}\n${keysUsage(program)}`);
  }
  return checked(keyPatch.safeParse(fields));
}

/** The key store `config` names, and how to let go of it. */
async function openKeys(config: Config): Promise<{ keys: KeyStore; close(): Promise<void> }> {
  const sealer = config.encryption_key ? new Sealer(config.encryption_key) : undefined;
  if (config.storage === "embedded") {
    if (config.database_url) {
      // Keys meant for the database must not land in a local file unnoticed.
      fail(
        "SQUINT_DATABASE_URL is set but SQUINT_STORAGE is not production: set SQUINT_STORAGE=production for the database's keys, or unset SQUINT_DATABASE_URL for keys.db",
      );
    }
    if (config.data_dir === ":memory:") {
      fail("SQUINT_DATA_DIR=:memory: keeps keys inside the running squint; use the admin API");
    }
    const keys = new SqliteKeyStore({ dataDir: config.data_dir, sealer });
    return { keys, close: () => Promise.resolve(keys.close()) };
  }
  if (!config.database_url) {
    fail("SQUINT_STORAGE=production needs SQUINT_DATABASE_URL (the keys live there)");
  }
  const sql = postgres(config.database_url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await migratePg(sql);
  } catch (e) {
    await sql.end({ timeout: 2 });
    throw e;
  }
  return { keys: new PgKeyStore(sql, sealer), close: () => sql.end({ timeout: 2 }) };
}

/** `program create|list|update|revoke …` with `args`; exits 2 (`CliError`) on any failure. */
async function run(args: string[], program: string): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        models: { type: "string" },
        rpm: { type: "string" },
        tpm: { type: "string" },
        "budget-usd": { type: "string" },
        "budget-period": { type: "string" },
        "fallback-model": { type: "string" },
        "provider-key": { type: "string", multiple: true },
      },
    });
  } catch (e) {
    fail(`${(e as Error).message.split("\n")[0]}\n${keysUsage(program)}`);
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (!["create", "list", "update", "revoke"].includes(command)) fail(keysUsage(program));
  if ((command === "update" || command === "revoke") && !id) {
    fail(`${command} takes a key id (see ${program} list)`);
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    fail((e as ConfigError).message);
  }
  const spec = command === "create" ? specOf(values) : undefined;
  const patch = command === "update" ? patchOf(values, program) : undefined;
  let store;
  try {
    store = await openKeys(config);
  } catch (e) {
    fail((e as Error).message);
  }
  try {
    const { keys } = store;
    if (spec) {
      const { key, secret } = await keys.create(spec);
      console.log(JSON.stringify({ ...key, key: secret }, null, 2));
      console.error("squint keys: the key above is shown once; store it now");
    } else if (patch) {
      const key = await keys.update(id, patch);
      if (!key) fail(`no live key ${id}`);
      console.log(JSON.stringify(key, null, 2));
    } else if (command === "list") {
      console.log(JSON.stringify(await keys.list(), null, 2));
    } else {
      if (!(await keys.revoke(id))) fail(`no live key ${id}`);
      console.log(`revoked ${id}`);
    }
  } catch (e) {
    fail((e as Error).message);
  } finally {
    await store.close();
  }
}

/**
 * Runs the keys command with `args` (`program` names it in messages); resolves to the exit code:
 * 0, or 2 with the reason on stderr.
 */
export async function keysCommand(args: string[], program = "deno task keys"): Promise<ExitCode> {
  if (args[0] === "--help" || args[0] === "-h") {
    console.log(keysUsage(program));
    return EXIT.done;
  }
  try {
    await run(args, program);
    return EXIT.done;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`squint keys: ${e.message}`);
    return e.exitCode;
  }
}

if (import.meta.main) Deno.exit(await keysCommand(Deno.args));
