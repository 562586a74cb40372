/**
 * `planImage`: what to do with one image for one target model, decided from its header facts,
 * the model's image-token rule and the request's controls. Pure: no I/O, no pixels.
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ModelFamily } from "../models/types.ts";
import type { ImageFormat, ImageInfo, RenderSpec } from "../../workers/image/types.ts";
import { cheapestSize, type Fidelity, MIN_PIXEL_SHARE } from "./fidelity.ts";

/** What the request lets squint do to its images. */
export interface ImageControls {
  optimize: boolean;
  fidelity: Fidelity;
  /** squint's own `detail` control; `auto` keeps the client's. */
  detail: "auto" | "low" | "high";
}

/** One image as intake found it. */
export interface ImageFacts {
  info?: ImageInfo;
  /** Size in bytes of the image as sent (0 when not fetched). */
  bytes: number;
  /** The `detail` the client set on the part. */
  detail?: Detail;
  /** Why intake could not read it, when it could not. */
  unreadable?: string;
}

/** Size, bytes, format and billed tokens of an image. */
export interface ImageSide {
  width: number;
  height: number;
  bytes: number;
  format: ImageFormat | "url";
  tokens: number;
}

/** The plan for one image (CONTRACT.md `/v1/optimize` `images[]`, less its position). */
export interface ImageDecision {
  action: "keep" | "resize" | "detail" | "reencode";
  reasons: string[];
  before: ImageSide;
  after: ImageSide;
  /** Present when the pixels must be rendered anew. */
  render?: RenderSpec;
  /**
   * The render replaces the original even when it comes out larger: it costs fewer tokens, or the
   * original cannot be sent as it is (rotated, animated, a format providers refuse). A render
   * that only does what the provider would do anyway is dropped if it is not smaller.
   */
  replaceEvenIfLarger?: boolean;
  /** Present when the part's `detail` must change. */
  detail?: Detail;
  /** Short labels for stats (`resize`, `detail_low`, `reencode`). */
  optimizations: string[];
  /** True when a token figure rests on an approximate rule. */
  estimated: boolean;
}

/** Formats every provider accepts as they are; others are converted. */
const ACCEPTED_FORMATS: ReadonlySet<ImageFormat> = new Set(["jpeg", "png", "webp", "gif"]);
/** Formats whose re-encoding to JPEG may shrink the payload. */
const REENCODABLE: ReadonlySet<ImageFormat> = new Set(["png", "gif", "webp", "bmp", "tiff"]);
const JPEG_QUALITY = 85;

function keep(
  facts: ImageFacts,
  tokens: number,
  reason: string,
  estimated: boolean,
): ImageDecision {
  const side: ImageSide = {
    width: facts.info?.displayWidth ?? 0,
    height: facts.info?.displayHeight ?? 0,
    bytes: facts.bytes,
    format: facts.info?.format ?? "url",
    tokens,
  };
  return {
    action: "keep",
    reasons: [reason],
    before: side,
    after: { ...side },
    optimizations: [],
    estimated,
  };
}

/** The detail squint sends: its own control wins over the client's only when set. */
function effectiveDetail(client: Detail | undefined, control: ImageControls["detail"]): Detail {
  return control === "auto" ? (client ?? "auto") : control;
}

/** Plans one image for `family` (undefined: a model squint does not know). */
export function planImage(
  facts: ImageFacts,
  family: ModelFamily | undefined,
  controls: ImageControls,
): ImageDecision {
  const info = facts.info;
  if (!info) {
    return keep(facts, 0, facts.unreadable ?? "not an image squint can read; sent unchanged", true);
  }
  if (!family) {
    return keep(facts, 0, "unknown model: no image-token rule, image sent unchanged", true);
  }
  const rule = family.image;
  const clientDetail = facts.detail ?? "auto";
  const w = info.displayWidth;
  const h = info.displayHeight;
  const before = imageTokens(rule, w, h, clientDetail);
  if (!controls.optimize) {
    return keep(facts, before.tokens, "optimization off for this request", before.estimated);
  }

  const detail = effectiveDetail(clientDetail, controls.detail);
  const view = imageTokens(rule, w, h, detail);
  const reasons: string[] = [];
  const optimizations: string[] = [];
  if (detail !== clientDetail) {
    reasons.push(`detail ${clientDetail} → ${detail} (squint.detail)`);
    if (detail === "low") optimizations.push("detail_low");
  }
  const share = MIN_PIXEL_SHARE[controls.fidelity];
  const target = rule.kind === "local" || rule.kind === "gemini_media_resolution"
    ? { width: view.width, height: view.height, tokens: view.tokens }
    : cheapestSize(rule, view, detail, share);
  const resized = target.width !== w || target.height !== h;
  if (resized) {
    optimizations.push("resize");
    if (view.width !== w || view.height !== h) {
      reasons.push(`${family.id} would itself downscale ${w}×${h} to ${view.width}×${view.height}`);
    }
    if (target.tokens < view.tokens) {
      const kept = Math.round((100 * target.width * target.height) / (view.width * view.height));
      reasons.push(
        `${target.width}×${target.height} costs ${target.tokens} instead of ${view.tokens} tokens, keeping ${kept}% of the pixels (${controls.fidelity})`,
      );
    }
  }
  const mustConvert = !ACCEPTED_FORMATS.has(info.format) || info.animated;
  if (mustConvert) {
    reasons.push(
      info.animated
        ? "animated: providers use the first frame only"
        : `${info.format} converted to a format every provider accepts`,
    );
  }
  const upright = info.orientation !== 1;
  if (upright) reasons.push(`EXIF orientation ${info.orientation} applied`);
  const reencode = controls.fidelity !== "lossless" && REENCODABLE.has(info.format);
  const needsRender = resized || mustConvert || upright || reencode;
  const format: RenderSpec["format"] = controls.fidelity === "lossless"
    ? (info.format === "jpeg" ? "jpeg" : "png")
    : "auto";
  const after: ImageSide = {
    width: target.width,
    height: target.height,
    bytes: facts.bytes,
    format: info.format,
    tokens: target.tokens,
  };
  const decision: ImageDecision = {
    action: resized
      ? "resize"
      : detail !== clientDetail
      ? "detail"
      : needsRender
      ? "reencode"
      : "keep",
    reasons: reasons.length ? reasons : ["already the cheapest size for this model"],
    before: { width: w, height: h, bytes: facts.bytes, format: info.format, tokens: before.tokens },
    after,
    optimizations,
    estimated: before.estimated || view.estimated,
  };
  if (detail !== clientDetail) decision.detail = detail;
  if (needsRender) {
    decision.render = { width: target.width, height: target.height, format, quality: JPEG_QUALITY };
    decision.replaceEvenIfLarger = target.tokens < before.tokens || mustConvert || upright;
  }
  return decision;
}
