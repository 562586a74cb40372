/**
 * Understanding a picture given a look already taken at it (the reading lane reads a page the
 * picture lane has looked at): the reading takes the look's measures and finds what a reading
 * that looks for itself finds.
 */
import assert from "node:assert/strict";
import { closeOcr } from "../../workers/image/ocr.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { linesOf, understandImage, type Understanding } from "../../workers/image/understand.ts";
import { joinLook } from "../../src/pipeline/understand.ts";
import { lateReading } from "../../src/pipeline/reading.ts";
import { corpusDir } from "../support/squint.ts";

async function corpusPage(file: string) {
  const bytes = await Deno.readFile(`${corpusDir()}/images/${file}`);
  return { bytes, info: probeImage(bytes)! };
}

/** A reading's findings with its wall time left out. */
const timeless = ({ ocr, ...found }: Understanding) => ({
  ...found,
  ...(ocr && { ocr: { ...ocr, ms: 0 } }),
});

Deno.test("a reading given its page's look finds what a reading that looks for itself finds: read whole, or judged by its top strip", async () => {
  try {
    for (
      const [file, textBudget, ending] of [
        // Read to the end.
        ["term_pdfinfo_green_80x24.png", 1000, undefined],
        // Judged by its top 30% and the look's share of the ink there: not read further.
        [
          "invoice_simpleinvoice_norwegian_p9_150dpi.png",
          300,
          /estimated from the top 30% of the page/,
        ],
      ] as const
    ) {
      const { bytes, info } = await corpusPage(file);
      const look = await understandImage(bytes, info, { ocr: false, maxPixels: 1e8 });
      assert.ok(look.measures, file);
      const options = { ocr: true, maxPixels: 1e8, textBudget };
      const alone = await understandImage(bytes, info, options);
      const given = await understandImage(bytes, info, { ...options, seen: look });
      assert.deepEqual(timeless(given), timeless(alone), file);
      assert.equal(given.measures, undefined);
      if (ending) assert.match(given.ocrSkipped ?? "", ending);
      else assert.ok(given.ocr!.words > 50, file);
    }
  } finally {
    await closeOcr();
  }
});

Deno.test("a look given is taken as it is, not measured again", async () => {
  const { bytes, info } = await corpusPage("term_pdfinfo_green_80x24.png");
  const look = await understandImage(bytes, info, { ocr: false, maxPixels: 1e8 });
  const lines = { lineHeight: 99, lines: 1 };
  const again = await understandImage(bytes, info, {
    ocr: false,
    maxPixels: 1e8,
    seen: { ...look, textLines: lines },
  });
  assert.deepEqual(again, { ...look, textLines: lines });
});

Deno.test("a camera photo of paper stays one in every finding: looked at, read, left unread, or late", async () => {
  const { bytes, info } = await corpusPage("receipt_photo_grindelwald_2448x3264.jpg");
  const look = await understandImage(bytes, info, { ocr: false, maxPixels: 1e8 });
  assert.equal(look.cameraPhoto, true);
  try {
    const read = await understandImage(bytes, info, {
      ocr: true,
      maxPixels: 1e8,
      textBudget: 100_000,
      seen: look,
    });
    assert.ok(read.ocr, "read");
    assert.equal(read.cameraPhoto, true, "read");
    // Its layout shows more text than 10 tokens: never recognised.
    const unread = await understandImage(bytes, info, {
      ocr: true,
      maxPixels: 1e8,
      textBudget: 10,
      seen: look,
    });
    assert.match(unread.ocrSkipped ?? "", /estimated from its layout/);
    assert.equal(unread.cameraPhoto, true, "unread");
  } finally {
    await closeOcr();
  }
  assert.equal(lateReading(look, 1000).cameraPhoto, true, "late");
});

Deno.test("a look taken in two halves at once (lines in one worker, the rest in another) is the look one worker takes", async () => {
  for (
    const file of [
      "doc_debian_policy_prose_p20_300dpi.jpg", // halved first, text
      "receipt_photo_grindelwald_2448x3264.jpg", // a camera photo of paper
      "web_gnuplot_manual_1280x720.png", // a screen
      "photo_boats_sunset_2560x1600.jpg", // no text lines shown
      "chart_gnuplot_finance_lines.png",
    ]
  ) {
    const { bytes, info } = await corpusPage(file);
    const options = { ocr: false, maxPixels: 1e8 };
    const whole = await understandImage(bytes, info, options);
    const rest = await understandImage(bytes, info, { ...options, lines: false });
    const { textLines } = await linesOf(bytes, info, options);
    assert.deepEqual(joinLook(rest, textLines), whole, file);
  }
});
