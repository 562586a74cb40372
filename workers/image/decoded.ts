/**
 * The last picture a worker decoded, kept for a minute: the understanding step decodes an image
 * to look at it, and the render that follows for the same request would decode the same bytes
 * again (a 15 MP JPEG takes ~230 ms). A conversation's next turn sends its pictures again, often
 * to a different plan once their text has been read in the background (a 300-dpi page or an 8 MP
 * photo: ~100 ms less of a ~400 ms render). Keyed by the bytes' SHA-256, one picture at most, and
 * only up to a size whose pixels are cheap to hold (at most ~96 MB, given back a minute after its
 * last use).
 */
import type { Image } from "@napi-rs/canvas";
import { decodeImage, type RenderOptions } from "./render.ts";
import type { ImageInfo } from "./types.ts";

/** Pictures larger than this (stored pixels, 4 bytes each) are not kept. */
export const KEEP_MAX_PIXELS = 24_000_000;
/** How long a decoded picture is kept after its last use: a conversation's next turn. */
export const KEEP_MS = 60_000;

let kept: { key: string; image: Promise<Image>; timer: ReturnType<typeof setTimeout> } | undefined;

/** Drops the kept picture (tests, and the timer). */
export function forget(): void {
  if (kept) clearTimeout(kept.timer);
  kept = undefined;
}

/** Decodes `bytes`, or hands back the picture kept under `key` (the bytes' hash). */
export function decodeKept(
  key: string | undefined,
  bytes: Uint8Array,
  info: ImageInfo,
  options: RenderOptions = {},
): Promise<Image> {
  if (key && kept?.key === key) {
    clearTimeout(kept.timer);
    kept.timer = setTimeout(forget, KEEP_MS);
    return kept.image;
  }
  const image = decodeImage(bytes, info, options);
  if (!key || info.width * info.height > KEEP_MAX_PIXELS) return image;
  forget();
  const entry = { key, image, timer: setTimeout(forget, KEEP_MS) };
  kept = entry;
  image.catch(() => kept === entry && forget());
  return image;
}

/** A decoder for `RenderOptions.decode` that keeps, and reuses, pictures under `key`. */
export function keptDecoder(key: string | undefined): NonNullable<RenderOptions["decode"]> {
  return (bytes, info, options) => decodeKept(key, bytes, info, options);
}
