/**
 * What a request sent, kept for audit and replay when `SQUINT_MEDIA_STORE=on`: the body the
 * client sent and the body squint sent upstream, each stored once under its SHA-256 in the media
 * store (identical bodies, and the images inside them, are not stored twice), and a record per
 * request naming both with the plan's image decisions. Written off the response path; a failure
 * to keep it costs the audit trail, never the answer, and is said once in the log.
 */
import type { RequestPlan } from "../optimize/plan_request.ts";
import type { MediaStore } from "../storage/media_store.ts";

/** The record of one request in the media store. */
export interface SentRecord {
  id: string;
  ts: number;
  door: string;
  model: string;
  /** `media/<sha256>` of the body as the client sent it. */
  original: string;
  /** `media/<sha256>` of the body as squint sent it upstream. */
  sent: string;
  images: { message: number; part: number; action: string; before: unknown; after: unknown }[];
}

/** Failures said so far (each distinct one once, so an outage is said, not every request). */
const said = new Set<string>();
/** Writes under way. */
const pending = new Set<Promise<void>>();

/** Resolves once every write under way has ended (for tests and shutdown). */
export async function sentKept(): Promise<void> {
  await Promise.all(pending);
}

async function bytesOf(body: Blob | string | Uint8Array): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return new TextEncoder().encode(body);
  return new Uint8Array(await body.arrayBuffer());
}

/** Keeps what request `id` sent; never throws. */
export function keepSent(
  media: MediaStore | undefined,
  id: string,
  door: string,
  model: string,
  original: Uint8Array,
  sent: Blob | string | Uint8Array,
  plan: RequestPlan,
): Promise<void> {
  if (!media) return Promise.resolve();
  const kept = (async () => {
    const sentBytes = await bytesOf(sent === "" ? original : sent);
    const [originalKey, sentKey] = await Promise.all([
      media.putMedia(original, "application/json"),
      media.putMedia(sentBytes, "application/json"),
    ]);
    const record: SentRecord = {
      id,
      ts: Date.now(),
      door,
      model,
      original: originalKey,
      sent: sentKey,
      images: plan.images.map((i) => ({
        message: i.message,
        part: i.part,
        action: i.action,
        before: i.before,
        after: i.after,
      })),
    };
    await media.putRecord(id, record);
  })().catch((e) => {
    const message = (e as Error).message;
    if (said.has(message) || said.size > 100) return;
    said.add(message);
    console.error(`squint: media store write failed: ${message}`);
  });
  pending.add(kept);
  kept.finally(() => pending.delete(kept));
  return kept;
}
