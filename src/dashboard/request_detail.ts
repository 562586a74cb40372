/**
 * One request on the dashboard: `GET /dashboard/api/requests/{id}` (its log row and each image's
 * decision, with which pictures the media store kept), and `…/{id}/images/{n}/original|sent`
 * (the picture the client sent and the picture squint sent, cut out of the stored bodies).
 * With the media store off, or the bodies expired, there are no pictures: 404.
 */
import type { SentRecord } from "../accounting/sent_record.ts";
import { GatewayError } from "../errors.ts";
import { pathSegment } from "../path_segment.ts";
import type { Handler } from "../lifecycle/context.ts";
import type { MediaStore } from "../storage/media_store.ts";
import type { LoggedImage, Storage } from "../storage/types.ts";
import { guarded, json } from "./answer.ts";
import { originalPicture, type Picture, sentPicture } from "./pictures.ts";
import { requestView } from "./request_view.ts";

const PREFIX = "/dashboard/api/requests/";
/** Picture types a browser shows as an image and never runs (SVG can carry script). */
const RASTER = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"]);
/** Parsed bodies kept for the picture requests that follow a request's page (content-addressed). */
const PARSED_KEPT = 4;
const parsed = new Map<string, Promise<unknown>>();

type Side = "original" | "sent";

/** What the path asks for: the request, or one of its pictures. */
function target(path: string): { id: string; picture?: { n: number; side: Side } } {
  const [id, images, n, side, ...rest] = path.slice(PREFIX.length).split("/");
  if (id && images === undefined) return { id: pathSegment(id, "the request id") };
  if (
    id && images === "images" && /^\d{1,4}$/.test(n ?? "") &&
    (side === "original" || side === "sent") && rest.length === 0
  ) {
    return { id: pathSegment(id, "the request id"), picture: { n: Number(n), side } };
  }
  throw new GatewayError(404, `no such dashboard path: ${path}`, "not_found_error");
}

/** A stored body, parsed (recently used ones kept a while). */
function parsedBody(media: MediaStore, key: string): Promise<unknown> {
  let body = parsed.get(key);
  if (body) parsed.delete(key);
  else {
    body = media.getMedia(key).then((m) => m && JSON.parse(new TextDecoder().decode(m.bytes)));
    body.catch(() => parsed.delete(key));
  }
  parsed.set(key, body);
  if (parsed.size > PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
  return body;
}

/** The two stored bodies of a request, when the media store kept them. */
async function bodies(
  storage: Storage,
  id: string,
): Promise<{ original: unknown; sent: unknown } | undefined> {
  const media = storage.media;
  const record = (await media?.getRecord(id)) as SentRecord | undefined;
  if (!media || !record) return undefined;
  const [original, sent] = await Promise.all([
    parsedBody(media, record.original),
    parsedBody(media, record.sent),
  ]);
  return original === undefined ? undefined : { original, sent: sent ?? original };
}

const PICK = { original: originalPicture, sent: sentPicture };

/** What the page says of one picture: its type and size, or null when there is none. */
function described(picture: Picture | undefined): { type: string; bytes: number } | null {
  return picture ? { type: picture.type, bytes: picture.bytes.byteLength } : null;
}

async function loggedRequest(storage: Storage, id: string) {
  const row = await storage.request(id);
  if (!row) throw new GatewayError(404, `no request ${JSON.stringify(id)}`, "not_found_error");
  return requestView(row);
}

/** `GET /dashboard/api/requests/{id}` and its pictures. */
export const requestDetail: Handler = async (request, ctx) => {
  const { storage } = ctx.app;
  const { id, picture } = target(new URL(request.url).pathname);
  const { images: logged, ...row } = await loggedRequest(storage, id);
  const images: LoggedImage[] = logged ?? [];
  const kept = await bodies(storage, id);
  if (!picture) {
    return json({
      request: row,
      media: storage.media ? (kept ? "kept" : "missing") : "off",
      images: images.map((image, n) => ({
        ...image,
        original: kept ? described(originalPicture(kept.original, images, n)) : null,
        sent: kept ? described(sentPicture(kept.sent, images, n)) : null,
      })),
    });
  }
  const found = kept && PICK[picture.side](kept[picture.side], images, picture.n);
  if (!found) {
    throw new GatewayError(
      404,
      `request ${id} has no stored ${picture.side} picture for image ${picture.n}`,
      "not_found_error",
    );
  }
  const raster = RASTER.has(found.type);
  return new Response(found.bytes as Uint8Array<ArrayBuffer>, {
    headers: guarded({
      "content-type": raster ? found.type : "application/octet-stream",
      ...(raster ? {} : { "content-disposition": "attachment" }),
      // A request's pictures never change: the browser may keep them (never shared caches).
      "cache-control": "private, max-age=3600",
    }),
  });
};
