/**
 * squint keys in SQLite (embedded mode), on a real `keys.db` in a temporary folder; the command
 * line (`src/keys/cli.ts`) runs as a process of its own against the same folder.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { GatewayError } from "../../src/errors.ts";
import { hashSecret, Sealer } from "../../src/keys/secrets.ts";
import { SqliteKeyStore } from "../../src/keys/sqlite_key_store.ts";

const SECRET = "a-long-random-sqlite-secret";
const CLI = new URL("../../src/keys/cli.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** A store on a fresh data dir, removed with it. */
async function freshStore(sealer?: Sealer) {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-keys-" });
  const store = new SqliteKeyStore({ dataDir, sealer });
  return {
    store,
    dataDir,
    async [Symbol.asyncDispose]() {
      store.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** `deno task keys …` as another process, embedded mode, on `dataDir`. */
async function cli(dataDir: string, ...args: string[]) {
  return await cliWith({ SQUINT_STORAGE: "embedded", SQUINT_DATA_DIR: dataDir }, ...args);
}

async function cliWith(env: Record<string, string>, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: ROOT,
    env: { SQUINT_ENCRYPTION_KEY: SECRET, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, out: text(stdout), err: text(stderr) };
}

Deno.test("a key is shown once, kept as its hash and prefix, found by its secret, and revoked", async () => {
  await using it = await freshStore();
  const { key, secret } = await it.store.create({
    name: "ci",
    models: ["gpt-4o*"],
    rpm: 60,
    budget_usd: 5,
    budget_period: "day",
    fallback_model: "gpt-4o-mini",
  });
  assert.match(secret, /^sq-[A-Za-z0-9_-]{43}$/);
  assert.match(key.id, /^key_[0-9a-f]{16}$/);
  assert.deepEqual({ ...key, id: "", created_at: "" }, {
    id: "",
    name: "ci",
    prefix: secret.slice(0, 9),
    created_at: "",
    revoked_at: null,
    models: ["gpt-4o*"],
    providers: [],
    rpm: 60,
    tpm: null,
    budget_usd: 5,
    budget_period: "day",
    fallback_model: "gpt-4o-mini",
  });

  const db = new DatabaseSync(`${it.dataDir}/keys.db`);
  const stored = db.prepare("SELECT hash, prefix FROM squint_keys").all();
  db.close();
  assert.deepEqual(stored.map((r) => ({ ...r })), [{
    hash: await hashSecret(secret),
    prefix: secret.slice(0, 9),
  }]);

  assert.deepEqual(await it.store.find(secret), { ...key, providerKeys: {} });
  assert.equal(await it.store.find(secret + "x"), undefined);
  assert.deepEqual(await it.store.list(), [key]);

  assert.equal(await it.store.revoke(key.id), true);
  assert.equal(await it.store.find(secret), undefined);
  assert.equal(await it.store.revoke(key.id), false);
  assert.equal(await it.store.revoke("key_unknown"), false);
  const [revoked] = await it.store.list();
  assert.ok(revoked.revoked_at !== null);
});

Deno.test("keys outlive the store: a new store on the same folder finds them", async () => {
  await using it = await freshStore();
  const { key, secret } = await it.store.create({ name: "kept", budget_period: "month" });
  const again = new SqliteKeyStore({ dataDir: it.dataDir });
  try {
    assert.equal((await again.find(secret))?.id, key.id);
  } finally {
    again.close();
  }
});

Deno.test("provider keys are sealed at rest and opened for the upstream call; without an encryption key they are refused", async () => {
  await using it = await freshStore(new Sealer(SECRET));
  const { key, secret } = await it.store.create({
    name: "own",
    provider_keys: { openai: "sk-own-provider", anthropic: "sk-ant-own" },
    budget_period: "month",
  });
  assert.deepEqual(key.providers, ["anthropic", "openai"]);
  const bytes = await Deno.readFile(`${it.dataDir}/keys.db`);
  const wal = await Deno.readFile(`${it.dataDir}/keys.db-wal`).catch(() => new Uint8Array());
  const onDisk = new TextDecoder().decode(bytes) + new TextDecoder().decode(wal);
  assert.ok(!onDisk.includes("sk-own-provider") && !onDisk.includes(secret));
  assert.deepEqual((await it.store.find(secret))?.providerKeys, {
    openai: "sk-own-provider",
    anthropic: "sk-ant-own",
  });

  await using plain = await freshStore();
  await assert.rejects(
    plain.store.create({ name: "x", provider_keys: { openai: "sk" }, budget_period: "month" }),
    (e: GatewayError) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, "no_encryption_key");
      assert.equal(e.param, "provider_keys");
      return true;
    },
  );
  assert.deepEqual(await plain.store.list(), []);
});

Deno.test("update changes the fields given, null clears an optional one, and a revoked or unknown key is undefined", async () => {
  await using it = await freshStore();
  const { key, secret } = await it.store.create({
    name: "before",
    models: ["gpt-4o"],
    tpm: 1000,
    budget_usd: 1,
    budget_period: "month",
  });
  const updated = await it.store.update(key.id, {
    name: "after",
    models: null,
    rpm: 7,
    budget_usd: 2.5,
    budget_period: "day",
    fallback_model: "gpt-4o-mini",
  });
  assert.deepEqual(updated, {
    ...key,
    name: "after",
    models: null,
    rpm: 7,
    budget_usd: 2.5,
    budget_period: "day",
    fallback_model: "gpt-4o-mini",
  });
  assert.deepEqual(await it.store.find(secret), { ...updated, providerKeys: {} });
  assert.deepEqual(await it.store.update(key.id, {}), updated);
  assert.equal((await it.store.update(key.id, { tpm: null }))?.tpm, null);

  assert.equal(await it.store.update("key_unknown", { rpm: 1 }), undefined);
  await it.store.revoke(key.id);
  assert.equal(await it.store.update(key.id, { rpm: 1 }), undefined);
});

Deno.test("a key created, changed and revoked from the command line takes effect on a running store at once", async () => {
  await using it = await freshStore(new Sealer(SECRET));
  assert.deepEqual(await it.store.list(), []);

  const created = await cli(
    it.dataDir,
    "create",
    "--name",
    "from-cli",
    "--models",
    "gpt-4o*, claude-*",
    "--budget-usd",
    "5",
    "--provider-key",
    "openai=sk-cli-provider",
  );
  assert.equal(created.code, 0, created.err);
  assert.match(created.err, /shown once/);
  const made = JSON.parse(created.out);
  const found = await it.store.find(made.key);
  assert.equal(found?.id, made.id);
  assert.deepEqual(found?.models, ["gpt-4o*", "claude-*"]);
  assert.deepEqual(found?.providerKeys, { openai: "sk-cli-provider" });

  const updated = await cli(it.dataDir, "update", made.id, "--rpm", "7", "--models", "none");
  assert.equal(updated.code, 0, updated.err);
  assert.equal(JSON.parse(updated.out).rpm, 7);
  assert.equal((await it.store.find(made.key))?.rpm, 7);
  assert.equal((await it.store.find(made.key))?.models, null);

  const listed = await cli(it.dataDir, "list");
  assert.deepEqual(JSON.parse(listed.out).map((k: { id: string }) => k.id), [made.id]);
  assert.ok(!listed.out.includes(made.key) && !listed.out.includes("sk-cli-provider"));

  assert.equal((await cli(it.dataDir, "revoke", made.id)).out.trim(), `revoked ${made.id}`);
  assert.equal(await it.store.find(made.key), undefined);
});

Deno.test("the command line's update refuses nothing to change, a bad value, and an unknown key", async () => {
  await using it = await freshStore();
  const { key } = await it.store.create({ name: "k", budget_period: "month" });
  const nothing = await cli(it.dataDir, "update", key.id);
  assert.equal(nothing.code, 2);
  assert.match(nothing.err, /update takes at least one of --name/);
  const bad = await cli(it.dataDir, "update", key.id, "--budget-period", "week");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--budget-period: /);
  const unknown = await cli(it.dataDir, "update", "key_unknown", "--rpm", "1");
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no live key key_unknown/);
  assert.equal((await it.store.list())[0].budget_period, "month");
});

Deno.test("the command line refuses to put keys meant for a database in keys.db", async () => {
  await using it = await freshStore();
  const ambiguous = await cliWith(
    {
      SQUINT_STORAGE: "embedded",
      SQUINT_DATA_DIR: it.dataDir,
      SQUINT_DATABASE_URL: "postgres://127.0.0.1:1/none",
    },
    "create",
    "--name",
    "k",
  );
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.err, /set SQUINT_STORAGE=production/);
  assert.deepEqual(await it.store.list(), []);
});
