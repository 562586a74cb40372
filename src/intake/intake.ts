/**
 * Image intake: every image part of a request becomes an `IntakeImage` (its bytes, header facts
 * and content hash, read in a worker) or a recorded reason why it stays as it was. Remote URLs are
 * fetched under the address guard; decompression bombs are refused from their header with 413.
 */
import { GatewayError } from "../errors.ts";
import { mapLimited } from "../pool/map_limited.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { Inspected } from "../../workers/image/protocol.ts";
import { findImageSites, type ImageSite } from "./chat_images.ts";
import type { DecodedBody } from "./decode_body.ts";
import { type JsonLiteral, marker, markerRef } from "./inline_images.ts";
import { type FetchPolicy, fetchRemoteImage } from "./remote_image.ts";

/** One image part and what intake learned of it. */
export interface IntakeImage {
  site: ImageSite;
  /** Marker reference in the body, when the value was lifted out of it. */
  ref?: number;
  inspected?: Inspected;
  /** The http(s) URL the client gave, when it was one. */
  remoteUrl?: string;
  /** Why squint cannot optimize this image (it is sent unchanged). */
  unreadable?: string;
}

/** What intake needs. */
export interface IntakeDeps {
  pool: WorkerPool;
  fetchRemote: boolean;
  /** A fetched remote image kept as it was goes as its bytes (a `data:` URL), not its URL. */
  inlineRemote?: boolean;
  fetchPolicy: FetchPolicy;
  maxPixels: number;
}

/** The images and the JSON literal of every lifted value (to splice back unchanged). */
export interface Intake {
  images: IntakeImage[];
  literals: Map<number, JsonLiteral>;
}

function literalOf(value: Inspected | string): JsonLiteral {
  return typeof value === "string" ? JSON.stringify(value) : value.original ?? "null";
}

async function inspectInline(value: Inspected | string, pool: WorkerPool): Promise<Inspected> {
  return typeof value === "string"
    ? await pool.run<Inspected>({ kind: "inspect", source: value })
    : value;
}

async function inspectRemote(url: string, deps: IntakeDeps): Promise<Inspected | string> {
  const fetched = await fetchRemoteImage(url, deps.fetchPolicy);
  if (!fetched.ok) return fetched.reason;
  return await deps.pool.run<Inspected>(
    { kind: "inspect", source: fetched.bytes, mime: fetched.mime },
    [fetched.bytes.buffer as ArrayBuffer],
  );
}

async function readSite(
  site: ImageSite,
  decoded: DecodedBody,
  deps: IntakeDeps,
  nextRef: () => number,
): Promise<IntakeImage> {
  const url = site.imageUrl.url;
  const ref = markerRef(url);
  if (ref !== undefined) {
    const inspected = await inspectInline(decoded.inline[ref], deps.pool);
    decoded.inline[ref] = inspected;
    return {
      site,
      ref,
      inspected,
      unreadable: inspected.info ? undefined : inspected.error ?? "not an image squint can decode",
    };
  }
  if (typeof url !== "string" || !/^https?:/i.test(url)) {
    return { site, unreadable: "not an inline image or http(s) URL; sent unchanged" };
  }
  if (!deps.fetchRemote) {
    return {
      site,
      remoteUrl: url,
      unreadable: "remote fetching is off (SQUINT_FETCH_REMOTE_IMAGES)",
    };
  }
  const result = await inspectRemote(url, deps);
  if (typeof result === "string") return { site, remoteUrl: url, unreadable: result };
  if (!result.info) {
    return { site, remoteUrl: url, unreadable: "fetched bytes are not an image squint can decode" };
  }
  const newRef = nextRef();
  site.imageUrl.url = marker(newRef);
  return { site, ref: newRef, remoteUrl: url, inspected: result };
}

function refuseBomb(image: IntakeImage, maxPixels: number): void {
  const info = image.inspected?.info;
  if (!info || info.width * info.height <= maxPixels) return;
  const where = `messages[${image.site.message}].content[${image.site.part}]`;
  throw new GatewayError(
    413,
    `image at ${where} is ${info.width}×${info.height} pixels, over the limit of ${maxPixels} (SQUINT_MAX_IMAGE_PIXELS)`,
    "invalid_request_error",
    "image_too_large",
    where,
  );
}

/** What a fetched remote image that is not re-rendered is sent as: its URL, or its bytes. */
function keptRemote(image: IntakeImage, inline: boolean): string {
  const { bytes, mime } = image.inspected ?? {};
  return inline && bytes && mime ? `data:${mime};base64,${bytes.toBase64()}` : image.remoteUrl!;
}

/** Reads every image part of a decoded Chat Completions body. */
export async function collectImages(decoded: DecodedBody, deps: IntakeDeps): Promise<Intake> {
  let next = decoded.inline.length;
  const sites = findImageSites(decoded.json);
  const images = await mapLimited(
    sites,
    deps.pool.options.size,
    (site) => readSite(site, decoded, deps, () => next++),
  );
  for (const image of images) refuseBomb(image, deps.maxPixels);
  const literals = new Map<number, JsonLiteral>();
  decoded.inline.forEach((value, ref) => literals.set(ref, literalOf(value)));
  for (const image of images) {
    if (image.remoteUrl && image.ref !== undefined) {
      literals.set(image.ref, JSON.stringify(keptRemote(image, deps.inlineRemote ?? false)));
    }
  }
  return { images, literals };
}
