/**
 * The one-item chat request whose `/v1/optimize` plan is squint's decision for an input: an
 * image as the library's `optimizeImage` asks it (so the figures are the library's), a video as a
 * `video_url` part, each followed by the question when there is one.
 *
 * @module
 */
import { base64, type ImageOptions, imageRequest } from "../library/image.ts";
import type { Input } from "./input.ts";

/** The request for `input` read by `options.model` with `options.question`. */
export function mediaRequest(input: Input, options: ImageOptions): Record<string, unknown> {
  if (input.kind === "image") return imageRequest(input.bytes, options);
  const url = `data:${input.mediaType};base64,${base64(input.bytes)}`;
  return {
    model: options.model,
    messages: [{
      role: "user",
      content: [
        { type: "video_url", video_url: { url } },
        ...(options.question ? [{ type: "text", text: options.question }] : []),
      ],
    }],
    ...(options.fidelity ? { squint: { fidelity: options.fidelity } } : {}),
  };
}
