import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import {
  classifyContent,
  CONTENT_SIDE,
  contentSample,
  type ContentSignals,
  OCR_TEXT,
  PHOTO_COLOURS,
  TEXT_LINES,
  UI_LINE_ROWS,
} from "../../workers/image/content.ts";
import { ocrEvidence, signalsOf } from "../../bench/content_accuracy.ts";
import { closeOcr } from "../../workers/image/ocr.ts";
import { baseName, corpusBytes, corpusImages, type CorpusItem } from "./_images.ts";

interface ManifestItem extends CorpusItem {
  hard_negative?: boolean;
}

const images = corpusImages() as ManifestItem[];
const byName = (name: string) => images.find((item) => baseName(item) === name)!;

/** Signals of a flat-coloured page with the given text-line structure. */
function signals(overrides: Partial<ContentSignals>): ContentSignals {
  return {
    width: 768,
    height: 512,
    ink: 0.05,
    colours90: 2,
    lineRows: 0.9,
    lines: 10,
    shortStrokes: 0.9,
    ...overrides,
  };
}

/** Signals whose text-line score (`lineRows × shortStrokes`) is exactly `score`. */
const scored = (score: number, overrides: Partial<ContentSignals> = {}) =>
  signals({ lineRows: score, shortStrokes: 1, ...overrides });

const readable = { words: 200, meanConfidence: 90, areaShare: 0.15 };

Deno.test("charts, diagrams, sheet music, photos with text and hard negatives are not text", async () => {
  const looksLikeText = images.filter((item) =>
    ["chart", "diagram", "sheet_music", "photo_with_text"].includes(item.category) ||
    item.hard_negative
  );
  assert.ok(looksLikeText.length >= 15);
  for (const item of looksLikeText) {
    const verdict = classifyContent(await signalsOf(corpusBytes(item)));
    assert.notEqual(verdict.label, "text", `${baseName(item)}: ${verdict.reasons.join("; ")}`);
    assert.equal(verdict.candidate, false, baseName(item));
  }
});

Deno.test("photos are never OCR candidates", async () => {
  for (const item of images.filter((item) => item.category === "photo")) {
    const verdict = classifyContent(await signalsOf(corpusBytes(item)));
    assert.equal(verdict.label, "photo", baseName(item));
    assert.equal(verdict.candidate, false, baseName(item));
  }
});

Deno.test("a document page, a terminal and a photographed receipt are text, with OCR", async () => {
  try {
    for (
      const name of [
        "doc_crop_book_paragraph_556x257.png",
        "term_pdfinfo_green_80x24.png",
        "receipt_photo_grindelwald_2448x3264.jpg",
      ]
    ) {
      const bytes = corpusBytes(byName(name));
      const signals = await signalsOf(bytes);
      const cheap = classifyContent(signals);
      assert.equal(cheap.label, "text", name);
      assert.equal(cheap.candidate, true, name);
      const verdict = classifyContent(signals, await ocrEvidence(bytes));
      assert.equal(verdict.label, "text", `${name}: ${verdict.reasons.join("; ")}`);
    }
  } finally {
    await closeOcr();
  }
});

Deno.test("the text-line score at the text threshold is text, just below it is only a candidate", () => {
  const at = classifyContent(scored(TEXT_LINES.text));
  assert.deepEqual([at.label, at.candidate, at.confidence], ["text", true, 0.5]);
  const below = classifyContent(scored(TEXT_LINES.text - 0.001));
  assert.deepEqual([below.label, below.candidate], ["chart", true]);
});

Deno.test("below the candidate threshold OCR is not asked for and cannot make text", () => {
  const at = classifyContent(scored(TEXT_LINES.candidate));
  assert.equal(at.candidate, true);
  const below = scored(TEXT_LINES.candidate - 0.001);
  assert.equal(classifyContent(below).candidate, false);
  assert.equal(classifyContent(below, readable).label, "chart");
});

Deno.test("a candidate with readable OCR is text, even below the cheap text threshold", () => {
  const verdict = classifyContent(scored(TEXT_LINES.candidate), readable);
  assert.equal(verdict.label, "text");
  assert.equal(verdict.confidence, 0.5);
});

Deno.test("OCR evidence at each minimum is text, and just under any one of them is not", () => {
  const strong = scored(0.9);
  const minimal = {
    words: OCR_TEXT.minWords,
    meanConfidence: OCR_TEXT.minConfidence,
    areaShare: OCR_TEXT.minAreaShare,
  };
  assert.equal(classifyContent(strong, minimal).label, "text");
  for (
    const short of [
      { ...minimal, words: OCR_TEXT.minWords - 1 },
      { ...minimal, meanConfidence: OCR_TEXT.minConfidence - 0.1 },
      { ...minimal, areaShare: OCR_TEXT.minAreaShare - 0.001 },
    ]
  ) {
    const verdict = classifyContent(strong, short);
    assert.notEqual(verdict.label, "text", JSON.stringify(short));
    assert.ok(verdict.reasons.some((line) => line.startsWith("OCR does not back text")));
  }
});

Deno.test("a picture that is not text is a chart below the photo colour count, a photo above", () => {
  assert.equal(classifyContent(scored(0.05, { colours90: PHOTO_COLOURS - 1 })).label, "chart");
  assert.equal(classifyContent(scored(0.05, { colours90: PHOTO_COLOURS })).label, "photo");
});

Deno.test("a colourful picture with some text-line rows is a UI screen", () => {
  const ui = signals({ colours90: 40, lineRows: UI_LINE_ROWS, shortStrokes: 0.3 });
  assert.equal(classifyContent(ui).label, "ui");
  const photo = signals({ colours90: 40, lineRows: UI_LINE_ROWS - 0.01, shortStrokes: 0.3 });
  assert.equal(classifyContent(photo).label, "photo");
});

Deno.test("contentSample draws the long side at CONTENT_SIDE and keeps the aspect ratio", async () => {
  const image = new Image();
  image.src = corpusBytes(byName("doc_r_intro_prose_p15_200dpi.png"));
  await image.decode();
  const sample = contentSample(image);
  assert.deepEqual([sample.width, sample.height], [593, CONTENT_SIDE]);
  assert.equal(sample.data.length, 593 * CONTENT_SIDE * 4);
  const rotated = contentSample(image, 6);
  assert.deepEqual([rotated.width, rotated.height], [CONTENT_SIDE, 593]);
  const small = contentSample(createCanvas(300, 200));
  assert.deepEqual([small.width, small.height], [300, 200]);
});

Deno.test("the ink share at the top of a page counts dark pixels on light pages only", async () => {
  const { inkShareAtTop } = await import("../../workers/image/understand.ts");
  // 4×10 white page, 2 dark pixels in the top 3 rows, 6 below.
  const page = new Uint8ClampedArray(4 * 10 * 4).fill(255);
  const ink = (x: number, y: number) => page.fill(0, (y * 4 + x) * 4, (y * 4 + x) * 4 + 3);
  [[0, 0], [1, 2], [0, 5], [1, 5], [2, 6], [3, 7], [0, 8], [1, 9]].forEach(([x, y]) => ink(x, y));
  assert.equal(inkShareAtTop(page, 4, 10, 0.3), 2 / 8);
  // A dark page (a terminal) has no meaningful ink share.
  const dark = new Uint8ClampedArray(4 * 10 * 4).map((_, i) => i % 4 === 3 ? 255 : 0);
  assert.equal(inkShareAtTop(dark, 4, 10, 0.3), undefined);
});
