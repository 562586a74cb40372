/**
 * The media store: request media and request records kept for audit and replay, in an S3 bucket
 * (`S3MediaStore`) or under a local directory (`FileMediaStore`, the embedded twin). Both use the
 * same keys:
 *
 * - `media/<sha256>`: the bytes of one image, video or file, named by the lowercase hex SHA-256 of
 *   those bytes (content addressing). The same bytes always get the same key, so a medium sent in
 *   a thousand requests is stored once, and a key proves its content: `getMedia` hands back exactly
 *   the bytes that hash to it. The content type travels with it (S3 `Content-Type`; a
 *   `media/<sha256>.type` sidecar file for the directory store). A second put of the same bytes
 *   checks first (S3 HEAD, file stat) and does not upload again, except that an object last
 *   written more than `REFRESH_AFTER_MS` ago is written (S3) or touched (files) once more, so that
 *   its age stays that of its newest use and retention never takes media that a recent record
 *   still refers to.
 * - `requests/<id>.json`: one request's record as JSON. The layout is flat (no date prefix) so that
 *   `getRecord(id)` is a single read without knowing the request's date; the record's age is the
 *   object's own LastModified (file mtime).
 *
 * Retention deletes every object under `media/` and `requests/` whose LastModified (mtime) is more
 * than `days` old. It has to list `media/` in full anyway (a content address carries no date), and
 * ListObjectsV2 returns LastModified with each key at no extra cost, so a date prefix on records
 * would save little. With real S3 a lifecycle rule (expiration by age on both prefixes) can do the
 * same work server-side; `applyRetention` is for stores without one (s3rver, MinIO defaults).
 *
 * A missing object reads as `undefined`. Every other failure throws an `Error` naming the
 * operation and the key, never the secret key.
 */
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { dirname, join } from "node:path";

/** Media and request records for audit and replay. */
export interface MediaStore {
  /** Stores bytes under their SHA-256 and returns the key `media/<sha256>`. */
  putMedia(bytes: Uint8Array, contentType: string): Promise<string>;
  /** The bytes and content type under `key`, or `undefined` when there is no such object. */
  getMedia(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
  /** Stores a request's record as JSON under `requests/<id>.json` (replacing any earlier one). */
  putRecord(id: string, record: unknown): Promise<void>;
  /** The record stored for `id`, or `undefined`. */
  getRecord(id: string): Promise<unknown | undefined>;
  /** Deletes records and media last written more than `days` before `now`; returns the count. */
  applyRetention(days: number, now?: number): Promise<number>;
  /** Whether the store can be reached, with a line saying why not. */
  health(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

/** Where the S3 store lives. Without `accessKey`/`secretKey` the SDK's default chain is used. */
export interface S3Options {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKey?: string;
  secretKey?: string;
  forcePathStyle: boolean;
}

const DAY_MS = 86_400_000;
/** A re-put of media older than this rewrites (or touches) it, keeping its age that of its last use. */
export const REFRESH_AFTER_MS = DAY_MS;
/** DeleteObjects takes at most this many keys per call; ListObjectsV2 pages are this size too. */
const BATCH = 1000;
const PREFIXES = ["media/", "requests/"] as const;
const MEDIA_KEY = /^media\/[0-9a-f]{64}$/;
/** Record ids: no slashes, no leading dot (so never `.` or `..`), bounded length. */
const RECORD_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
const DEFAULT_TYPE = "application/octet-stream";

/** Lowercase hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return new Uint8Array(digest).toHex();
}

/** The media key for a hex digest. */
function mediaKey(sha: string): string {
  return `media/${sha}`;
}

/** The record key for an id; throws on an id that could escape `requests/`. */
function recordKey(id: string): string {
  if (!RECORD_ID.test(id)) throw new Error(`media store: invalid record id ${JSON.stringify(id)}`);
  return `requests/${id}.json`;
}

/** Throws unless `key` is a media key. */
function checkMediaKey(key: string): void {
  if (!MEDIA_KEY.test(key)) {
    throw new Error(`media store: invalid media key ${JSON.stringify(key)}`);
  }
}

/** The moment before which objects are old. */
function cutoff(days: number, now: number): number {
  if (!Number.isFinite(days) || days < 0) throw new Error(`media store: invalid days ${days}`);
  return now - days * DAY_MS;
}

/** JSON text of a record; throws for values JSON cannot hold (`undefined`, functions). */
function recordJson(record: unknown): string {
  const text = JSON.stringify(record);
  if (text === undefined) throw new Error("media store: record is not JSON-serializable");
  return text;
}

/** Whether an SDK error means "no such object". */
function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === "NoSuchKey" || name === "NotFound";
}

/** The error's name (S3 code) and message on one line. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (err as { code?: string }).code;
  const parts = [err.name, code, status ? `HTTP ${status}` : undefined].filter(Boolean);
  return `${parts.join(" ")}: ${err.message || "(no message)"}`;
}

/** The endpoint without any user info in it, or the region. */
function where(options: S3Options): string {
  if (!options.endpoint) return `region ${options.region}`;
  try {
    const url = new URL(options.endpoint);
    url.username = url.password = "";
    return url.href.replace(/\/$/, "");
  } catch {
    return "(unparsable endpoint)";
  }
}

/** Media and records in an S3 bucket (AWS, MinIO, R2, s3rver...). */
export class S3MediaStore implements MediaStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #region: string;
  readonly #secret: string | undefined;
  readonly #where: string;

  constructor(options: S3Options) {
    const { accessKey, secretKey } = options;
    this.#client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: accessKey && secretKey
        ? { accessKeyId: accessKey, secretAccessKey: secretKey }
        : undefined,
    });
    this.#bucket = options.bucket;
    this.#region = options.region;
    this.#secret = secretKey || undefined;
    this.#where = `s3 bucket ${options.bucket} at ${where(options)}`;
  }

  /** An `Error` for a failed operation, with the secret key scrubbed from its text. */
  #fail(op: string, err: unknown): Error {
    let message = `media store: ${op} on ${this.#where} failed: ${describe(err)}`;
    if (this.#secret) message = message.replaceAll(this.#secret, "[secret]");
    return new Error(message);
  }

  /** Runs one SDK call, turning any failure into a scrubbed `Error`. */
  async #call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.#fail(op, err);
    }
  }

  /** Like `#call`, but a missing object gives `undefined`. */
  async #callOrMissing<T>(op: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.#fail(op, err);
    }
  }

  /** Creates the bucket if missing; an existing bucket we can reach is fine. */
  async ensureBucket(): Promise<void> {
    const input: CreateBucketCommandInput = { Bucket: this.#bucket };
    if (this.#region !== "us-east-1") {
      input.CreateBucketConfiguration = { LocationConstraint: this.#region as never };
    }
    try {
      await this.#client.send(new CreateBucketCommand(input));
    } catch (err) {
      const name = (err as { name?: string })?.name;
      if (name === "BucketAlreadyOwnedByYou") return;
      if (name !== "BucketAlreadyExists") throw this.#fail("CreateBucket", err);
      // "Exists" may mean someone else's bucket (AWS) or our own (s3rver): make sure we can use it.
      await this.#call("HeadBucket", () => this.#headBucket());
    }
  }

  #headBucket(): Promise<unknown> {
    return this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
  }

  async putMedia(bytes: Uint8Array, contentType: string): Promise<string> {
    const key = mediaKey(await sha256Hex(bytes));
    const head = await this.#callOrMissing(
      `HeadObject ${key}`,
      () => this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
    const written = head?.LastModified?.getTime();
    if (written !== undefined && Date.now() - written < REFRESH_AFTER_MS) return key;
    // New, or old enough that its age should be renewed: (re)write it, keeping the first type.
    const type = head?.ContentType ?? (contentType || DEFAULT_TYPE);
    await this.#put(key, bytes, type);
    return key;
  }

  #put(key: string, body: Uint8Array | string, contentType: string): Promise<unknown> {
    return this.#call(`PutObject ${key}`, () =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
      ));
  }

  async getMedia(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    checkMediaKey(key);
    return await this.#callOrMissing(`GetObject ${key}`, async () => {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      const bytes = await out.Body!.transformToByteArray();
      return { bytes, contentType: out.ContentType ?? DEFAULT_TYPE };
    });
  }

  async putRecord(id: string, record: unknown): Promise<void> {
    await this.#put(recordKey(id), recordJson(record), "application/json");
  }

  async getRecord(id: string): Promise<unknown | undefined> {
    const key = recordKey(id);
    const text = await this.#callOrMissing(`GetObject ${key}`, async () => {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return await out.Body!.transformToString();
    });
    return text === undefined ? undefined : JSON.parse(text);
  }

  async applyRetention(days: number, now: number = Date.now()): Promise<number> {
    const before = cutoff(days, now);
    let deleted = 0;
    for (const prefix of PREFIXES) deleted += await this.#expirePrefix(prefix, before);
    return deleted;
  }

  /** Pages through `prefix`, deleting each page's old keys (one page is at most one batch). */
  async #expirePrefix(prefix: string, before: number): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.#call(`ListObjectsV2 ${prefix}`, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            MaxKeys: BATCH,
            ContinuationToken: token,
          }),
        ));
      const old = (page.Contents ?? [])
        .filter((o) => o.Key && o.LastModified && o.LastModified.getTime() < before)
        .map((o) => o.Key!);
      deleted += await this.#deleteBatch(old);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /** Deletes up to `BATCH` keys in one DeleteObjects call; throws if any could not be deleted. */
  async #deleteBatch(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const out = await this.#call(`DeleteObjects (${keys.length} keys)`, () =>
      this.#client.send(
        new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      ));
    const errors = out.Errors ?? [];
    if (errors.length > 0) {
      const first = errors[0];
      throw this.#fail(
        "DeleteObjects",
        new Error(
          `${errors.length} of ${keys.length} not deleted, first ${first.Key}: ${first.Code}`,
        ),
      );
    }
    return keys.length;
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      await this.#call("HeadBucket", () => this.#headBucket());
      return { ok: true, detail: `${this.#where} reachable` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }
}

/** Media and records as files under a directory: the same keys, retention by mtime. */
export class FileMediaStore implements MediaStore {
  constructor(readonly dir: string) {}

  #path(key: string): string {
    return join(this.dir, ...key.split("/"));
  }

  /** Writes `data` to `key` through a temporary file and a rename, so readers never see half. */
  async #write(key: string, data: Uint8Array | string): Promise<void> {
    const path = this.#path(key);
    await Deno.mkdir(dirname(path), { recursive: true });
    const tmp = `${dirname(path)}/.${crypto.randomUUID()}.tmp`;
    try {
      if (typeof data === "string") await Deno.writeTextFile(tmp, data);
      else await Deno.writeFile(tmp, data);
      await Deno.rename(tmp, path);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw new Error(`media store: writing ${key} under ${this.dir} failed: ${describe(err)}`);
    }
  }

  /** The file's stat, or `undefined` when there is none. */
  async #stat(key: string): Promise<Deno.FileInfo | undefined> {
    try {
      return await Deno.stat(this.#path(key));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw new Error(`media store: stat ${key} under ${this.dir} failed: ${describe(err)}`);
    }
  }

  /** The file's bytes, or `undefined` when there is none. */
  async #read(key: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(this.#path(key));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw new Error(`media store: reading ${key} under ${this.dir} failed: ${describe(err)}`);
    }
  }

  async putMedia(bytes: Uint8Array, contentType: string): Promise<string> {
    const key = mediaKey(await sha256Hex(bytes));
    const written = (await this.#stat(key))?.mtime?.getTime();
    if (written === undefined) {
      await this.#write(`${key}.type`, contentType || DEFAULT_TYPE);
      await this.#write(key, bytes);
    } else if (Date.now() - written >= REFRESH_AFTER_MS) {
      const now = new Date();
      await Deno.utime(this.#path(key), now, now);
    }
    return key;
  }

  async getMedia(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    checkMediaKey(key);
    const bytes = await this.#read(key);
    if (!bytes) return undefined;
    const type = await this.#read(`${key}.type`);
    return { bytes, contentType: type ? new TextDecoder().decode(type) : DEFAULT_TYPE };
  }

  async putRecord(id: string, record: unknown): Promise<void> {
    await this.#write(recordKey(id), recordJson(record));
  }

  async getRecord(id: string): Promise<unknown | undefined> {
    const bytes = await this.#read(recordKey(id));
    return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
  }

  async applyRetention(days: number, now: number = Date.now()): Promise<number> {
    const before = cutoff(days, now);
    let deleted = 0;
    for (const prefix of PREFIXES) deleted += await this.#expireDir(prefix, before);
    return deleted;
  }

  /**
   * Deletes the old objects in one prefix's directory. A media sidecar (`.type`) goes with its
   * object and is not counted; an orphaned sidecar or a temporary file is removed once old.
   */
  async #expireDir(prefix: string, before: number): Promise<number> {
    let deleted = 0;
    for (const name of await this.#names(prefix)) {
      const key = `${prefix}${name}`;
      const isObject = MEDIA_KEY.test(key) || (prefix === "requests/" && name.endsWith(".json"));
      if (!isObject && name.endsWith(".type") && (await this.#stat(key.slice(0, -5)))) continue;
      const info = await this.#stat(key);
      if (!info?.isFile || (info.mtime?.getTime() ?? Infinity) >= before) continue;
      if (await this.#remove(key) && isObject) deleted++;
      if (isObject && prefix === "media/") await this.#remove(`${key}.type`);
    }
    return deleted;
  }

  /** Removes one file: `true` when removed, `false` when it was already gone. */
  async #remove(key: string): Promise<boolean> {
    try {
      await Deno.remove(this.#path(key));
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw new Error(`media store: deleting ${key} under ${this.dir} failed: ${describe(err)}`);
    }
  }

  /** File names under `prefix` (none when its directory does not exist yet). */
  async #names(prefix: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.#path(prefix))) names.push(entry.name);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        throw new Error(
          `media store: listing ${prefix} under ${this.dir} failed: ${describe(err)}`,
        );
      }
    }
    return names;
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      await Deno.mkdir(this.dir, { recursive: true });
      const probe = join(this.dir, `.health-${crypto.randomUUID()}`);
      await Deno.writeTextFile(probe, "ok");
      await Deno.remove(probe);
      return { ok: true, detail: `directory ${this.dir} writable` };
    } catch (err) {
      return { ok: false, detail: `directory ${this.dir} not writable: ${describe(err)}` };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
