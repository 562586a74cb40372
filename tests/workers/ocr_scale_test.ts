import assert from "node:assert/strict";
import { defaultScale, leastScale } from "../../workers/image/ocr_scale.ts";

Deno.test("OCR upscales small text 2×, large text to lines of at least 30 px in half steps, large pictures not at all", () => {
  const screenshot = { width: 1280, height: 800 };
  const page200dpi = { width: 1700, height: 2200 };
  // Unknown or small lines (screenshots, 150 dpi pages): 2×.
  assert.equal(defaultScale(screenshot), 2);
  assert.equal(defaultScale(screenshot, false, 15), 2);
  assert.equal(defaultScale(page200dpi, false, 19.9), 2);
  // 200 dpi text: 20 to 29.9 px → 1.5×, 30 px and more → 1×.
  assert.equal(defaultScale(page200dpi, false, 20), 1.5);
  assert.equal(defaultScale(page200dpi, false, 24.8), 1.5);
  assert.equal(defaultScale(page200dpi, false, 29.9), 1.5);
  assert.equal(defaultScale(page200dpi, false, 30), 1);
  assert.equal(defaultScale(page200dpi, false, 60), 1);
  // Past 2400 px (300 dpi pages) as they are, whatever the lines; photos to a 1600 px long side.
  assert.equal(defaultScale({ width: 2550, height: 3300 }, false, 15), 1);
  assert.equal(defaultScale({ width: 2448, height: 3264 }, true), 1600 / 3264);
  // The least scale a picture may be read at, for a lower bound on its reading's work.
  assert.equal(leastScale(screenshot), 1);
  assert.equal(leastScale({ width: 2550, height: 3300 }), 1);
});
