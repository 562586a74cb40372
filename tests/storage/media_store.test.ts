import assert from "node:assert/strict";
import nodeCrypto, { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startS3rver } from "../support/s3rver.ts";
import {
  FileMediaStore,
  type MediaStore,
  REFRESH_AFTER_MS,
  S3MediaStore,
  type S3Options,
} from "../../src/storage/media_store.ts";

const DAY = 86_400_000;
const CORPUS = new URL("../../../shared/corpus/images/", import.meta.url);
const JPEG = await Deno.readFile(new URL("photo_fruits_512x480.jpg", CORPUS));
const PNG = await Deno.readFile(new URL("chart_octave_histogram_750x525.png", CORPUS));
const BUCKET = "squint-media-test";

/** One store under test, with the test's own view of its backing files. */
interface Subject extends AsyncDisposable {
  store: MediaStore;
  /** Keys of the objects stored under `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  /** When `key` was last written (its LastModified / mtime). */
  modified(key: string): Promise<number>;
  /** Backdates `key` by `ms` (as if it had been written that long ago). */
  age(key: string, ms: number): Promise<void>;
  /** A store of the same kind that cannot work (closed port, unusable directory). */
  broken(): MediaStore;
}

/** A port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function s3Options(port: number, secretKey = "S3RVER"): S3Options {
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: BUCKET,
    region: "us-east-1",
    accessKey: "S3RVER",
    secretKey,
    forcePathStyle: true,
  };
}

/** A real s3rver on port 0 over a temp directory, and an `S3MediaStore` on it. */
async function openS3(): Promise<Subject & { port: number }> {
  const server = await startS3rver();
  const { port, dir } = server;
  const store = new S3MediaStore(s3Options(port));
  await store.ensureBucket();
  const lister = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  // s3rver keeps each object in a file and reports that file's mtime as LastModified.
  const file = (key: string) => join(dir, BUCKET, `${key}._S3rver_object`);
  return {
    port,
    store,
    async keys(prefix) {
      const out = await lister.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async modified(key) {
      return (await Deno.stat(file(key))).mtime!.getTime();
    },
    async age(key, ms) {
      const then = new Date(Date.now() - ms);
      await Deno.utime(file(key), then, then);
    },
    broken: () => new S3MediaStore({ ...s3Options(closedPort()), secretKey: "never-shown-7f3a" }),
    async [Symbol.asyncDispose]() {
      await store.close();
      lister.destroy();
      await server.close();
    },
  };
}

/** A `FileMediaStore` over a temp directory. */
async function openFiles(): Promise<Subject> {
  const dir = await Deno.makeTempDir({ prefix: "squint-media-" });
  const store = new FileMediaStore(join(dir, "store"));
  const file = (key: string) => join(dir, "store", key);
  return {
    store,
    async keys(prefix) {
      const names: string[] = [];
      try {
        for await (const e of Deno.readDir(file(prefix))) names.push(`${prefix}${e.name}`);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      // The content-type sidecars are part of their media object, not objects of their own.
      return names.filter((k) => !k.endsWith(".type")).sort();
    },
    async modified(key) {
      return (await Deno.stat(file(key))).mtime!.getTime();
    },
    async age(key, ms) {
      const then = new Date(Date.now() - ms);
      await Deno.utime(file(key), then, then);
    },
    broken: () => new FileMediaStore(new URL(import.meta.url).pathname), // a file, not a directory
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const STORES: { name: string; open: () => Promise<Subject> }[] = [
  { name: "S3MediaStore (s3rver)", open: openS3 },
  { name: "FileMediaStore", open: openFiles },
];

for (const { name, open } of STORES) {
  Deno.test(`${name}: media round trip keeps corpus bytes and type under media/<sha256>`, async () => {
    await using s = await open();
    const jpeg = await s.store.putMedia(JPEG, "image/jpeg");
    const png = await s.store.putMedia(PNG, "image/png");
    assert.equal(jpeg, `media/${sha256(JPEG)}`);
    assert.equal(png, `media/${sha256(PNG)}`);
    const got = await s.store.getMedia(jpeg);
    assert.ok(got);
    assert.equal(got.contentType, "image/jpeg");
    assert.deepEqual(got.bytes, JPEG);
    assert.equal((await s.store.getMedia(png))?.contentType, "image/png");
    assert.deepEqual((await s.store.getMedia(png))?.bytes, PNG);
  });

  Deno.test(`${name}: same bytes give the same key, one object, and no second write`, async () => {
    await using s = await open();
    const first = await s.store.putMedia(JPEG, "image/jpeg");
    // Backdate inside the refresh window: a re-put must leave the object as it is.
    await s.age(first, REFRESH_AFTER_MS / 2);
    const aged = await s.modified(first);
    const second = await s.store.putMedia(JPEG.slice(), "application/octet-stream");
    assert.equal(second, first);
    assert.deepEqual(await s.keys("media/"), [first]);
    assert.equal(await s.modified(first), aged);
    assert.equal((await s.store.getMedia(first))?.contentType, "image/jpeg"); // the first type wins
  });

  Deno.test(`${name}: re-putting old media renews its age so retention keeps it`, async () => {
    await using s = await open();
    const key = await s.store.putMedia(PNG, "image/png");
    await s.age(key, 10 * DAY);
    assert.equal(await s.store.putMedia(PNG, "image/png"), key);
    assert.ok(Date.now() - (await s.modified(key)) < DAY);
    assert.equal(await s.store.applyRetention(7), 0);
    assert.deepEqual((await s.store.getMedia(key))?.bytes, PNG);
  });

  Deno.test(`${name}: missing objects read as undefined, malformed keys throw`, async () => {
    await using s = await open();
    assert.equal(await s.store.getMedia(`media/${sha256(new Uint8Array([1, 2, 3]))}`), undefined);
    assert.equal(await s.store.getRecord("no-such-request"), undefined);
    await assert.rejects(() => s.store.getMedia("media/../../etc/passwd"), /invalid media key/);
    await assert.rejects(() => s.store.getRecord("../escape"), /invalid record id/);
    await assert.rejects(() => s.store.putRecord("a/b", {}), /invalid record id/);
  });

  Deno.test(`${name}: records round trip as JSON under requests/<id>.json`, async () => {
    await using s = await open();
    const id = crypto.randomUUID();
    const record = {
      id,
      ts: 1_790_000_000_000,
      model: "gpt-4o",
      media: [`media/${sha256(JPEG)}`],
      cost: { before: 0.0025, after: 0.001 },
      notes: "ünïcødé ✓",
    };
    await s.store.putRecord(id, record);
    assert.deepEqual(await s.store.getRecord(id), record);
    assert.deepEqual(await s.keys("requests/"), [`requests/${id}.json`]);
    await s.store.putRecord(id, { ...record, model: "gpt-4o-mini" });
    assert.equal((await s.store.getRecord(id) as { model: string }).model, "gpt-4o-mini");
    await assert.rejects(() => s.store.putRecord("x", undefined), /not JSON-serializable/);
  });

  Deno.test(`${name}: retention deletes objects older than N days and keeps newer ones`, async () => {
    await using s = await open();
    assert.equal(await s.store.applyRetention(7), 0); // empty store
    const oldMedia = await s.store.putMedia(JPEG, "image/jpeg");
    await s.store.putRecord("old", { media: [oldMedia] });
    const newMedia = await s.store.putMedia(PNG, "image/png");
    await s.store.putRecord("new", { media: [newMedia] });
    await s.age(oldMedia, 10 * DAY);
    await s.age("requests/old.json", 10 * DAY);

    assert.equal(await s.store.applyRetention(7), 2);
    assert.deepEqual(await s.keys("media/"), [newMedia]);
    assert.deepEqual(await s.keys("requests/"), ["requests/new.json"]);
    assert.equal(await s.store.getMedia(oldMedia), undefined);
    assert.equal(await s.store.getRecord("old"), undefined);
    assert.deepEqual(await s.store.getRecord("new"), { media: [newMedia] });

    // Nothing else is old yet; eight days on, the rest is.
    assert.equal(await s.store.applyRetention(7), 0);
    assert.equal(await s.store.applyRetention(7, Date.now() + 8 * DAY), 2);
    assert.deepEqual(await s.keys("media/"), []);
    assert.deepEqual(await s.keys("requests/"), []);
  });

  Deno.test(`${name}: health is ok, and not ok with a clear detail when unreachable`, async () => {
    await using s = await open();
    const good = await s.store.health();
    assert.equal(good.ok, true, good.detail);
    const broken = s.broken();
    try {
      const bad = await broken.health();
      assert.equal(bad.ok, false);
      assert.match(bad.detail, /ECONNREFUSED|not writable/);
      assert.doesNotMatch(bad.detail, /never-shown-7f3a/);
    } finally {
      await broken.close();
    }
  });
}

Deno.test("S3MediaStore: failures throw an Error that never shows the secret key", async () => {
  await using s = await openS3();
  const secret = "wrong-secret-c0ffee";
  const stores = [
    // s3rver does not check V4 signatures, but it does refuse an unknown access key.
    new S3MediaStore({ ...s3Options(s.port, secret), accessKey: "NOT-AN-ACCOUNT" }),
    new S3MediaStore({ ...s3Options(closedPort()), secretKey: secret }),
    new S3MediaStore({
      ...s3Options(closedPort()),
      endpoint: `http://S3RVER:${secret}@127.0.0.1:${closedPort()}`,
      secretKey: secret,
    }),
  ];
  try {
    for (const store of stores) {
      const err = await store.putMedia(JPEG, "image/jpeg").then(() => undefined, (e) => e);
      assert.ok(err instanceof Error, "expected a failure");
      assert.match(err.message, /^media store: HeadObject media\/[0-9a-f]{64} on s3 bucket/);
      assert.ok(!err.message.includes(secret), err.message);
      await assert.rejects(
        () => store.putRecord("r1", {}),
        (e: Error) => !e.message.includes(secret),
      );
      const health = await store.health();
      assert.equal(health.ok, false);
      assert.ok(!health.detail.includes(secret), health.detail);
    }
  } finally {
    for (const store of stores) await store.close();
  }
});

Deno.test("S3MediaStore: ensureBucket is idempotent", async () => {
  await using s = await openS3();
  await (s.store as S3MediaStore).ensureBucket();
  await (s.store as S3MediaStore).ensureBucket();
  assert.equal((await s.store.health()).ok, true);
});

/**
 * s3rver makes ListObjectsV2 continuation tokens with DES, which Deno's node:crypto does not have
 * (every truncated listing is a 500). For the paging test, "des" becomes AES-128-CBC with the
 * 8-byte key and IV doubled: s3rver only needs its tokens to round-trip.
 */
function desShim(): Disposable {
  const mutable = nodeCrypto as unknown as Record<string, unknown>;
  const { createCipheriv, createDecipheriv } = nodeCrypto;
  const wide = (b: Uint8Array) => Buffer.concat([b, b]);
  mutable.createCipheriv = (alg: string, key: Uint8Array, iv: Uint8Array) =>
    alg === "des"
      ? createCipheriv("aes-128-cbc", wide(key), wide(iv))
      : createCipheriv(alg, key, iv);
  mutable.createDecipheriv = (alg: string, key: Uint8Array, iv: Uint8Array) =>
    alg === "des"
      ? createDecipheriv("aes-128-cbc", wide(key), wide(iv))
      : createDecipheriv(alg, key, iv);
  return {
    [Symbol.dispose]() {
      mutable.createCipheriv = createCipheriv;
      mutable.createDecipheriv = createDecipheriv;
    },
  };
}

Deno.test("S3MediaStore: retention pages past 1000 keys and deletes in batches", async () => {
  using _shim = desShim();
  await using s = await openS3();
  const ids = Array.from({ length: 1005 }, (_, i) => `r${String(i).padStart(4, "0")}`);
  for (let i = 0; i < ids.length; i += 100) {
    await Promise.all(ids.slice(i, i + 100).map((id) => s.store.putRecord(id, { i: id })));
  }
  assert.equal(await s.store.applyRetention(1), 0);
  assert.equal(await s.store.applyRetention(1, Date.now() + 2 * DAY), ids.length);
  assert.deepEqual(await s.keys("requests/"), []);
});
