import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import { halvingsFor, resizeUpright } from "../../workers/image/downscale.ts";
import { baseName, corpusBytes, corpusImages } from "./_images.ts";

/** Exact area average (every source pixel weighted by its overlap), the reference downscale. */
function areaAverage(rgba: Uint8ClampedArray, w: number, h: number, outW: number, outH: number) {
  const sx = w / outW, sy = h / outH;
  const rows = new Float64Array(outW * h * 3);
  for (let x = 0; x < outW; x++) {
    const from = x * sx, to = Math.min(w, (x + 1) * sx);
    for (let source = Math.floor(from); source < Math.min(w, Math.ceil(to)); source++) {
      const weight = Math.min(to, source + 1) - Math.max(from, source);
      for (let y = 0; y < h; y++) {
        for (let c = 0; c < 3; c++) {
          rows[(y * outW + x) * 3 + c] += weight * rgba[(y * w + source) * 4 + c];
        }
      }
    }
  }
  const out = new Float64Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const from = y * sy, to = Math.min(h, (y + 1) * sy);
    for (let source = Math.floor(from); source < Math.min(h, Math.ceil(to)); source++) {
      const weight = Math.min(to, source + 1) - Math.max(from, source);
      for (let i = 0; i < outW * 3; i++) {
        out[y * outW * 3 + i] += weight * rows[source * outW * 3 + i];
      }
    }
  }
  return out.map((v) => v / (sx * sy));
}

function psnr(rgba: Uint8ClampedArray, reference: Float64Array): number {
  let squared = 0;
  for (let p = 0; p < reference.length / 3; p++) {
    for (let c = 0; c < 3; c++) squared += (rgba[p * 4 + c] - reference[p * 3 + c]) ** 2;
  }
  return 10 * Math.log10((255 * 255) / (squared / reference.length));
}

Deno.test("halvings are added only below a 0.7 scale, never past the source size or the 16 MP stage cap", () => {
  assert.equal(halvingsFor(1.5, 800, 600), 0);
  assert.equal(halvingsFor(0.75, 800, 600), 0);
  // One halving would draw the first stage at 1.24x the source: no detail gained, work wasted.
  assert.equal(halvingsFor(0.62, 800, 600), 0);
  assert.equal(halvingsFor(0.45, 800, 600), 1);
  assert.equal(halvingsFor(0.392, 1568, 802), 1);
  assert.equal(halvingsFor(0.19, 768, 393), 2);
  // A 5312x2988 photo to 1568 px: a second halving would need a 22 MP stage.
  assert.equal(halvingsFor(0.295, 1568, 882), 1);
  assert.equal(halvingsFor(0.01, 4000, 4000), 0);
});

Deno.test("a large downscale of a web page stays within 44 dB of an exact area average", async () => {
  const item = corpusImages().find((item) =>
    baseName(item) === "web_debian_reference_gui_1920x1080.png"
  )!;
  const image = new Image();
  image.src = corpusBytes(item);
  await image.decode();
  const [w, h, outW, outH] = [1920, 1080, 768, 432];
  const full = createCanvas(w, h).getContext("2d");
  full.drawImage(image, 0, 0);
  const reference = areaAverage(full.getImageData(0, 0, w, h).data, w, h, outW, outH);

  const ours = resizeUpright(image, { width: outW, height: outH, orientation: 1, alpha: false });
  const oursDb = psnr(ours.getContext("2d").getImageData(0, 0, outW, outH).data, reference);
  // One "medium" drawImage is what the halvings replace; it scores ~33 dB here.
  const single = createCanvas(outW, outH).getContext("2d");
  single.imageSmoothingQuality = "medium";
  single.drawImage(image, 0, 0, outW, outH);
  const singleDb = psnr(single.getImageData(0, 0, outW, outH).data, reference);
  assert.ok(oursDb >= 44, `${oursDb.toFixed(1)} dB`);
  assert.ok(
    oursDb - singleDb >= 10,
    `ours ${oursDb.toFixed(1)} dB, single draw ${singleDb.toFixed(1)} dB`,
  );
});
