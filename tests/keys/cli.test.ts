/** `deno task keys create|list|update|revoke` against the real PostgreSQL (a database of its own). */
import assert from "node:assert/strict";
import { freshDatabase, productionServices } from "../support/services.ts";

const services = await productionServices();
const CLI = new URL("../../src/keys/cli.ts", import.meta.url).pathname;

async function keys(databaseUrl: string, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", CLI, ...args],
    env: {
      SQUINT_STORAGE: "production",
      SQUINT_DATABASE_URL: databaseUrl,
      SQUINT_ENCRYPTION_KEY: "a-long-random-cli-secret",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, out: text(stdout), err: text(stderr) };
}

Deno.test({
  name:
    "the keys CLI creates a key shown once, lists it without secrets, updates its limits, and revokes it",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    const created = await keys(
      db.url,
      "create",
      "--name",
      "ci",
      "--models",
      "gpt-4o*,claude-*",
      "--rpm",
      "60",
      "--budget-usd",
      "5",
      "--provider-key",
      "openai=sk-cli-provider",
    );
    assert.equal(created.code, 0, created.err);
    const key = JSON.parse(created.out);
    assert.match(key.key, /^sq-/);
    assert.deepEqual(key.models, ["gpt-4o*", "claude-*"]);
    assert.deepEqual(key.providers, ["openai"]);
    assert.match(created.err, /shown once/);

    const listed = await keys(db.url, "list");
    assert.equal(listed.code, 0, listed.err);
    assert.deepEqual(JSON.parse(listed.out).map((k: { id: string }) => k.id), [key.id]);
    assert.ok(!listed.out.includes(key.key) && !listed.out.includes("sk-cli-provider"));

    const updated = await keys(db.url, "update", key.id, "--rpm", "120", "--models", "none");
    assert.equal(updated.code, 0, updated.err);
    const { key: _secret, ...asListed } = key;
    assert.deepEqual(JSON.parse(updated.out), { ...asListed, rpm: 120, models: null });
    const renamed = await keys(db.url, "update", key.id, "--name", "ci-2", "--models", "gpt-4o");
    assert.deepEqual(
      JSON.parse(renamed.out),
      { ...asListed, name: "ci-2", rpm: 120, models: ["gpt-4o"] },
    );

    assert.equal((await keys(db.url, "revoke", key.id)).out.trim(), `revoked ${key.id}`);
    const gone = await keys(db.url, "update", key.id, "--rpm", "1");
    assert.equal(gone.code, 2);
    assert.match(gone.err, /no live key/);
    const again = await keys(db.url, "revoke", key.id);
    assert.equal(again.code, 2);
    assert.match(again.err, /no live key/);
    const bad = await keys(db.url, "create", "--name", "x", "--rpm=-3");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--rpm: Too small/);
    const unknown = await keys(db.url, "create", "--name", "x", "--rpn", "3");
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown option '--rpn'/);
  },
});
