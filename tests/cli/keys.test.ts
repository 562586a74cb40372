/** `squint keys …` runs the keys command (`deno task keys`) on the configured store. */
import assert from "node:assert/strict";
import { squint } from "./_cli.ts";

Deno.test("squint keys list on a fresh data folder lists no key; a created key is then listed without its secret", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-cli-keys-" });
  const env = { SQUINT_DATA_DIR: dataDir };
  try {
    const empty = await squint(["keys", "list"], env);
    assert.equal(empty.code, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), []);
    const created = await squint(["keys", "create", "--name", "ci", "--rpm", "60"], env);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    assert.match(created.stderr, /shown once/);
    const listed = await squint(["keys", "list"], env);
    const [only] = JSON.parse(listed.stdout);
    assert.deepEqual([only.id, only.name, only.rpm], [key.id, "ci", 60]);
    assert.ok(!listed.stdout.includes(key.key));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("squint keys without a command prints its usage under its own name and exits 2", async () => {
  const run = await squint(["keys"], { SQUINT_DATA_DIR: ":memory:" });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^squint keys: usage: squint keys create --name NAME/);
  assert.match(run.stderr, /\n {7}squint keys revoke KEY_ID\n$/);
});
