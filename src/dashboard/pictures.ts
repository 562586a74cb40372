/**
 * Finding one image's picture in a stored request body: the body the client sent, where the log's
 * JSON pointer names it, and the body squint sent upstream, at the same pointer when the picture
 * is still there, else by its place among the pictures that were sent (a body translated for
 * another provider has another shape). Pictures are inline base64 in every door's format: a data
 * URL (OpenAI Chat and Responses), a `source` block (Anthropic), `inlineData` (Gemini).
 */
import type { LoggedImage } from "../storage/types.ts";

/** A picture's bytes and media type. */
export interface Picture {
  bytes: Uint8Array;
  type: string;
}

/** Nesting deeper than this is not searched (a body is a few levels of messages and parts). */
const MAX_DEPTH = 64;

/** The value at JSON pointer `path` (RFC 6901) in `value`, if there is one. */
export function atPointer(value: unknown, path: string): unknown {
  if (path === "") return value;
  if (!path.startsWith("/")) return undefined;
  let here = value;
  for (const raw of path.slice(1).split("/")) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (here === null || typeof here !== "object" || !Object.hasOwn(here, token)) return undefined;
    here = (here as Record<string, unknown>)[token];
  }
  return here;
}

/** The picture of a `data:image/…;base64,` URL. */
function fromDataUrl(url: string): Picture | undefined {
  const match = /^data:(image\/[\w.+-]+)(?:;[^,]*)?;base64,/i.exec(url);
  if (!match) return undefined;
  return { type: match[1].toLowerCase(), bytes: Uint8Array.fromBase64(url.slice(match[0].length)) };
}

/** The picture of a `{media_type|mimeType|mime_type, data}` block, if it is an image. */
function fromBlock(block: Record<string, unknown>): Picture | undefined {
  const type = block.media_type ?? block.mimeType ?? block.mime_type;
  if (typeof type !== "string" || !type.startsWith("image/") || typeof block.data !== "string") {
    return undefined;
  }
  return { type, bytes: Uint8Array.fromBase64(block.data) };
}

/** Every inline picture in `value`, in document order. */
export function picturesIn(value: unknown, found: Picture[] = [], depth = 0): Picture[] {
  if (depth > MAX_DEPTH) return found;
  if (typeof value === "string") {
    const picture = value.startsWith("data:") ? fromDataUrl(value) : undefined;
    if (picture) found.push(picture);
  } else if (Array.isArray(value)) {
    for (const item of value) picturesIn(item, found, depth + 1);
  } else if (value !== null && typeof value === "object") {
    const picture = fromBlock(value as Record<string, unknown>);
    if (picture) found.push(picture);
    else for (const item of Object.values(value)) picturesIn(item, found, depth + 1);
  }
  return found;
}

/** Whether a picture of the image went upstream (its OCR text alone, or nothing, may go instead). */
export function pictureSent(image: LoggedImage): boolean {
  if (image.action === "drop") return false;
  return image.action !== "ocr" || image.after.width > 0; // ocr with a thumbnail
}

/** The picture the client sent as image `n`: the one at its pointer. */
export function originalPicture(
  body: unknown,
  images: readonly LoggedImage[],
  n: number,
): Picture | undefined {
  const path = images[n]?.path;
  return path === undefined ? undefined : picturesIn(atPointer(body, path))[0];
}

/**
 * The picture squint sent for image `n`: at the image's pointer when a picture is there, else
 * the one in its place among the sent pictures (counting only images whose picture was sent).
 */
export function sentPicture(
  body: unknown,
  images: readonly LoggedImage[],
  n: number,
): Picture | undefined {
  const image = images[n];
  if (!image || !pictureSent(image)) return undefined;
  const atPath = image.path === undefined ? undefined : picturesIn(atPointer(body, image.path))[0];
  if (atPath) return atPath;
  const place = images.slice(0, n).filter(pictureSent).length;
  return picturesIn(body)[place];
}
