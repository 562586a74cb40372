/**
 * What the production-mode tests need from the shared PostgreSQL and Redis: whether they answer, a
 * fresh database per run, and a Redis key prefix per test.
 *
 * A test file does
 *
 *     const services = await productionServices();
 *     Deno.test({ name, ignore: services.ignore, fn });
 *
 * When a service is missing the tests are ignored and ONE line says why; with CI=true they are not
 * silently skipped: the run fails with that reason.
 */
import postgres from "postgres";
import { createClient, ErrorReply } from "redis";

const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** Upper bound on each availability check, connect and first answer together. */
const CHECK_TIMEOUT_MS = 2_000;

/** The URLs the production-mode tests use: SQUINT_TEST_DATABASE_URL / SQUINT_TEST_REDIS_URL or the defaults. */
function configuredUrls(): { postgresUrl: string; redisUrl: string } {
  return {
    postgresUrl: Deno.env.get("SQUINT_TEST_DATABASE_URL") || DEFAULT_POSTGRES_URL,
    redisUrl: Deno.env.get("SQUINT_TEST_REDIS_URL") || DEFAULT_REDIS_URL,
  };
}

/** host:port of a URL, never its credentials. */
function where(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort}`;
  } catch {
    return "(unparsable URL)";
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // AggregateError (several addresses tried) carries the useful messages inside.
    if (error instanceof AggregateError && error.errors.length > 0 && !error.message) {
      return error.errors.map(describe).join("; ");
    }
    return error.message || error.name;
  }
  return String(error);
}

/** An error the server itself sent (it answers, but refuses: bad database, password, …). */
function fromServer(error: unknown): boolean {
  return error instanceof postgres.PostgresError || error instanceof ErrorReply;
}

function verdict(error: unknown): string {
  return `${fromServer(error) ? "refuses the connection" : "does not answer"} (${describe(error)})`;
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** Runs `work`, rejecting after `ms` with a timeout error; `onTimeout` releases whatever `work` holds. */
async function withTimeout<T>(
  ms: number,
  what: string,
  work: Promise<T>,
  onTimeout: () => unknown,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (${what})`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    await Promise.resolve(onTimeout()).catch(() => {});
    work.catch(() => {}); // its later rejection is of no interest
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function adminSql(url: string, connectTimeoutS = 2) {
  return postgres(url, {
    max: 1,
    connect_timeout: connectTimeoutS,
    idle_timeout: 1,
    onnotice: () => {},
  });
}

async function checkPostgres(url: string): Promise<string | null> {
  let sql;
  try {
    sql = adminSql(url, Math.ceil(CHECK_TIMEOUT_MS / 1000));
  } catch (error) {
    return `PostgreSQL URL ${JSON.stringify(url)} is not usable (${describe(error)})`;
  }
  const s = sql;
  try {
    await withTimeout(
      CHECK_TIMEOUT_MS,
      "select 1",
      s`select 1`.execute(),
      () => s.end({ timeout: 0 }),
    );
    return null;
  } catch (error) {
    return `PostgreSQL at ${where(url, 5432)} ${verdict(error)}`;
  } finally {
    await s.end({ timeout: 0 }).catch(() => {});
  }
}

async function checkRedis(url: string): Promise<string | null> {
  let client;
  try {
    client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: CHECK_TIMEOUT_MS, reconnectStrategy: false },
    });
  } catch (error) {
    return `Redis URL ${JSON.stringify(url)} is not usable (${describe(error)})`;
  }
  const c = client;
  c.on("error", () => {}); // reported through connect()/ping() below
  try {
    await withTimeout(
      CHECK_TIMEOUT_MS,
      "PING",
      c.connect().then(() => c.ping()),
      () => c.destroy(),
    );
    return null;
  } catch (error) {
    return `Redis at ${where(url, 6379)} ${verdict(error)}`;
  } finally {
    if (c.isOpen) c.destroy();
  }
}

/**
 * Whether PostgreSQL / Redis answer at their default addresses (or SQUINT_TEST_DATABASE_URL /
 * SQUINT_TEST_REDIS_URL). `urls` overrides the addresses (for testing this check itself).
 */
export async function servicesAvailable(
  urls: { postgresUrl?: string; redisUrl?: string } = {},
): Promise<{ postgres: boolean; redis: boolean; reason: string[] }> {
  const configured = configuredUrls();
  const [pg, redis] = await Promise.all([
    checkPostgres(urls.postgresUrl ?? configured.postgresUrl),
    checkRedis(urls.redisUrl ?? configured.redisUrl),
  ]);
  return {
    postgres: pg === null,
    redis: redis === null,
    reason: [pg, redis].filter((r): r is string => r !== null),
  };
}

let production: Promise<{ ignore: boolean; postgresUrl: string; redisUrl: string }> | undefined;

/**
 * For tests that need the services: returns an `ignore` flag for Deno.test and prints ONE clear line
 * per run naming what is skipped and why. When `CI=true` a missing service does NOT skip: the
 * production-mode tests are replaced by one failing test that carries the reason (the tests
 * themselves are not run, so none of them can hang on an absent server).
 */
export function productionServices(): Promise<
  { ignore: boolean; postgresUrl: string; redisUrl: string }
> {
  production ??= (async () => {
    const { postgresUrl, redisUrl } = configuredUrls();
    const { reason } = await servicesAvailable({ postgresUrl, redisUrl });
    if (reason.length === 0) return { ignore: false, postgresUrl, redisUrl };
    const why = reason.join("; ");
    if (Deno.env.get("CI") === "true") {
      console.error(`FAILED: production-mode tests (CI=true requires the services): ${why}`);
      Deno.test(`production-mode tests: services required under CI=true`, () => {
        throw new Error(`production-mode tests cannot run: ${why}`);
      });
    } else {
      console.warn(`skipped: production-mode tests: ${why}`);
    }
    return { ignore: true, postgresUrl, redisUrl };
  })();
  return production;
}

/** `"name"` quoted as a PostgreSQL identifier. */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A fresh database for one test run: creates `squint_test_<random>` on the server (connecting to
 * the base URL's database to CREATE DATABASE), returns its URL and a drop() that terminates its
 * connections and drops it. drop() may be called more than once.
 */
export async function freshDatabase(
  baseUrl: string,
): Promise<
  { url: string; name: string; drop(): Promise<void>; [Symbol.asyncDispose](): Promise<void> }
> {
  const name = `squint_test_${randomHex(8)}`;
  const admin = adminSql(baseUrl);
  try {
    await admin.unsafe(`CREATE DATABASE ${ident(name)}`);
  } finally {
    await admin.end({ timeout: 0 });
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  const drop = () =>
    dropped ??= (async () => {
      const sql = adminSql(baseUrl);
      try {
        await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = ${name} AND pid <> pg_backend_pid()`;
        try {
          await sql.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
        } catch (error) {
          // Before PostgreSQL 13 there is no WITH (FORCE): the terminate above did its work.
          if ((error as { code?: string }).code !== "42601") throw error;
          await sql.unsafe(`DROP DATABASE IF EXISTS ${ident(name)}`);
        }
      } finally {
        await sql.end({ timeout: 0 });
      }
    })();
  return { url: u.toString(), name, drop, [Symbol.asyncDispose]: drop };
}

/** `text` with Redis glob specials escaped, for SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * A Redis key prefix unique to this test (`squint-test:<random>:`), and a clear() that deletes every
 * key under it (SCAN + UNLINK) and nothing else.
 */
export function redisPrefix(
  redisUrl: string,
): Promise<{ prefix: string; clear(): Promise<void>; [Symbol.asyncDispose](): Promise<void> }> {
  const prefix = `squint-test:${randomHex(8)}:`;
  const clear = async () => {
    const client = createClient({
      url: redisUrl,
      disableOfflineQueue: true,
      socket: { connectTimeout: CHECK_TIMEOUT_MS, reconnectStrategy: false },
    });
    client.on("error", () => {}); // surfaces through connect() / the commands below
    try {
      await client.connect();
      for await (
        const keys of client.scanIterator({ MATCH: `${globEscape(prefix)}*`, COUNT: 500 })
      ) {
        if (keys.length > 0) await client.unlink(keys);
      }
    } finally {
      if (client.isOpen) client.destroy();
    }
  };
  return Promise.resolve({ prefix, clear, [Symbol.asyncDispose]: clear });
}
