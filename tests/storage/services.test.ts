/**
 * The test support for production storage, against the real PostgreSQL and Redis: the cuttable TCP
 * proxy (a service going away fails fast; coming back recovers on the same port), the fresh
 * database per run and the Redis key prefix per test.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createClient } from "redis";
import {
  freshDatabase,
  productionServices,
  redisPrefix,
  servicesAvailable,
} from "../support/services.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";

const services = await productionServices();

function hostPort(url: string, defaultPort: number): { hostname: string; port: number } {
  const u = new URL(url);
  return { hostname: u.hostname, port: Number(u.port || defaultPort) };
}

/** `url` pointed at 127.0.0.1:<port> instead (credentials, database and options kept). */
function via(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
}

/** How long `work` took to settle, and how. */
async function timed<T>(work: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await work;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** A loopback echo server; close() ends it and every connection it holds. */
function startEcho() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = new Set<Promise<void>>();
  const accepting = (async () => {
    for await (const conn of listener) {
      const p = conn.readable.pipeTo(conn.writable).catch(() => {});
      served.add(p);
    }
  })();
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      await accepting;
      await Promise.all(served);
    },
  };
}

async function echoOnce(conn: Deno.Conn, text: string): Promise<string> {
  await conn.write(new TextEncoder().encode(text));
  const buf = new Uint8Array(64);
  const n = await conn.read(buf);
  return new TextDecoder().decode(buf.subarray(0, n ?? 0));
}

Deno.test("tcp proxy: cut closes open connections and refuses new ones; restore reopens the port", async () => {
  const echo = startEcho();
  try {
    await using proxy = await startTcpProxy({ hostname: "127.0.0.1", port: echo.port });
    const port = proxy.port;
    const a = await Deno.connect({ hostname: "127.0.0.1", port });
    const b = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      assert.equal(await echoOnce(a, "hello"), "hello");
      assert.equal(await echoOnce(b, "world"), "world");
      assert.equal(proxy.connections, 2);

      await proxy.cut();
      // Each client sees its socket closed: end of stream, or a reset.
      for (const conn of [a, b]) {
        const seen = await conn.read(new Uint8Array(8)).catch((error) => error);
        assert.ok(seen === null || seen instanceof Error, `read after cut gave ${seen}`);
      }
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port }),
        Deno.errors.ConnectionRefused,
      );

      await proxy.restore();
      assert.equal(proxy.port, port);
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        assert.equal(await echoOnce(c, "again"), "again");
      } finally {
        c.close();
      }
      assert.equal(proxy.connections, 3);
    } finally {
      a.close();
      b.close();
    }
  } finally {
    await echo.close();
  }
});

Deno.test("servicesAvailable names the address that does not answer, fast", async () => {
  // Port 1 on loopback: nothing listens there, the connect is refused at once.
  const start = performance.now();
  const got = await servicesAvailable({
    postgresUrl: "postgres://postgres@127.0.0.1:1/test",
    redisUrl: "redis://127.0.0.1:1",
  });
  assert.ok(performance.now() - start < 2_500);
  assert.equal(got.postgres, false);
  assert.equal(got.redis, false);
  assert.equal(got.reason.length, 2);
  assert.match(got.reason[0], /^PostgreSQL at 127\.0\.0\.1:1 does not answer \(.*ECONNREFUSED/);
  assert.match(got.reason[1], /^Redis at 127\.0\.0\.1:1 does not answer \(.*ECONNREFUSED/);
});

Deno.test("servicesAvailable gives up on a server that accepts but never answers", async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  try {
    const start = performance.now();
    const got = await servicesAvailable({
      postgresUrl: `postgres://postgres@127.0.0.1:${silent.addr.port}/test`,
      redisUrl: `redis://127.0.0.1:${silent.addr.port}`,
    });
    assert.ok(performance.now() - start < 3_000, "the checks are bounded at about 2 s");
    assert.deepEqual([got.postgres, got.redis], [false, false]);
    assert.match(got.reason.join("\n"), /no answer within 2000 ms/);
  } finally {
    silent.close();
    await accepting;
    for (const conn of held) conn.close();
  }
});

Deno.test({
  name:
    "tcp proxy: PostgreSQL through it; a cut fails queries fast; restore recovers on the same port",
  ignore: services.ignore,
  async fn() {
    await using proxy = await startTcpProxy(hostPort(services.postgresUrl, 5432));
    const port = proxy.port;
    const sql = postgres(via(services.postgresUrl, port), {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
      // postgres.js' default backoff is kept here: (0.5–1) × min(3^failures / 100, 20) s before each
      // reconnect, failures counted across the whole outage. The few failures below stay well under
      // a second; a long outage does not (a production client wants its own capped `backoff`).
    });
    const admin = postgres(services.postgresUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`select 1 as one`;
      assert.equal(row.one, 1);
      assert.equal(proxy.connections, 1);

      // A query in flight when the cut comes is rejected at once (not after its own duration).
      const marker = `squint_proxy_${crypto.randomUUID().replaceAll("-", "")}`;
      const inFlight = timed(sql.unsafe(`select pg_sleep(3) /* ${marker} */`));
      // Wait until the server runs it (bounded poll of pg_stat_activity on a direct connection).
      for (let i = 0;; i++) {
        const [{ n }] = await admin`select count(*)::int as n from pg_stat_activity
                                    where state = 'active' and query like ${"%" + marker + "%"}
                                    and pid <> pg_backend_pid()`;
        if (n > 0) break;
        assert.ok(i < 200, "the sleeping query never reached the server");
        await new Promise((r) => setTimeout(r, 10));
      }
      await proxy.cut();
      const cutInFlight = await inFlight;
      assert.ok(cutInFlight.error, "the in-flight query must reject");
      assert.equal((cutInFlight.error as { code?: string }).code, "CONNECTION_CLOSED");
      assert.ok(cutInFlight.ms < 1_500, `in-flight query took ${cutInFlight.ms} ms to fail`);

      // While cut: new queries reject quickly (connect refused), each time.
      for (let i = 0; i < 3; i++) {
        const down = await timed(sql`select 1`.execute());
        assert.ok(down.error, "a query while cut must reject");
        assert.equal((down.error as { code?: string }).code, "ECONNREFUSED");
        assert.ok(down.ms < 1_000, `query while cut took ${down.ms} ms to fail`);
      }

      await proxy.restore();
      assert.equal(proxy.port, port);
      const back = await timed(sql`select 2 as two`.execute());
      assert.ok(!back.error, `after restore: ${back.error}`);
      assert.equal(back.value![0].two, 2);
      assert.equal(proxy.connections, 2);
    } finally {
      await sql.end({ timeout: 0 });
      await admin.end({ timeout: 0 });
    }
  },
});

Deno.test({
  name: "tcp proxy: Redis through it; a cut fails commands fast; restore recovers on the same port",
  ignore: services.ignore,
  async fn() {
    await using proxy = await startTcpProxy(hostPort(services.redisUrl, 6379));
    const port = proxy.port;
    const client = createClient({
      url: via(services.redisUrl, port),
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2_000,
        reconnectStrategy: (retries) => Math.min(20 * 2 ** retries, 200),
      },
    });
    const errors: Error[] = [];
    let firstError = Promise.withResolvers<Error>();
    client.on("error", (error: Error) => {
      errors.push(error);
      firstError.resolve(error);
    });
    try {
      await client.connect();
      assert.equal(await client.ping(), "PONG");
      assert.equal(proxy.connections, 1);

      // A blocking command in flight when the cut comes is rejected (not after its 5 s timeout).
      firstError = Promise.withResolvers<Error>();
      const blocked = timed(client.blPop(`squint-test:never:${crypto.randomUUID()}`, 5));
      await proxy.cut();
      const error = await firstError.promise;
      assert.equal(error.constructor.name, "SocketClosedUnexpectedlyError");
      const cutInFlight = await blocked;
      assert.ok(cutInFlight.error, "the in-flight BLPOP must reject");
      assert.ok(cutInFlight.ms < 1_500, `in-flight BLPOP took ${cutInFlight.ms} ms to fail`);
      assert.equal(client.isReady, false);

      // While cut (the client keeps reconnecting), commands reject at once: no offline queue.
      const down = await timed(client.ping());
      assert.ok(down.error, "PING while cut must reject");
      assert.equal((down.error as Error).constructor.name, "ClientOfflineError");
      assert.ok(down.ms < 100, `PING while cut took ${down.ms} ms to fail`);

      const ready = Promise.withResolvers<void>();
      client.once("ready", () => ready.resolve());
      await proxy.restore();
      assert.equal(proxy.port, port);
      await ready.promise;
      assert.equal(await client.ping(), "PONG");
      assert.equal(proxy.connections, 2);
    } finally {
      client.destroy();
    }
  },
});

Deno.test({
  name:
    "freshDatabase creates a database that exists, and drop() removes it even with a client open",
  ignore: services.ignore,
  async fn() {
    const admin = postgres(services.postgresUrl, { max: 1, onnotice: () => {} });
    const exists = async (name: string) =>
      (await admin`select 1 from pg_database where datname = ${name}`).length === 1;
    try {
      const db = await freshDatabase(services.postgresUrl);
      assert.match(db.name, /^squint_test_[0-9a-f]+$/);
      assert.ok(await exists(db.name));
      assert.equal(new URL(db.url).pathname, `/${db.name}`);

      const inside = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        await inside`create table t (x int)`;
        await inside`insert into t values (42)`;
        const [{ current_database, x }] = await inside`select current_database(), x from t`;
        assert.deepEqual([current_database, x], [db.name, 42]);
        await db.drop(); // terminates `inside`'s connection
        assert.equal(await exists(db.name), false);
        await db.drop(); // a second drop is a no-op
      } finally {
        await inside.end({ timeout: 0 });
      }

      // `await using` drops it too.
      let name: string;
      {
        await using scoped = await freshDatabase(services.postgresUrl);
        name = scoped.name;
        assert.ok(await exists(name));
      }
      assert.equal(await exists(name), false);
    } finally {
      await admin.end({ timeout: 0 });
    }
  },
});

Deno.test({
  name: "redisPrefix clear() deletes every key under its prefix and nothing else",
  ignore: services.ignore,
  async fn() {
    const client = createClient({ url: services.redisUrl });
    client.on("error", () => {});
    await client.connect();
    const outside = `squint-test-outside:${crypto.randomUUID()}`;
    const strays = [outside];
    try {
      await using a = await redisPrefix(services.redisUrl);
      await using b = await redisPrefix(services.redisUrl);
      assert.match(a.prefix, /^squint-test:[0-9a-f]+:$/);
      assert.notEqual(a.prefix, b.prefix);

      // Enough keys in `a` that SCAN needs several rounds.
      const many = Array.from({ length: 1_200 }, (_, i) => `${a.prefix}k${i}`);
      await client.mSet(many.map((key) => [key, "1"] as [string, string]));
      await client.hSet(`${a.prefix}hash`, { f: "v" });
      await client.set(`${b.prefix}kept`, "1");
      await client.set(outside, "1");
      // A key that merely starts like a's prefix without its final colon is not a's.
      strays.push(a.prefix.slice(0, -1));
      await client.set(a.prefix.slice(0, -1), "1");

      await a.clear();
      assert.equal(await client.exists([...many, `${a.prefix}hash`]), 0);
      assert.equal(await client.exists(`${b.prefix}kept`), 1);
      assert.equal(await client.exists(outside), 1);
      assert.equal(await client.exists(a.prefix.slice(0, -1)), 1);

      await b.clear();
      assert.equal(await client.exists(`${b.prefix}kept`), 0);
    } finally {
      await client.unlink(strays);
      await client.close();
    }
  },
});
