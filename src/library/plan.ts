/**
 * The plan `/v1/optimize` answers, as the library hands it back: the exact body squint would send
 * and a decision per image (CONTRACT.md, `/v1/optimize`). Also where to find, in that body, the
 * parts an image became.
 *
 * @module
 */

/** A picture's size, bytes, format and tokens before or after squint. */
export interface PictureFigures {
  width: number;
  height: number;
  bytes: number;
  format: string;
  tokens: number;
}

/** What squint decided for one image, and why. */
export interface ImageDecision {
  message: number;
  part: number;
  /** JSON pointer to the image in the body as given. */
  path?: string;
  /** keep, resize, ocr, drop, … */
  action: string;
  reasons: string[];
  intent?: { label: string; confidence: number };
  content?: { label: string; confidence: number };
  optimizations: string[];
  estimated: boolean;
  before: PictureFigures;
  after: PictureFigures;
  detail?: "low" | "high" | "auto";
}

/** The plan for one request. */
export interface Plan {
  model: string;
  door: string;
  /** The body squint would send upstream. */
  request: Record<string, unknown>;
  images: ImageDecision[];
  videos: unknown[];
  tokens: { before: number; after: number };
  cost: { before_usd: number | null; after_usd: number | null };
  estimated: boolean;
  model_known: boolean;
  routing?: unknown;
  passthrough_reason?: string;
  /** Present when a page of the request is read: the plan with its text not known and known. */
  reading?: ReadingPlans;
}

/** One state of the pages' text: each image's decision and the request's figures then. */
export interface ReadingCase {
  images: ImageDecision[];
  tokens: { before: number; after: number };
  cost: { before_usd: number | null; after_usd: number | null };
}

/** `/v1/optimize`'s `reading`: the request's plan in both states of its pages' text. */
export interface ReadingPlans {
  /** `squint.ocr_budget_ms` (or `SQUINT_OCR_BUDGET_MS`) of the request. */
  budget_ms: number;
  /** Where each page read sits in the body (JSON pointers). */
  pages: (string | number)[];
  /** Which case the plan's own `images` are: was every page's text known when planned? */
  sent: "text_known" | "text_not_known";
  /** First sight, past the budget: the pixels go while the page is read in the background. */
  text_not_known: ReadingCase;
  /** Once the text is known (the next request with these bytes); left out with `?wait=false`. */
  text_known?: ReadingCase;
}

/** A chat content part as squint sends it. */
export type ChatPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: string; [field: string]: unknown };

/**
 * The parts of a chat body's message `message` that stand, once sent, for each part the client
 * gave: an image sent as text with a thumbnail became two parts, anything else one.
 */
export function sentPartsByOrigin(
  plan: Plan,
  message: number,
  givenParts: number,
): ChatPart[][] {
  const messages = plan.request.messages as { content: ChatPart[] | string }[];
  const sent = messages[message]?.content;
  if (!Array.isArray(sent)) return [];
  const widths = new Map(
    plan.images.filter((i) => i.message === message).map((i) => [
      i.part,
      i.action === "ocr" && i.after.width > 0 ? 2 : 1,
    ]),
  );
  const out: ChatPart[][] = [];
  let at = 0;
  for (let part = 0; part < givenParts; part++) {
    const width = widths.get(part) ?? 1;
    out.push(sent.slice(at, at + width));
    at += width;
  }
  return out;
}
