import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config.ts";

/** A ConfigError naming the variable and, quoted, the entry it could not read. */
const namesEntry = (entry: string) => (e: Error) =>
  e instanceof ConfigError && e.message.startsWith("SQUINT_ALLOW_PRIVATE_HOSTS: ") &&
  e.message.includes(`cannot read entry "${entry}"`);

Deno.test("an allow-list entry with a port out of range stops start-up naming the variable and the entry", () => {
  assert.throws(
    () =>
      loadConfig({ SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1:99999", SQUINT_DATA_DIR: ":memory:" }),
    namesEntry("127.0.0.1:99999"),
  );
});

Deno.test("an unreadable CIDR, IPv6 address or empty host among good entries stops start-up", () => {
  for (const bad of ["10.0.0.0/99", "::zz", ":8080"]) {
    const value = `images.internal, ${bad}, 127.0.0.1:8302`;
    assert.throws(
      () => loadConfig({ SQUINT_ALLOW_PRIVATE_HOSTS: value, SQUINT_DATA_DIR: ":memory:" }),
      namesEntry(bad),
      bad,
    );
  }
});

Deno.test("an unreadable allow-list entry in the config file stops start-up too", () => {
  const path = Deno.makeTempFileSync({ suffix: ".yaml" });
  try {
    Deno.writeTextFileSync(path, "allow_private_hosts:\n  - images.internal\n  - 10.0.0.0/99\n");
    assert.throws(
      () => loadConfig({ SQUINT_CONFIG: path, SQUINT_DATA_DIR: ":memory:" }),
      namesEntry("10.0.0.0/99"),
    );
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("readable entries with and without ports load as written", () => {
  const config = loadConfig({
    SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1:8302, [::1]:8080, fd00::/8, images.internal",
    SQUINT_DATA_DIR: ":memory:",
  });
  assert.deepEqual(config.allow_private_hosts, [
    "127.0.0.1:8302",
    "[::1]:8080",
    "fd00::/8",
    "images.internal",
  ]);
});
