/**
 * The legibility floor (issue 17 item 5): no glance, fidelity level or crop shrinks a picture's
 * body text below `LEGIBLE_LINE_PX`, or below the provider's own view when that is smaller.
 * Planner tests on the sizes and measured line heights of corpus images; the worker's
 * measurement on the corpus files themselves.
 */
import assert from "node:assert/strict";
import {
  keepsLegible,
  legibilityAtStake,
  legibilityFloor,
  LEGIBLE_LINE_PX,
} from "../../src/optimize/legibility.ts";
import { type ImageFacts, planImage } from "../../src/optimize/plan_image.ts";
import type { IntentDecision } from "../../src/optimize/intent/classify.ts";
import { understandImage } from "../../workers/image/understand.ts";
import { probeImage } from "../../workers/image/probe.ts";
import type { TextLines } from "../../workers/image/line_height.ts";
import { corpusDir } from "../support/squint.ts";
import { balanced, family, jpeg } from "./_plan.ts";

const GLANCE = "What is in this image?";
const glance: IntentDecision = { label: "glance", confidence: 0.97, reasons: ["glance 0.97"] };
const read: IntentDecision = { label: "read_text", confidence: 0.98, reasons: ["read_text 0.98"] };
const text = { label: "text" as const, confidence: 0.95, reasons: [] };

/** A corpus picture as the planner sees it, with the line height the worker measures on it. */
function page(
  width: number,
  height: number,
  lineHeight: number | undefined,
  format: "png" | "jpeg" = "png",
  intent = glance,
): ImageFacts {
  const textLines: TextLines | undefined = lineHeight === undefined
    ? undefined
    : { lineHeight, lines: 30 };
  return {
    info: jpeg(width, height, { format }),
    bytes: 500_000,
    number: 1,
    question: GLANCE,
    intent,
    content: text,
    textLines,
  };
}

/** doc_r_intro_prose_p15_200dpi.png: a 200-dpi page, body lines 27.5 px. */
const rIntro = () => page(1700, 2200, 27.5);
/** doc_slide_sparse_text_p2_150dpi.png: a slide, lines 37.2 px. */
const slide = () => page(1749, 1312, 37.2);

Deno.test("the worker measures body-text line heights on corpus pages, screenshots and terminals, and none on photos", async () => {
  const measured: Record<string, number | undefined> = {};
  for (
    const file of [
      "doc_r_intro_prose_p15_200dpi.png",
      "doc_slide_sparse_text_p2_150dpi.png",
      "web_gnuplot_manual_1280x720.png",
      "term_pdfinfo_green_80x24.png",
      "photo_bridge_beach_4352x2448.jpg",
    ]
  ) {
    const bytes = Deno.readFileSync(`${corpusDir()}/images/${file}`);
    const found = await understandImage(bytes, probeImage(bytes)!, {
      ocr: false,
      maxPixels: 100_000_000,
    });
    measured[file] = found.textLines?.lineHeight;
  }
  // Native tesseract's median line boxes on the same files: 27, 52 (titles), 16, 15; no photo.
  assert.deepEqual(measured, {
    "doc_r_intro_prose_p15_200dpi.png": 27.5,
    "doc_slide_sparse_text_p2_150dpi.png": 37.2,
    "web_gnuplot_manual_1280x720.png": 16,
    "term_pdfinfo_green_80x24.png": 15,
    "photo_bridge_beach_4352x2448.jpg": undefined,
  });
});

Deno.test("a glance at a page gpt-4o already shows under the floor sends its full view, not the 512-px glance", () => {
  const d = planImage(rIntro(), family("gpt-4o"), balanced);
  assert.deepEqual([d.after.width, d.after.height, d.after.tokens], [768, 993, 765]);
  assert.equal(d.detail, undefined);
  assert.ok(
    d.reasons.includes(
      "no glance: no view cheaper than 765 tokens keeps the body text legible (12.4 px tall in " +
        "the full view, 27.5 px in the original; floor: the provider's own 12.4 px, already " +
        "under 20 px)",
    ),
    d.reasons.join(" | "),
  );
});

Deno.test("turned off, the floor gives back the 85-token glance that made pages unreadable", () => {
  const d = planImage(rIntro(), family("gpt-4o"), balanced, { legibleLinePx: 0 });
  assert.deepEqual([d.after.width, d.after.height, d.after.tokens, d.detail], [
    396,
    512,
    85,
    "low",
  ]);
});

Deno.test("a glance at a slide with large text shrinks it down to the floor and no further", () => {
  const d = planImage(slide(), family("claude-sonnet-4-6"), balanced);
  // 952/1749 of 37.2 px lines: 20.2 px, the first 28-px patch column at or above 20 px.
  assert.deepEqual([d.after.width, d.after.height, d.after.tokens], [952, 714, 884]);
  assert.equal(d.before.tokens, 1564);
  assert.ok(
    d.reasons.includes(
      "a glance is enough: 952×714 for 884 tokens, its body text kept legible at 20.2 px " +
        "(37.2 px in the original; floor 20 px)",
    ),
    d.reasons.join(" | "),
  );
  const unfloored = planImage(slide(), family("claude-sonnet-4-6"), balanced, {
    legibleLinePx: 0,
  });
  assert.deepEqual([unfloored.after.width, unfloored.after.height], [512, 384]);
});

Deno.test("where the floor leaves no cheaper view, gemini-2.5-flash sends the whole slide", () => {
  const d = planImage(slide(), family("gemini-2.5-flash"), balanced);
  assert.equal(d.after.tokens, 1032);
  assert.ok(d.reasons.some((r) => r.startsWith("no glance: no view cheaper than 1032 tokens")));
});

Deno.test("a photo's glance is untouched by the floor", () => {
  const photo: ImageFacts = {
    info: jpeg(4000, 3000),
    bytes: 2_000_000,
    question: GLANCE,
    intent: glance,
    content: { label: "photo", confidence: 0.9, reasons: [] },
  };
  const d = planImage(photo, family("gpt-4o"), balanced);
  assert.deepEqual([d.after.width, d.after.height, d.after.tokens, d.detail], [
    512,
    384,
    85,
    "low",
  ]);
});

Deno.test("text whose lines were not measured gets no glance, and the reason says so", () => {
  const d = planImage(page(1700, 2200, undefined), family("gpt-4o"), balanced);
  assert.equal(d.after.tokens, 765);
  assert.ok(
    d.reasons.includes(
      "no glance: its content is text of unmeasured size, which a glance could make unreadable",
    ),
  );
});

Deno.test("the aggressive level keeps a page's text at the provider's own size when that is under the floor", () => {
  const aggressive = { ...balanced, fidelity: "aggressive" as const };
  const facts = page(1700, 2200, 27.5, "png", read);
  const d = planImage(facts, family("claude-sonnet-4-6"), aggressive);
  assert.deepEqual([d.after.width, d.after.height, d.after.tokens], [952, 1232, 1496]);
  assert.ok(
    d.reasons.includes(
      "aggressive would send 756×978, its body text 12.2 px tall; kept at 952×1232 (1496 " +
        "tokens) so it stays legible (floor: the provider's own 15.4 px, already under 20 px)",
    ),
    d.reasons.join(" | "),
  );
  const unfloored = planImage(facts, family("claude-sonnet-4-6"), aggressive, {
    legibleLinePx: 0,
  });
  assert.deepEqual([unfloored.after.width, unfloored.after.height], [756, 978]);
});

Deno.test("a region crop of a page keeps the scale the floor allows", () => {
  const facts = { ...slide(), question: "What is in the top left corner?" };
  const region: IntentDecision = { label: "region", confidence: 1, reasons: ["region 1.00"] };
  const d = planImage({ ...facts, intent: region }, family("claude-sonnet-4-6"), {
    ...balanced,
    fidelity: "aggressive",
  });
  assert.equal(d.action, "crop");
  const crop = d.render!.crop!;
  const scale = d.render!.width / crop.width;
  assert.ok(37.2 * scale >= LEGIBLE_LINE_PX - 0.02, `lines ${37.2 * scale} px`);
});

Deno.test("a text page that came as a JPEG is rendered as a lossless PNG", () => {
  const receipt = page(2448, 3264, 61.2, "jpeg");
  const d = planImage(receipt, family("gpt-4o"), balanced);
  assert.equal(d.render?.format, "png");
  assert.ok(
    d.reasons.includes("text rendered as a lossless PNG: a jpeg re-encode would blur its strokes"),
  );
  const photo = planImage(
    { ...receipt, content: undefined, textLines: undefined },
    family("gpt-4o"),
    {
      ...balanced,
    },
    { legibleLinePx: 0 },
  );
  assert.equal(photo.render?.format, "auto");
});

Deno.test("a camera photo of paper keeps its JPEG: lossless would be ~13× its bytes and read no better", () => {
  const receipt = { ...page(2448, 3264, 61.2, "jpeg"), cameraPhoto: true };
  const d = planImage(receipt, family("gpt-4o"), balanced);
  assert.deepEqual([d.action, d.render?.format], ["resize", "auto"]);
  assert.ok(
    d.reasons.includes(
      "a camera photo of paper stays a jpeg: its strokes are already the camera's and its " +
        "compression's, and lossless would cost many times its bytes",
    ),
    d.reasons.join(" | "),
  );
});

Deno.test("squint.fidelity lossless still turns the glance off on a slide", () => {
  const d = planImage(slide(), family("claude-sonnet-4-6"), { ...balanced, fidelity: "lossless" });
  assert.equal(d.after.tokens, 1564);
});

Deno.test("the floor is the target height, or the provider's own when that is lower", () => {
  assert.deepEqual(legibilityFloor(27.5, 768 / 1700, 20), {
    lineHeight: 27.5,
    target: 20,
    minLine: 27.5 * 768 / 1700,
    minScale: 768 / 1700,
  });
  const slideFloor = legibilityFloor(37.2, 1269 / 1749, 20)!;
  assert.equal(slideFloor.minLine, 20);
  assert.ok(keepsLegible(slideFloor, 952 / 1749));
  assert.ok(!keepsLegible(slideFloor, 900 / 1749));
  assert.equal(legibilityFloor(27.5, 0.5, 0), undefined);
});

Deno.test("lines are measured for glances and the aggressive level, not for lossless or balanced reading", () => {
  const on = { optimize: true, fidelity: "balanced" as const };
  assert.equal(legibilityAtStake("glance", on), true);
  assert.equal(legibilityAtStake("read_text", { ...on, fidelity: "aggressive" }), true);
  assert.equal(legibilityAtStake("read_text", on), false);
  assert.equal(legibilityAtStake("glance", { ...on, fidelity: "lossless" }), false);
  assert.equal(legibilityAtStake("glance", { ...on, optimize: false }), false);
});
