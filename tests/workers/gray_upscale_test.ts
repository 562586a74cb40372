/**
 * The grayscale upscale OCR reads pages at: Skia's own upscale ("high" quality, then the luma),
 * one byte a pixel.
 */
import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import { upscaleGray } from "../../workers/image/gray_upscale.ts";
import { grayscale } from "../../workers/image/ocr.ts";
import { corpusDir } from "../support/squint.ts";

Deno.test("a page upscaled as grayscale is Skia's high-quality upscale of its colours, to a grey level", async () => {
  for (const file of ["web_gnuplot_manual_1280x720.png", "doc_r_intro_prose_p15_200dpi.png"]) {
    const image = new Image();
    image.src = await Deno.readFile(`${corpusDir()}/images/${file}`);
    await image.decode();
    const { naturalWidth: width, naturalHeight: height } = image;
    const page = createCanvas(width, height);
    page.getContext("2d").drawImage(image, 0, 0);
    const gray = grayscale({
      rgba: page.getContext("2d").getImageData(0, 0, width, height).data,
      width,
      height,
    });
    for (const scale of [1.5, 2]) {
      const ours = upscaleGray({ gray, width, height }, scale);
      const [w, h] = [Math.round(width * scale), Math.round(height * scale)];
      assert.deepEqual([ours.width, ours.height], [w, h]);
      const ctx = createCanvas(w, h).getContext("2d");
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(page, 0, 0, w, h);
      const skia = grayscale({ rgba: ctx.getImageData(0, 0, w, h).data, width: w, height: h });
      let apart = 0;
      for (let i = 0; i < skia.length; i++) if (Math.abs(ours.gray[i] - skia[i]) > 1) apart++;
      // Colours interpolated then made grey clamp their overshoot per channel: a few pixels at
      // coloured edges differ by more than a level.
      assert.ok(apart / skia.length < 1e-4, `${file} ×${scale}: ${apart} pixels apart`);
    }
  }
});

Deno.test("a flat grey stays that grey, edges included, and black and white stay in range", () => {
  const flat = upscaleGray({ gray: new Uint8Array(12).fill(77), width: 4, height: 3 }, 2);
  assert.deepEqual([flat.width, flat.height], [8, 6]);
  assert.ok(flat.gray.every((level) => level === 77));
  // A hard black-white edge, as Skia draws it: the cubic's undershoot beside it (-6) and its
  // overshoot (261) are clamped, never wrapped.
  const edge = upscaleGray({ gray: Uint8Array.from([0, 0, 255, 255]), width: 4, height: 1 }, 2);
  const row = [0, 0, 0, 62, 193, 255, 255, 255];
  assert.deepEqual([...edge.gray], [...row, ...row]);
});
