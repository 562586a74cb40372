import assert from "node:assert/strict";
import { isBlockedAddress, parseAddress, parseRange } from "../../src/intake/ip_ranges.ts";
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

Deno.test("IPv4-compatible addresses are blocked when the IPv4 they embed is", () => {
  for (const a of ["::127.0.0.1", "::7f00:1", "::10.0.0.1", "::a9fe:a9fe", "::c0a8:101"]) {
    assert.equal(blocked(a), true, a);
  }
  assert.equal(blocked("::8.8.8.8"), false);
});

Deno.test("IPv4-mapped addresses are blocked when the IPv4 they embed is, in either notation", () => {
  for (const a of ["::ffff:7f00:1", "::ffff:a9fe:a9fe", "::ffff:192.168.0.1", "::ffff:0:0"]) {
    assert.equal(blocked(a), true, a);
  }
  assert.equal(blocked("::ffff:808:808"), false);
});

Deno.test("NAT64 well-known-prefix addresses are blocked when the IPv4 they embed is", () => {
  for (
    const a of ["64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe"]
  ) {
    assert.equal(blocked(a), true, a);
  }
  for (const a of ["64:ff9b::8.8.8.8", "64:ff9b::808:808"]) assert.equal(blocked(a), false, a);
});

Deno.test("local-use NAT64 addresses are blocked whatever they embed", () => {
  for (const a of ["64:ff9b:1::8.8.8.8", "64:ff9b:1:ffff::808:808", "64:ff9b:1::"]) {
    assert.equal(blocked(a), true, a);
  }
});

Deno.test("6to4 addresses are blocked when the IPv4 in their bytes 2 to 5 is", () => {
  for (const a of ["2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::", "2002:c0a8:101:1::1"]) {
    assert.equal(blocked(a), true, a);
  }
  assert.equal(blocked("2002:808:808::1"), false);
});

Deno.test("deprecated site-local IPv6 addresses are blocked", () => {
  assert.equal(blocked("fec0::1"), true);
});

Deno.test("a CIDR with a missing, oversized or non-decimal prefix length does not parse", () => {
  for (
    const r of ["10.0.0.0/99", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8/8", "::/129", "10.0.0.0/0x8"]
  ) {
    assert.equal(parseRange(r), undefined, r);
  }
  assert.deepEqual(parseRange("10.0.0.0/8")?.bits, 104);
  assert.deepEqual(parseRange("fd00::/8")?.bits, 8);
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
