/**
 * The one-item chat request whose `/v1/optimize` plan is squint's decision for an input: an
 * image as the library's `optimizeImage` asks it (so the figures are the library's), a video as a
 * `video_url` part, each followed by the question when there is one.
 *
 * @module
 */
import { dataUrl, type ImageOptions, imageRequest, onePartRequest } from "../library/image.ts";
import type { Input } from "./input.ts";

/** The request for `input` read by `options.model` with `options.question`. */
export function mediaRequest(input: Input, options: ImageOptions): Record<string, unknown> {
  if (input.kind === "image") return imageRequest(input.bytes, options);
  const url = dataUrl(input.bytes, input.mediaType);
  return onePartRequest({ type: "video_url", video_url: { url } }, options);
}
