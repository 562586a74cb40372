/**
 * Cutting a page into bands read at once: only across a gap between lines, only where each band
 * is tall enough, never a camera photo, and read together the bands give the page's own words
 * and layout.
 */
import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import { collapseSpace, levenshtein } from "../../bench/ocr_accuracy.ts";
import { closeOcr, grayscale, recognize } from "../../workers/image/ocr.ts";
import { bandCuts, MIN_BAND_ROWS } from "../../workers/image/ocr_bands.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { understandImage } from "../../workers/image/understand.ts";
import { corpusDir } from "../support/squint.ts";

/** A corpus picture as OCR sees it: grayscale at `scale`. */
async function grayPage(file: string, scale: number) {
  const image = new Image();
  image.src = await Deno.readFile(`${corpusDir()}/images/${file}`);
  await image.decode();
  const width = Math.round(image.naturalWidth * scale);
  const height = Math.round(image.naturalHeight * scale);
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.drawImage(image, 0, 0, width, height);
  const gray = grayscale({ rgba: ctx.getImageData(0, 0, width, height).data, width, height });
  return { gray, width, height };
}

const inkless = (gray: Uint8Array, width: number, y: number) =>
  gray.subarray(y * width, (y + 1) * width).every((level) => level >= 160);

Deno.test("a page is cut across a gap between lines, near the middle", async () => {
  const { gray, width, height } = await grayPage("doc_r_intro_prose_p15_200dpi.png", 2);
  const cuts = bandCuts(gray, width, height, 2, 2);
  assert.equal(cuts.length, 3);
  assert.deepEqual([cuts[0], cuts[2]], [0, height]);
  assert.ok(Math.abs(cuts[1] - height / 2) <= height / 8, `cut at ${cuts[1]} of ${height}`);
  // The cut row and its neighbours hold no ink: no line is cut.
  for (const y of [cuts[1] - 1, cuts[1], cuts[1] + 1]) assert.ok(inkless(gray, width, y));
  // Asked for one band, or more than the page has room for, it gets what it can hold.
  assert.deepEqual(bandCuts(gray, width, height, 1, 2), [0, height]);
  assert.equal(
    bandCuts(gray, width, height, 8, 2).length - 1,
    Math.floor(height / (2 * MIN_BAND_ROWS)),
  );
});

/** How many ink pixels row `y` holds outside a column run at most `rule` wide. */
const inkBesideRules = (gray: Uint8Array, width: number, y: number, rule = 8) => {
  const row = gray.subarray(y * width, (y + 1) * width);
  let ink = 0;
  for (let x = 0; x < width;) {
    if (row[x] >= 160) {
      x++;
      continue;
    }
    let end = x;
    while (end < width && row[end] < 160) end++;
    if (end - x > rule) ink += end - x;
    x = end;
  }
  return ink;
};

Deno.test("a page whose gap between lines lies a third of the way down is cut there", async () => {
  // The duck invoice (read at 1.5×): below its header the item table's rules run down the
  // page, so its one gap between lines near the middle is above the table, at a third.
  const page = await grayPage("invoice_commercial_duck_table_p1_200dpi.png", 1.5);
  const cuts = bandCuts(page.gray, page.width, page.height, 2, 1.5);
  assert.equal(cuts.length, 3);
  assert.ok(cuts[1] > 0.3 * page.height && cuts[1] < 0.4 * page.height, `cut at ${cuts[1]}`);
  for (const y of [cuts[1] - 1, cuts[1], cuts[1] + 1]) assert.ok(inkless(page.gray, page.width, y));
});

Deno.test("a page in a frame is cut between lines across the frame's rules, a dark panel or a ruled table is not", async () => {
  // A web page whose content column is framed by two 1 px rules down the whole screen.
  const framed = await grayPage("web_opencv_thresholding_1440x900.png", 2);
  const cuts = bandCuts(framed.gray, framed.width, framed.height, 2, 2);
  assert.equal(cuts.length, 3);
  assert.ok(Math.abs(cuts[1] - framed.height / 2) <= framed.height / 8, `cut at ${cuts[1]}`);
  for (const y of [cuts[1] - 1, cuts[1], cuts[1] + 1]) {
    assert.ok(!inkless(framed.gray, framed.width, y), "the rules run through the cut");
    assert.equal(inkBesideRules(framed.gray, framed.width, y), 0, `row ${y}`);
  }
  // Beside a dark panel (its left 600 columns dark, the left rule among them, as a navigation
  // sidebar is) the page is not cut: the panel's light text, not ink, could lie on any row.
  const paneled = framed.gray.slice();
  for (let y = 0; y < framed.height; y++) {
    paneled.fill(40, y * framed.width, y * framed.width + 600);
  }
  assert.deepEqual(bandCuts(paneled, framed.width, framed.height, 2, 2), [0, framed.height]);
  // The duck invoice's item table alone (rows 800-1800 of the page): its rows sit between the
  // vertical rules of its columns, and cut there it lost its Quantity column (CER 0.19% → 3.81%).
  const page = await grayPage("invoice_commercial_duck_table_p1_200dpi.png", 1.5);
  const table = page.gray.subarray(1200 * page.width, 2700 * page.width);
  assert.deepEqual(bandCuts(table, page.width, 1500, 2, 1.5), [0, 1500]);
});

Deno.test("a short screen stays whole, and a photo with no gap between lines stays whole", async () => {
  // A dark terminal listing: 652 rows (1304 at 2×), too few to share (its columns need the whole
  // screen).
  const screen = await grayPage("term_dpkg_listing_dark.png", 2);
  assert.deepEqual(bandCuts(screen.gray, screen.width, screen.height, 2, 2), [0, screen.height]);
  const photo = await grayPage("receipt_photo_grindelwald_2448x3264.jpg", 0.5);
  assert.deepEqual(bandCuts(photo.gray, photo.width, photo.height, 2, 0.5), [0, photo.height]);
});

Deno.test("read in two bands, a page gives its words in page coordinates and its text as read whole", async () => {
  const file = "doc_r_intro_prose_p15_200dpi.png";
  const bytes = await Deno.readFile(`${corpusDir()}/images/${file}`);
  const truth = collapseSpace(
    await Deno.readTextFile(`${corpusDir()}/truth/${file.replace(".png", ".txt")}`),
  );
  try {
    const banded = await recognize(bytes, { bands: 2 });
    assert.equal(banded.bands, 2);
    const cer = levenshtein(truth, collapseSpace(banded.text)) / truth.length;
    assert.ok(cer <= 0.02, `CER ${(cer * 100).toFixed(2)}%`);
    assert.equal(banded.columns, 1);
    // Words of the lower band sit in the lower half of the page, in its own pixels.
    const last = banded.words.at(-1)!;
    assert.ok(last.y0 > 1100 && last.y1 <= 2200, `last word at ${last.y0}-${last.y1}`);
    assert.ok(banded.words.every((w, i, all) => i === 0 || w.y0 >= all[i - 1].y0 - 40));
  } finally {
    await closeOcr();
  }
});

Deno.test("a camera photo of paper is read whole, whatever the bands allowed", async () => {
  const bytes = await Deno.readFile(
    `${corpusDir()}/images/receipt_photo_grindelwald_2448x3264.jpg`,
  );
  try {
    assert.equal((await recognize(bytes, { bands: 2 })).bands, 1);
  } finally {
    await closeOcr();
  }
});

Deno.test("the look tells a camera photo of paper (read whole) from rendered pages and screens", async () => {
  const photos: string[] = [];
  for (
    const file of [
      "receipt_photo_grindelwald_2448x3264.jpg",
      "doc_acm_sigconf_title_twocol_p1_300dpi.png",
      "doc_business_letter_topletter_p1_200dpi.jpg",
      "term_dpkg_listing_dark.png",
      "web_gnuplot_manual_1280x720.png",
    ]
  ) {
    const bytes = await Deno.readFile(`${corpusDir()}/images/${file}`);
    const look = await understandImage(bytes, probeImage(bytes)!, { ocr: false, maxPixels: 1e8 });
    if (look.cameraPhoto) photos.push(file);
  }
  assert.deepEqual(photos, ["receipt_photo_grindelwald_2448x3264.jpg"]);
});
