/**
 * One image optimized on its own (`optimizeImage`): asked as a one-image chat request to
 * `/v1/optimize`, so the decision is the one the server would make, and read back as bytes.
 *
 * @module
 */
import { probeImage } from "../../workers/image/probe.ts";
import { SquintError } from "./squint_error.ts";
import { type ChatPart, type ImageDecision, type Plan, sentPartsByOrigin } from "./plan.ts";

/** What one image is optimized for. */
export interface ImageOptions {
  /** The model that will read it (its image rule and prices apply). */
  model: string;
  /** The question asked about it (default: none, a general look). */
  question?: string;
  /** How far squint may go (default: the instance's `fidelity` setting). */
  fidelity?: "lossless" | "balanced" | "aggressive";
}

/** The image to send and squint's decision. */
export interface OptimizedImage {
  /** The picture to send; absent when the image goes as its text alone. */
  bytes?: Uint8Array;
  /** Its media type (`image/jpeg`, …), with `bytes`. */
  mediaType?: string;
  /** The image's text, when it goes as text (with `bytes` as its thumbnail, if any). */
  text?: string;
  /** The provider detail level to ask for, when squint chose one. */
  detail?: "low" | "high" | "auto";
  /** What squint decided and why (one entry of `/v1/optimize`'s `images`). */
  decision: ImageDecision;
  /** The image's tokens before and after, and whether they are an estimate. */
  tokens: { before: number; after: number; estimated: boolean };
}

/** The media type of image bytes, from their header. */
export function imageMediaType(bytes: Uint8Array): string {
  const info = probeImage(bytes);
  if (!info) {
    throw new SquintError(400, "the bytes are not an image squint can read", "invalid_image");
  }
  return `image/${info.format}`;
}

/** A data URL of `bytes` (encoded natively: no string building on the event loop). */
export function dataUrl(bytes: Uint8Array, mediaType: string): string {
  return `data:${mediaType};base64,${bytes.toBase64()}`;
}

/**
 * A one-part chat request for `options.model`: the part, then the question when there is one,
 * at the fidelity asked. Whose `/v1/optimize` plan is squint's decision for that part.
 */
export function onePartRequest(
  part: Record<string, unknown>,
  options: ImageOptions,
): Record<string, unknown> {
  return {
    model: options.model,
    messages: [{
      role: "user",
      content: [part, ...(options.question ? [{ type: "text", text: options.question }] : [])],
    }],
    ...(options.fidelity ? { squint: { fidelity: options.fidelity } } : {}),
  };
}

/** The one-image request whose plan is the image's decision. */
export function imageRequest(bytes: Uint8Array, options: ImageOptions): Record<string, unknown> {
  const url = dataUrl(bytes, imageMediaType(bytes));
  return onePartRequest({ type: "image_url", image_url: { url } }, options);
}

/** The bytes and media type of a data URL. */
export function fromDataUrl(url: string): { bytes: Uint8Array; mediaType: string } | undefined {
  const match = /^data:([^;,]+);base64,/.exec(url);
  if (!match) return undefined;
  return { bytes: Uint8Array.fromBase64(url.slice(match[0].length)), mediaType: match[1] };
}

/** The image as sent: its picture (if any), its text (if any) and detail. */
export function sentForm(
  parts: ChatPart[],
): Pick<OptimizedImage, "bytes" | "mediaType" | "text" | "detail"> {
  const out: Pick<OptimizedImage, "bytes" | "mediaType" | "text" | "detail"> = {};
  for (const part of parts) {
    if (part.type === "text") out.text = (part as { text: string }).text;
    if (part.type === "image_url") {
      const { url, detail } = (part as { image_url: { url: string; detail?: string } }).image_url;
      Object.assign(out, fromDataUrl(url));
      if (detail) out.detail = detail as OptimizedImage["detail"];
    }
  }
  return out;
}

/** The optimized image of a one-image plan. */
export function sentImage(plan: Plan): OptimizedImage {
  const decision = plan.images[0];
  const [parts] = sentPartsByOrigin(plan, 0, 1);
  return {
    ...sentForm(parts ?? []),
    decision,
    tokens: {
      before: decision.before.tokens,
      after: decision.after.tokens,
      estimated: decision.estimated,
    },
  };
}
