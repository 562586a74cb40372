/**
 * `planImage`: what to do with one image for one target model, decided from its header facts,
 * the model's image-token rule and the request's controls. Pure: no I/O, no pixels.
 */
import { estimateStringTokens } from "../accounting/text_tokens.ts";
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ModelFamily } from "../models/types.ts";
import type {
  ContentFacts,
  ContentLabel,
  ImageFormat,
  ImageInfo,
  RenderSpec,
} from "../../workers/image/types.ts";
import { planCrop } from "./crop.ts";
import { type CropBox, DECODABLE_FORMATS } from "../../workers/image/types.ts";
import { type Fidelity, fittedSize, MIN_PIXEL_SHARE } from "./fidelity.ts";
import { glanceView, planGlance } from "./glance.ts";
import { legibilityFloor, LEGIBLE_LINE_PX, scaleOf, textFacts } from "./legibility.ts";
import type { TextLines } from "../../workers/image/line_height.ts";
import type { IntentDecision } from "./intent/classify.ts";
import {
  OCR_TOKEN_MARGIN,
  type OcrFacts,
  type OcrPolicy,
  ocrQuestionBar,
  ocrReadingBar,
  wrapOcrText,
} from "./ocr_route.ts";
import { namedRegion } from "./region.ts";

/** What the request lets squint do to its images. */
export interface ImageControls {
  optimize: boolean;
  fidelity: Fidelity;
  /** squint's own `detail` control; `auto` keeps the client's. */
  detail: "auto" | "low" | "high";
  ocr: OcrPolicy;
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
  /** 1-based number of the image in the request (for the OCR text's label). */
  number?: number;
  /** The question asked of it (for a named region and the OCR bars). */
  question?: string;
  /** What the question asks of it. */
  intent?: IntentDecision;
  /** What it shows, when the worker looked. */
  content?: ContentFacts;
  /** Its body-text lines, when the worker found text lines (for the legibility floor). */
  textLines?: TextLines;
  /** A camera photo of paper, by the worker's look (its lines seldom level, its paper shaded). */
  cameraPhoto?: boolean;
  /** Its text, when the worker read it. */
  ocr?: OcrFacts;
  /** Why the worker stopped reading it (its text would cost more than its pixels). */
  ocrSkipped?: string;
}

/** Size, bytes, format and billed tokens of an image. */
export interface ImageSide {
  width: number;
  height: number;
  bytes: number;
  format: ImageFormat | "url" | "text";
  tokens: number;
}

/** The plan for one image (CONTRACT.md `/v1/optimize` `images[]`, less its position). */
export interface ImageDecision {
  action: "keep" | "resize" | "detail" | "reencode" | "crop" | "ocr";
  reasons: string[];
  intent?: { label: IntentDecision["label"]; confidence: number };
  content?: { label: ContentLabel; confidence: number };
  /** Present when the image goes as text: the wrapped text, and whether a thumbnail goes too. */
  ocr?: { text: string; thumbnail: boolean };
  before: ImageSide;
  after: ImageSide;
  /** Present when the pixels must be rendered anew. */
  render?: RenderSpec;
  /**
   * The render replaces the original even when it comes out larger: the original cannot be sent
   * as it is (rotated, animated, a format providers refuse), or the render saves at least
   * `GROWTH_MIN_TOKEN_SAVING` of the tokens. Any other render is dropped if it is not smaller.
   */
  replaceEvenIfLarger?: boolean;
  /**
   * With a render: the tokens of the original picture sent with the planned `detail`, which
   * is what the image costs if the render is dropped. Internal (not in `/v1/optimize`).
   */
  originalTokens?: number;
  /** Present when the part's `detail` must change. */
  detail?: Detail;
  /** Short labels for stats (`resize`, `detail_low`, `reencode`). */
  optimizations: string[];
  /** True when a token figure rests on an approximate rule. */
  estimated: boolean;
}

/** Formats every provider accepts as they are; others are converted. */
const ACCEPTED_FORMATS: ReadonlySet<ImageFormat> = new Set(["jpeg", "png", "webp", "gif"]);
/**
 * Lossless formats whose re-encoding alone (same size, same detail) may shrink the payload: a
 * photo PNG as JPEG, a chart as a palette PNG. Lossy sources are not re-encoded for bytes alone.
 */
const REENCODABLE: ReadonlySet<ImageFormat> = new Set(["png", "gif", "bmp", "tiff"]);
const JPEG_QUALITY = 85;
/** Lossy sources, whose text a re-encode in kind would blur further. */
const LOSSY_FORMATS: ReadonlySet<ImageFormat> = new Set(["jpeg", "webp", "avif", "heic"]);

/**
 * The least share of the tokens a render must save to be sent when it comes out larger than
 * the original. Balanced fidelity keeps ≥ 90% of the pixels, so on the near-linear rules
 * (Claude, patch models) shaving pixels at its edge saves under 10%: not worth a larger
 * upload. Savings from a rule's steps (tiles, a glance, a crop) are 30-90% and are kept.
 */
export const GROWTH_MIN_TOKEN_SAVING = 0.1;

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

/** How the planner itself is tuned; the defaults are production's. */
export interface PlanOptions {
  /** The legibility floor in pixels per text line (legibility.ts); 0 turns it off (bench). */
  legibleLinePx?: number;
}

/** Plans one image for `family` (undefined: a model squint does not know). */
export function planImage(
  facts: ImageFacts,
  family: ModelFamily | undefined,
  controls: ImageControls,
  options: PlanOptions = {},
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
  if (!DECODABLE_FORMATS.has(info.format)) {
    const reason = `${info.format} cannot be decoded here, so it is sent as it came (not every ` +
      `provider takes ${info.format})`;
    return keep(facts, before.tokens, reason, before.estimated);
  }

  const intent = facts.intent?.label ?? "general";
  const reasons: string[] = facts.intent ? [`intent ${facts.intent.reasons.join("; ")}`] : [];
  const optimizations: string[] = [];
  let detail = effectiveDetail(clientDetail, controls.detail);
  let share = MIN_PIXEL_SHARE[controls.fidelity];
  if (intent === "fine_detail" && share < 1) {
    share = 1;
    reasons.push("fine detail asked: every pixel the model would use is kept");
  }
  const view = imageTokens(rule, w, h, detail);
  const linePx = options.legibleLinePx ?? LEGIBLE_LINE_PX;
  const text = linePx > 0 ? textFacts(facts.textLines, facts.content) : undefined;
  const floor = text?.known
    ? legibilityFloor(text.lineHeight, scaleOf({ width: w, height: h }, view), linePx)
    : undefined;
  const fitted = rule.kind === "local" || rule.kind === "gemini_media_resolution"
    ? { width: view.width, height: view.height, tokens: view.tokens }
    : fittedSize(rule, { view, detail, share, floor, original: { width: w, height: h } }, {
      fidelity: controls.fidelity,
      reasons,
    });
  let target: { width: number; height: number; tokens: number } = fitted;
  let crop: CropBox | undefined;
  let estimated = before.estimated || view.estimated;
  // Lossless keeps every pixel the provider would use: no glance, no crop.
  const lossy = controls.fidelity !== "lossless";
  // A client that asked for high detail gets it, whatever the question.
  if (intent === "glance" && controls.detail === "auto" && clientDetail !== "high" && lossy) {
    const planned = planGlance(rule, { width: w, height: h }, clientDetail, {
      text,
      floor,
      view,
      fitted: fitted.tokens,
    });
    if (planned.reason) reasons.push(planned.reason);
    if (planned.glance) {
      target = planned.glance;
      detail = planned.glance.detail;
      estimated ||= planned.glance.estimated;
    }
  } else if (intent === "region" && lossy) {
    const named = namedRegion(facts.question ?? "");
    if ("none" in named) {
      reasons.push(`region question, but ${named.none}: the whole image is sent`);
    } else {
      // At the fitted size, which the floor already holds: the crop's text is as legible.
      const planned = planCrop(rule, { width: w, height: h }, named.box, {
        whole: fitted,
        detail,
        samePixels: text !== undefined,
      });
      if (planned.tokens < fitted.tokens) {
        target = planned;
        crop = planned.box;
        estimated ||= planned.estimated;
        optimizations.push("crop");
        reasons.push(
          `“${named.phrase}” names the ${named.name}: cropped to ${planned.box.width}×${planned.box.height} at (${planned.box.x}, ${planned.box.y}) with margin, ${planned.tokens} tokens`,
        );
      } else {
        reasons.push(`a crop of the ${named.name} would not be cheaper: the whole image is sent`);
      }
    }
  }
  if (detail !== clientDetail) {
    reasons.push(`detail ${clientDetail} → ${detail}`);
    if (detail === "low") optimizations.push("detail_low");
  }
  const resized = target.width !== w || target.height !== h;
  if (resized && !crop) {
    optimizations.push("resize");
    if (view.width !== w || view.height !== h) {
      reasons.push(`${family.id} would itself downscale ${w}×${h} to ${view.width}×${view.height}`);
    }
    if (target === fitted && target.tokens < view.tokens) {
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
  // A `detail` change alone sends the bytes as they came: re-encoding them buys nothing.
  const reencode = controls.fidelity !== "lossless" && REENCODABLE.has(info.format) &&
    detail === clientDetail;
  const needsRender = resized || mustConvert || upright || reencode;
  // Text from a lossy source goes lossless: re-encoding resized strokes costs the model
  // characters (PNG sources keep their own lossless economy). Not a camera photo of paper: its
  // strokes are already blurred by the lens and the JPEG it came as, and its grain makes a PNG
  // of it ~13× the JPEG (the corpus receipt at 768×1024: 1.27 MB against 94 KB, which then
  // grew past the original and went unresized), while its text reads no worse re-encoded
  // (bench/legibility.ts: CER 0.18 against the original's 0.19 on gpt-4o, 0.20 against 0.24
  // on claude-sonnet-4-6, 0.23 against 0.27 on gemini-2.5-flash).
  const lossyText = text !== undefined && LOSSY_FORMATS.has(info.format);
  const textAsPng = lossyText && !facts.cameraPhoto;
  if (lossyText && facts.cameraPhoto && needsRender) {
    reasons.push(
      `a camera photo of paper stays a ${info.format}: its strokes are already the camera's ` +
        "and its compression's, and lossless would cost many times its bytes",
    );
  }
  const format: RenderSpec["format"] = textAsPng
    ? "png"
    : controls.fidelity === "lossless"
    ? (info.format === "jpeg" || info.format === "webp" ? info.format : "png")
    : "auto";
  if (textAsPng && needsRender) {
    reasons.push(
      `text rendered as a lossless PNG: a ${info.format} re-encode would blur its strokes`,
    );
  }
  const after: ImageSide = {
    width: target.width,
    height: target.height,
    bytes: facts.bytes,
    format: info.format,
    tokens: target.tokens,
  };
  const decision: ImageDecision = {
    action: crop
      ? "crop"
      : resized
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
    estimated,
  };
  if (facts.intent) {
    decision.intent = { label: facts.intent.label, confidence: round2(facts.intent.confidence) };
  }
  if (facts.content) {
    decision.content = { label: facts.content.label, confidence: round2(facts.content.confidence) };
  }
  if (detail !== clientDetail) decision.detail = detail;
  if (needsRender) {
    decision.render = { width: target.width, height: target.height, format, quality: JPEG_QUALITY };
    if (crop) decision.render.crop = crop;
    // What the render itself saves: the planned detail applies to the original too.
    const original = detail === clientDetail
      ? before.tokens
      : imageTokens(rule, w, h, detail).tokens;
    decision.originalTokens = original;
    decision.replaceEvenIfLarger = mustConvert || upright ||
      original - target.tokens >= GROWTH_MIN_TOKEN_SAVING * original;
  }
  return routeToText(decision, facts, rule, controls, intent);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Why the image's content bars an OCR route, or undefined when it is text-heavy. */
function contentBar(content: ContentFacts | undefined): string | undefined {
  if (!content) return "content not examined";
  if (content.label !== "text") return `content is ${content.label}, not text`;
  return undefined;
}

/**
 * The pixel plan, or the image sent as its OCR text (with a glance thumbnail under
 * `text+thumbnail`) when every condition of ocr_route.ts holds and the text is cheaper.
 */
function routeToText(
  decision: ImageDecision,
  facts: ImageFacts,
  rule: ModelFamily["image"],
  controls: ImageControls,
  intent: IntentDecision["label"],
): ImageDecision {
  const ocr = facts.ocr;
  if (controls.ocr === "off" || !facts.info) return decision;
  // A reading that did not finish (budget, failure) is why, before what was not examined.
  const unread = !facts.content && !ocr ? facts.ocrSkipped : undefined;
  const bar = ocrQuestionBar(intent, facts.question ?? "") ?? unread ??
    contentBar(facts.content) ?? (ocr ? ocrReadingBar(ocr) : facts.ocrSkipped ?? "not read");
  if (bar || !ocr) {
    if (facts.content || ocr || facts.ocrSkipped) {
      decision.reasons.push(`not sent as text: ${bar}`);
    }
    return decision;
  }
  const number = facts.number ?? 1;
  const text = wrapOcrText(ocr.text, number);
  const textTokens = estimateStringTokens(text);
  const thumbnail = controls.ocr === "text+thumbnail";
  const { displayWidth: w, displayHeight: h } = facts.info;
  const glance = thumbnail ? glanceView(rule, w, h, facts.detail ?? "auto") : undefined;
  const tokens = textTokens + (glance?.tokens ?? 0);
  if (tokens * OCR_TOKEN_MARGIN >= decision.after.tokens) {
    decision.reasons.push(
      `not sent as text: its ~${textTokens} text tokens${
        glance ? ` and a ${glance.tokens}-token thumbnail` : ""
      } are not clearly cheaper than ${decision.after.tokens} image tokens`,
    );
    return decision;
  }
  const reasons = [
    ...decision.reasons,
    `text-heavy (${facts.content!.confidence.toFixed(2)}), ${ocr.words} words read at confidence ${
      ocr.meanConfidence.toFixed(0)
    }: ~${textTokens} text tokens instead of ${decision.after.tokens} image tokens`,
  ];
  const routed: ImageDecision = {
    ...decision,
    action: "ocr",
    reasons,
    ocr: { text, thumbnail },
    optimizations: ["ocr"],
    estimated: true,
    after: {
      width: glance?.width ?? 0,
      height: glance?.height ?? 0,
      bytes: new TextEncoder().encode(text).byteLength,
      format: "text",
      tokens,
    },
  };
  delete routed.render;
  delete routed.detail;
  delete routed.replaceEvenIfLarger;
  delete routed.originalTokens;
  if (glance) {
    routed.render = {
      width: glance.width,
      height: glance.height,
      format: "auto",
      quality: JPEG_QUALITY,
    };
    routed.replaceEvenIfLarger = true;
    if (glance.detail !== (facts.detail ?? "auto")) routed.detail = glance.detail;
  }
  return routed;
}

/** An image decision with its 0-based place in `messages[].content[]`. */
export interface PlannedImage extends ImageDecision {
  message: number;
  part: number;
}
