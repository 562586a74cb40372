/**
 * The legibility floor, read: a glance question on corpus text pages and screenshots yields a
 * picture whose text, as the provider would see it, reads within 1.1× of the error rate of the
 * provider's own view of the original (tesseract.js, squint's own OCR engine, as the reader; the
 * instrument of bench/legibility_view.ts). The same plan without the floor is read too, to show
 * the test can fail: that 512-px glance loses most of the text. Three images keep it quick; the
 * bench (section e) reads every text image for every model and intent.
 */
import assert from "node:assert/strict";
import { classifyIntent } from "../../src/optimize/intent/classify.ts";
import { type ImageFacts, planImage } from "../../src/optimize/plan_image.ts";
import { understandImage } from "../../workers/image/understand.ts";
import { probeImage } from "../../workers/image/probe.ts";
import {
  errorRate,
  openOriginal,
  originalView,
  readsAsWell,
  squintView,
  tesseractJsReader,
} from "../../bench/legibility_view.ts";
import { corpusDir } from "../support/squint.ts";
import { balanced, family } from "./_plan.ts";

const GLANCE = "What is in this image?";
const CONTROLS = { ...balanced, ocr: "off" as const };

/** The image's truth text, by its manifest entry. */
function truthOf(file: string): string {
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir()}/manifest.json`)) as {
    file: string;
    truth_text: string | null;
  }[];
  const entry = manifest.find((m) => m.file === `images/${file}`)!;
  return Deno.readTextFileSync(`${corpusDir()}/${entry.truth_text}`);
}

Deno.test("a glance at corpus text pages and screenshots keeps their text as readable as the provider's own view", async () => {
  const reader = tesseractJsReader();
  try {
    // [file, model, whether the 512-px glance without the floor loses the text]
    const cases = [
      // gpt-4o shows this page's lines at 12.4 px: the glance is its full view
      ["doc_r_intro_prose_p15_200dpi.png", "gpt-4o", true],
      // 37-px lines: the glance shrinks the slide to 20-px lines, for 884 tokens, not 1564
      ["doc_slide_sparse_text_p2_150dpi.png", "claude-sonnet-4-6", false],
      // a web manual screenshot, 16-px lines
      ["web_gnuplot_manual_1280x720.png", "gpt-4o", true],
    ] as const;
    for (const [file, model, unflooredLoses] of cases) {
      const bytes = Deno.readFileSync(`${corpusDir()}/images/${file}`);
      const info = probeImage(bytes)!;
      const found = await understandImage(bytes, info, { ocr: false, maxPixels: 100_000_000 });
      const facts: ImageFacts = {
        info,
        bytes: bytes.byteLength,
        question: GLANCE,
        intent: classifyIntent({ text: GLANCE }),
        content: found.content,
        textLines: found.textLines,
      };
      assert.equal(facts.intent!.label, "glance", file);
      const rule = family(model).image;
      const original = await openOriginal(bytes, info);
      const truth = truthOf(file);
      const theirs = await errorRate(reader, originalView(original, rule, "auto"), truth, [0]);
      const floored = planImage(facts, family(model), CONTROLS);
      const mine = await errorRate(
        reader,
        await squintView(original, rule, floored, "auto"),
        truth,
        [0],
      );
      const label = `${file} on ${model}: original's view ${theirs.mean.toFixed(3)}, ` +
        `squint's ${mine.mean.toFixed(3)} (${floored.after.width}×${floored.after.height})`;
      assert.ok(readsAsWell(theirs, mine, 1.1), label);
      if (!unflooredLoses) {
        // Large text: the glance still saves, down to the floor.
        assert.ok(floored.after.tokens < floored.before.tokens, label);
        continue;
      }
      const unfloored = planImage(facts, family(model), CONTROLS, { legibleLinePx: 0 });
      const lost = await errorRate(
        reader,
        await squintView(original, rule, unfloored, "auto"),
        truth,
        [0],
      );
      assert.ok(lost.mean > 3 * theirs.mean + 0.05, `${label}; without the floor ${lost.mean}`);
    }
  } finally {
    await reader.close();
  }
});
