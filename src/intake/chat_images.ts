/** Where the images are in an OpenAI Chat Completions body. */
import type { Detail } from "../models/types.ts";

/** One `image_url` content part, with its 0-based position. */
export interface ImageSite {
  message: number;
  part: number;
  /** The part's `image_url` object, edited in place when squint changes `detail` or `url`. */
  imageUrl: { url: unknown; detail?: Detail };
}

/** Every `image_url` part of `messages`, in order. */
export function findImageSites(body: Record<string, unknown>): ImageSite[] {
  const sites: ImageSite[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((message, m) => {
    const content = (message as { content?: unknown })?.content;
    if (!Array.isArray(content)) return;
    content.forEach((part, p) => {
      if (part?.type !== "image_url") return;
      // The object form is OpenAI's; other forms pass through untouched.
      if (part.image_url && typeof part.image_url === "object") {
        sites.push({ message: m, part: p, imageUrl: part.image_url });
      }
    });
  });
  return sites;
}
