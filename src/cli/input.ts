/**
 * What `squint optimize` is given: a file, or an http(s) URL fetched under the gateway's own
 * private-address guard and size limits (`SQUINT_ALLOW_PRIVATE_HOSTS` exempts hosts), read as
 * an image or a video by its bytes, never by its name.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { fetchRemoteImage } from "../intake/remote_image.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { usageError } from "./cli_error.ts";

/** An input's bytes and what they are. */
export interface Input {
  /** The path or URL as given. */
  name: string;
  bytes: Uint8Array;
  kind: "image" | "video";
  /** `image/png`, `video/mp4`, … */
  mediaType: string;
}

/** Container signatures of the videos squint samples (ffmpeg reads them all). */
const VIDEO_SIGNATURES: readonly { mediaType: string; at: number; magic: readonly number[] }[] = [
  { mediaType: "video/quicktime", at: 4, magic: [...ascii("ftypqt")] },
  { mediaType: "video/mp4", at: 4, magic: [...ascii("ftyp")] },
  { mediaType: "video/webm", at: 0, magic: [0x1a, 0x45, 0xdf, 0xa3] },
  { mediaType: "video/x-msvideo", at: 8, magic: [...ascii("AVI ")] },
];

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** What the bytes are, by their header; undefined when neither an image nor a video. */
export function mediaOf(bytes: Uint8Array): Pick<Input, "kind" | "mediaType"> | undefined {
  const image = probeImage(bytes);
  if (image) return { kind: "image", mediaType: `image/${image.format}` };
  const video = VIDEO_SIGNATURES.find((s) => s.magic.every((b, i) => bytes[s.at + i] === b));
  return video ? { kind: "video", mediaType: video.mediaType } : undefined;
}

/** Whether the argument names a URL rather than a file. */
export function isUrl(name: string): boolean {
  return /^https?:\/\//i.test(name);
}

async function fileBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.IsADirectory
      ? "a folder, not a file"
      : (e as Error).message;
    throw usageError(`cannot read ${path}: ${why}`);
  }
}

async function urlBytes(url: string, config: Config): Promise<Uint8Array> {
  const fetched = await fetchRemoteImage(url, {
    allowPrivate: config.allow_private_hosts,
    maxBytes: Math.max(config.max_image_mb, config.video_max_mb) * 2 ** 20,
    timeoutMs: config.video_fetch_timeout_s * 1000,
  });
  if (!fetched.ok) throw usageError(`cannot fetch ${url}: ${fetched.reason}`);
  return fetched.bytes;
}

/** The bytes of a file or URL and what they are; a usage error (exit 2) when unreadable. */
export async function readInput(name: string, config: Config): Promise<Input> {
  const bytes = isUrl(name) ? await urlBytes(name, config) : await fileBytes(name);
  const media = mediaOf(bytes);
  if (!media) throw usageError(`${name} is neither an image nor a video squint can read`);
  return { name, bytes, ...media };
}
