/**
 * The private-address guard of remote image fetches. Decisions are checked with `refuseReason`
 * and an injected resolver, which never connects; only the redirect tests fetch, and only from
 * loopback servers they start themselves.
 */
import assert from "node:assert/strict";
import { type FetchPolicy, fetchRemoteImage, refuseReason } from "../../src/intake/remote_image.ts";
import { viaEnvProxy } from "../../src/intake/pinned_fetch.ts";

/** A policy whose resolver answers `addresses` for every host name. */
const policy = (allowPrivate: string[] = [], addresses: string[] = []): FetchPolicy => ({
  allowPrivate,
  maxBytes: 1 << 20,
  timeoutMs: 5000,
  resolve: () => Promise.resolve(addresses),
});

const refused = (href: string, p: FetchPolicy) => refuseReason(new URL(href), p);

Deno.test("IPv6 literals embedding a loopback or private IPv4 are refused, as written or normalised", async () => {
  for (
    const href of [
      "http://[::127.0.0.1]/a.png",
      "http://[::7f00:1]/a.png",
      "http://[::ffff:127.0.0.1]/a.png",
      "http://[::ffff:a9fe:a9fe]/latest/meta-data",
      "http://[64:ff9b::127.0.0.1]/a.png",
      "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
      "http://[64:ff9b:1::808:808]/a.png",
      "http://[2002:7f00:1::1]/a.png",
      "http://[2002:c0a8:101::]:8080/a.png",
    ]
  ) {
    assert.match((await refused(href, policy()))!, /private address/, href);
  }
});

Deno.test("a host resolving to an IPv6 address that embeds a private IPv4 is refused", async () => {
  for (const address of ["::10.0.0.1", "64:ff9b::a00:1", "2002:a9fe:a9fe::1", "::ffff:7f00:1"]) {
    assert.match(
      (await refused("https://images.example/a.png", policy([], ["8.8.8.8", address])))!,
      new RegExp(`private address ${address.replaceAll(".", "\\.")}$`),
      address,
    );
  }
});

Deno.test("NAT64 and 6to4 literals embedding a public IPv4 are allowed", async () => {
  for (const href of ["http://[64:ff9b::808:808]/a.png", "http://[2002:808:808::1]/a.png"]) {
    assert.equal(await refused(href, policy()), undefined, href);
  }
});

Deno.test("an allow-list entry with a port exempts that port of the address only", async () => {
  const p = policy(["127.0.0.1:8302"]);
  assert.equal(await refused("http://127.0.0.1:8302/a.png", p), undefined);
  assert.match((await refused("http://127.0.0.1:8303/a.png", p))!, /private address 127\.0\.0\.1/);
  assert.match((await refused("http://127.0.0.1/a.png", p))!, /private address 127\.0\.0\.1/);
});

Deno.test("a host:port entry exempts a private host on that port, its scheme's default included", async () => {
  const p = policy(["images.corp.example:443"], ["10.0.0.9"]);
  assert.equal(await refused("https://images.corp.example/a.png", p), undefined);
  assert.equal(await refused("https://images.corp.example:443/a.png", p), undefined);
  assert.match(
    (await refused("http://images.corp.example/a.png", p))!,
    /private address 10\.0\.0\.9/,
  );
});

Deno.test("an allowed IPv4 range does not exempt an IPv6 form embedding one of its addresses", async () => {
  const p = policy(["127.0.0.1:8302"]);
  assert.match((await refused("http://[::7f00:1]:8302/a.png", p))!, /private address ::7f00:1/);
});

/** A loopback server answering `handler`, counting the requests it receives. */
function loopbackServer(handler: () => Response) {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    hits.push(new URL(request.url).pathname);
    return handler();
  });
  return { server, hits, origin: `http://127.0.0.1:${server.addr.port}` };
}

Deno.test("an image on the allowed port of a loopback host is fetched", async () => {
  const image = loopbackServer(() =>
    new Response(new Uint8Array([1, 2, 3]), { headers: { "content-type": "image/png" } })
  );
  await using _server = image.server;
  const result = await fetchRemoteImage(
    `${image.origin}/a.png`,
    policy([`127.0.0.1:${image.server.addr.port}`]),
  );
  assert.deepEqual(result, {
    ok: true,
    bytes: new Uint8Array([1, 2, 3]),
    mime: "image/png",
    finalUrl: `${image.origin}/a.png`,
  });
});

Deno.test("a redirect from the allowed port to another loopback port is refused without being fetched", async () => {
  const hidden = loopbackServer(() => new Response(new Uint8Array([9])));
  await using _hidden = hidden.server;
  const redirector = loopbackServer(() =>
    new Response(null, { status: 302, headers: { location: `${hidden.origin}/secret.png` } })
  );
  await using _redirector = redirector.server;
  const result = await fetchRemoteImage(
    `${redirector.origin}/a.png`,
    policy([`127.0.0.1:${redirector.server.addr.port}`]),
  );
  assert.deepEqual(result, {
    ok: false,
    reason: "not fetched: host 127.0.0.1 resolves to private address 127.0.0.1",
  });
  assert.deepEqual(redirector.hits, ["/a.png"]);
  assert.deepEqual(hidden.hits, []);
});

const TLS_NAME = "images.example.test";
const tlsFixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

/**
 * A loopback image server by a name no DNS answers (`.test` is reserved): only a fetch that
 * connects to the address the guard checked, rather than looking the name up again, reaches it.
 */
function namedServer(tls: boolean, address = "127.0.0.1") {
  const hosts: string[] = [];
  const server = Deno.serve({
    hostname: address,
    port: 0,
    onListen() {},
    ...(tls ? { cert: tlsFixture(`${TLS_NAME}.pem`), key: tlsFixture(`${TLS_NAME}.key`) } : {}),
  }, (request) => {
    hosts.push(request.headers.get("host") ?? "");
    return new Response(new Uint8Array([4, 5, 6]), { headers: { "content-type": "image/png" } });
  });
  const port = server.addr.port;
  const lookups: string[] = [];
  const pinned: FetchPolicy = {
    ...policy([`${address.includes(":") ? `[${address}]` : address}:${port}`]),
    resolve: (host) => {
      lookups.push(host);
      return Promise.resolve([address]);
    },
    caCerts: [tlsFixture("ca.pem")],
  };
  return { server, port, hosts, lookups, pinned };
}

for (
  const [scheme, address] of [["http", "127.0.0.1"], ["https", "127.0.0.1"], ["http", "::1"], [
    "https",
    "::1",
  ]] as const
) {
  Deno.test(`an ${scheme} image is fetched from the address the guard checked (${address}), not from a second lookup (DNS rebinding)`, async () => {
    const named = namedServer(scheme === "https", address);
    await using _server = named.server;
    const url = `${scheme}://${TLS_NAME}:${named.port}/a.png`;
    const result = await fetchRemoteImage(url, named.pinned);
    assert.deepEqual(result, {
      ok: true,
      bytes: new Uint8Array([4, 5, 6]),
      mime: "image/png",
      finalUrl: url,
    });
    assert.deepEqual(named.lookups, [TLS_NAME], "one lookup, the guard's");
    assert.deepEqual(named.hosts, [`${TLS_NAME}:${named.port}`], "the Host is the URL's");
  });
}

Deno.test("a pinned https fetch still checks the certificate against the URL's host name", async () => {
  const named = namedServer(true);
  await using _server = named.server;
  const result = await fetchRemoteImage(
    `https://other.example.test:${named.port}/a.png`,
    named.pinned,
  );
  assert.equal(result.ok, false);
  assert.match((result as { reason: string }).reason, /^fetch failed: .*(certificate|name)/i);
  assert.deepEqual(named.hosts, []);
});

Deno.test("behind an HTTP_PROXY from the environment the image goes through the proxy, as Deno's fetch sends it, not pinned around it", async () => {
  // A forward proxy on loopback that answers every request itself.
  const seen: string[] = [];
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    seen.push(`${request.method} ${request.url}`);
    return new Response(new Uint8Array([8, 9]), { headers: { "content-type": "image/png" } });
  });
  await using _proxy = proxy;
  const module = new URL("../../src/intake/remote_image.ts", import.meta.url).href;
  // The environment is read once per process by Deno's fetch: a child process of its own. The
  // name resolves (for the guard) to loopback port 80, where nothing listens: only the proxy
  // answers.
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { fetchRemoteImage } from "${module}";
       const got = await fetchRemoteImage("http://${TLS_NAME}/a.png", {
         allowPrivate: ["127.0.0.1"], maxBytes: 1024, timeoutMs: 5000,
         resolve: () => Promise.resolve(["127.0.0.1"]),
       });
       console.log(JSON.stringify({ ...got, bytes: got.ok ? [...got.bytes] : undefined }));`,
    ],
    env: { HTTP_PROXY: `http://127.0.0.1:${proxy.addr.port}` },
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.deepEqual(JSON.parse(text), {
    ok: true,
    bytes: [8, 9],
    mime: "image/png",
    finalUrl: `http://${TLS_NAME}/a.png`,
  }, new TextDecoder().decode(output.stderr));
  assert.deepEqual(seen, [`GET http://${TLS_NAME}/a.png`]);
});

Deno.test("which fetches a proxy from the environment makes: by scheme, ALL_PROXY, and NO_PROXY's names", () => {
  const via = (href: string, vars: Record<string, string>) =>
    viaEnvProxy(new URL(href), (name) => vars[name]);
  assert.equal(via("http://a.example/x.png", {}), false);
  assert.equal(via("http://a.example/x.png", { HTTP_PROXY: "http://p:3128" }), true);
  assert.equal(via("https://a.example/x.png", { HTTP_PROXY: "http://p:3128" }), false);
  assert.equal(via("https://a.example/x.png", { https_proxy: "http://p:3128" }), true);
  assert.equal(via("https://a.example/x.png", { ALL_PROXY: "http://p:3128" }), true);
  const proxied = { HTTPS_PROXY: "http://p:3128" };
  for (
    const noProxy of ["a.example", ".example", "*.example", "example:443", "*", "x, a.example"]
  ) {
    assert.equal(via("https://a.example/x.png", { ...proxied, NO_PROXY: noProxy }), false, noProxy);
  }
  for (const noProxy of ["b.example", "ample", ""]) {
    assert.equal(via("https://a.example/x.png", { ...proxied, NO_PROXY: noProxy }), true, noProxy);
  }
});
