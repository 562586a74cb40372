import assert from "node:assert/strict";
import { type AllowEntry, isExempt, parseAllowList } from "../../src/intake/allow_list.ts";

/** What an entry exempts, without the parsed range bytes. */
const shape = (entry: AllowEntry) =>
  entry.kind === "host"
    ? { host: entry.host, port: entry.port }
    : { bits: entry.range.bits, port: entry.port };

const exempt = (href: string, addresses: string[], entries: string[]) =>
  isExempt(new URL(href), addresses, parseAllowList(entries));

Deno.test("host names, addresses and CIDRs are read with or without a port", () => {
  const entries = parseAllowList([
    "images.internal",
    "images.internal:8443",
    "127.0.0.1",
    "127.0.0.1:8302",
    "10.0.0.0/8",
    "10.0.0.0/8:80",
    "::1",
    "fd00::/8",
    "[::1]:8080",
    "[fd00::/8]:443",
    " padded.example ",
  ]);
  assert.deepEqual(entries.map(shape), [
    { host: "images.internal", port: undefined },
    { host: "images.internal", port: 8443 },
    { bits: 128, port: undefined },
    { bits: 128, port: 8302 },
    { bits: 104, port: undefined },
    { bits: 104, port: 80 },
    { bits: 128, port: undefined },
    { bits: 8, port: undefined },
    { bits: 128, port: 8080 },
    { bits: 8, port: 443 },
    { host: "padded.example", port: undefined },
  ]);
});

Deno.test("host names are kept in lower case, as punycode and without a trailing dot", () => {
  const entries = parseAllowList(["Images.Internal.", "bücher.example:443"]);
  assert.deepEqual(entries.map(shape), [
    { host: "images.internal", port: undefined },
    { host: "xn--bcher-kva.example", port: 443 },
  ]);
});

Deno.test("an entry that cannot be read is rejected with a message naming it", () => {
  for (
    const entry of [
      "127.0.0.1:99999",
      "127.0.0.1:0",
      "127.0.0.1:",
      "images.internal:http",
      "10.0.0.0/99",
      "10.0.0.0/",
      "::zz",
      "fd00::/8:443",
      ":8080",
      "",
      "[10.0.0.1]:80",
      "[::1]:",
      "256.0.0.1",
      "127.1",
      "0x7f.1",
      "*.example.com",
      "exa mple.com",
      "8302",
    ]
  ) {
    assert.throws(
      () => parseAllowList(["images.internal", entry]),
      (e: Error) => e.message.startsWith(`cannot read entry "${entry}": `),
      entry,
    );
  }
});

Deno.test("an entry without a port exempts every port of its address", () => {
  for (const href of ["http://127.0.0.1/", "https://127.0.0.1/", "http://127.0.0.1:9000/"]) {
    assert.equal(exempt(href, ["127.0.0.1"], ["127.0.0.1"]), true, href);
  }
});

Deno.test("an entry with a port exempts that port only", () => {
  const allow = ["127.0.0.1:8302"];
  assert.equal(exempt("http://127.0.0.1:8302/a.png", ["127.0.0.1"], allow), true);
  assert.equal(exempt("http://127.0.0.1:8303/a.png", ["127.0.0.1"], allow), false);
  assert.equal(exempt("http://127.0.0.1/a.png", ["127.0.0.1"], allow), false);
});

Deno.test("a URL without a port is matched on its scheme's default port", () => {
  const addresses = ["10.0.0.9"];
  assert.equal(exempt("https://images.internal/a.png", addresses, ["images.internal:443"]), true);
  assert.equal(exempt("http://images.internal/a.png", addresses, ["images.internal:443"]), false);
  assert.equal(exempt("http://images.internal/a.png", addresses, ["images.internal:80"]), true);
  assert.equal(exempt("https://images.internal:80/a", addresses, ["images.internal:443"]), false);
});

Deno.test("a bracketed IPv6 entry with a port exempts that port of the address", () => {
  assert.equal(exempt("http://[::1]:8080/a.png", ["::1"], ["[::1]:8080"]), true);
  assert.equal(exempt("http://[::1]:8081/a.png", ["::1"], ["[::1]:8080"]), false);
});

Deno.test("a host name entry exempts its host whatever it resolves to, in any case", () => {
  assert.equal(exempt("http://IMAGES.internal./a.png", ["10.1.1.1"], ["images.internal"]), true);
  assert.equal(exempt("http://other.internal/a.png", ["10.1.1.1"], ["images.internal"]), false);
});

Deno.test("a range entry exempts a host only when every address it resolves to lies in it", () => {
  const allow = ["10.0.0.0/8"];
  assert.equal(exempt("http://a.example/", ["10.0.0.7", "10.9.9.9"], allow), true);
  assert.equal(exempt("http://a.example/", ["10.0.0.7", "192.168.0.1"], allow), false);
  assert.equal(exempt("http://a.example/", [], allow), false);
  assert.equal(exempt("http://a.example/", ["not-an-address"], allow), false);
});
