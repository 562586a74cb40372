import assert from "node:assert/strict";
import { isBlockedAddress, parseAddress } from "../../src/intake/ip_ranges.ts";
import { refuseReason } from "../../src/intake/remote_image.ts";

const blocked = (a: string) => isBlockedAddress(parseAddress(a)!);

Deno.test("loopback, private, link-local and metadata addresses are blocked", () => {
  for (
    const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "[::1]",
    ]
  ) {
    assert.equal(blocked(a), true, a);
  }
});

Deno.test("public addresses are not blocked", () => {
  for (const a of ["8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) {
    assert.equal(blocked(a), false, a);
  }
});

Deno.test("malformed addresses do not parse", () => {
  for (const a of ["256.1.1.1", "1.2.3", "::1::2", "example.com", "1:2:3:4:5:6:7:8:9"]) {
    assert.equal(parseAddress(a), undefined, a);
  }
});

const resolveTo = (addresses: string[]) => ({
  allowPrivate: [],
  maxBytes: 1,
  timeoutMs: 1,
  resolve: () => Promise.resolve(addresses),
});

Deno.test("a host that resolves to a private address is refused, a public one allowed", async () => {
  assert.match(
    (await refuseReason(new URL("http://images.example/a.png"), resolveTo(["10.0.0.5"])))!,
    /private address 10\.0\.0\.5/,
  );
  assert.match(
    (await refuseReason(
      new URL("http://mixed.example/a.png"),
      resolveTo(["8.8.8.8", "127.0.0.1"]),
    ))!,
    /private/,
  );
  assert.equal(
    await refuseReason(new URL("https://cdn.example/a.png"), resolveTo(["8.8.8.8"])),
    undefined,
  );
});

Deno.test("literal private hosts, localhost and non-http schemes are refused", async () => {
  const policy = resolveTo([]);
  assert.match((await refuseReason(new URL("http://127.0.0.1:8080/x"), policy))!, /private/);
  assert.match((await refuseReason(new URL("http://[::1]/x"), policy))!, /private/);
  assert.match((await refuseReason(new URL("http://localhost/x"), policy))!, /private/);
  assert.match(
    (await refuseReason(new URL("http://metadata.google.internal/x"), policy))!,
    /private/,
  );
  assert.match((await refuseReason(new URL("file:///etc/passwd"), policy))!, /scheme/);
});

Deno.test("hosts and ranges in the allow list are exempt from the guard", async () => {
  const policy = { ...resolveTo(["10.0.0.7"]), allowPrivate: ["10.0.0.0/8", "127.0.0.1"] };
  assert.equal(await refuseReason(new URL("http://internal.example/a.png"), policy), undefined);
  assert.equal(await refuseReason(new URL("http://127.0.0.1:9000/a.png"), policy), undefined);
  assert.match((await refuseReason(new URL("http://192.168.0.1/a.png"), policy))!, /private/);
});
