/**
 * `deno task keys create|list|revoke`: squint keys from the command line, straight in the
 * production database named by the configuration (SQUINT_DATABASE_URL, SQUINT_ENCRYPTION_KEY,
 * SQUINT_CONFIG). The secret of a new key is printed once.
 *
 *   deno task keys create --name ci --models "gpt-4o*,claude-*" --rpm 60 --tpm 100000 \
 *     --budget-usd 50 --budget-period month --fallback-model gpt-4o-mini \
 *     --provider-key openai=sk-...
 *   deno task keys list
 *   deno task keys revoke key_0123456789abcdef
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { ConfigError, loadConfig } from "../config.ts";
import { migratePg } from "../storage/pg_migrations.ts";
import { keySpec } from "./key_store.ts";
import { PgKeyStore } from "./pg_key_store.ts";
import { Sealer } from "./secrets.ts";

const USAGE = `usage: deno task keys create --name NAME [--models a,b*] [--rpm N] [--tpm N]
         [--budget-usd X] [--budget-period day|month] [--fallback-model M]
         [--provider-key provider=key ...]
       deno task keys list
       deno task keys revoke KEY_ID`;

function fail(message: string): never {
  console.error(`squint keys: ${message}`);
  Deno.exit(2);
}

/** The key spec the `create` options describe. */
function specOf(values: Record<string, string | string[] | undefined>) {
  const number = (name: string) => values[name] === undefined ? undefined : Number(values[name]);
  const providerKeys = Object.fromEntries(
    ((values["provider-key"] ?? []) as string[]).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) fail(`--provider-key takes provider=key, got ${pair.split("=")[0]}=…`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const parsed = keySpec.safeParse({
    name: values.name,
    models: (values.models as string | undefined)?.split(",").map((m) => m.trim()).filter(Boolean),
    provider_keys: Object.keys(providerKeys).length ? providerKeys : undefined,
    rpm: number("rpm"),
    tpm: number("tpm"),
    budget_usd: number("budget-usd"),
    budget_period: values["budget-period"],
    fallback_model: values["fallback-model"],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`--${issue.path.join(".").replaceAll("_", "-") || "name"}: ${issue.message}`);
  }
  return parsed.data;
}

async function main(args: string[]): Promise<void> {
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
    fail(`${(e as Error).message.split("\n")[0]}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (!["create", "list", "revoke"].includes(command)) fail(USAGE);
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    fail((e as ConfigError).message);
  }
  if (!config.database_url) {
    fail("SQUINT_DATABASE_URL is not set (keys live in production storage)");
  }
  const spec = command === "create" ? specOf(values) : undefined;
  const sql = postgres(config.database_url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await migratePg(sql);
    const keys = new PgKeyStore(
      sql,
      config.encryption_key ? new Sealer(config.encryption_key) : undefined,
    );
    if (spec) {
      const { key, secret } = await keys.create(spec);
      console.log(JSON.stringify({ ...key, key: secret }, null, 2));
      console.error("squint keys: the key above is shown once; store it now");
    } else if (command === "list") {
      console.log(JSON.stringify(await keys.list(), null, 2));
    } else {
      if (!id) fail("revoke takes a key id (see deno task keys list)");
      if (!(await keys.revoke(id))) fail(`no live key ${id}`);
      console.log(`revoked ${id}`);
    }
  } catch (e) {
    fail((e as Error).message);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

if (import.meta.main) await main(Deno.args);
