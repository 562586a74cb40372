import assert from "node:assert/strict";
import { Image } from "@napi-rs/canvas";
import { probeImage } from "../../workers/image/probe.ts";
import { RenderError, renderImage } from "../../workers/image/render.ts";
import type { ImageInfo, RenderSpec } from "../../workers/image/types.ts";
import { corners, decodePixels, fixture, pixel, UPRIGHT } from "./_images.ts";

const PNG_HALF: RenderSpec = { width: 32, height: 24, format: "png", quality: 90 };

async function render(name: string, spec: RenderSpec = PNG_HALF) {
  const bytes = fixture(name);
  return await renderImage(bytes, probeImage(bytes)!, spec);
}

async function renderedPixels(name: string, spec: RenderSpec = PNG_HALF) {
  return await decodePixels((await render(name, spec)).bytes);
}

async function assertRenderError(promise: Promise<unknown>, reason: RenderError["reason"]) {
  await assert.rejects(promise, (error) => error instanceof RenderError && error.reason === reason);
}

Deno.test("JPEGs with EXIF orientation 1-8 render upright, the orientation applied exactly once", async () => {
  for (let orientation = 1; orientation <= 8; orientation++) {
    const name = `orient_${orientation}.jpg`;
    const rendered = await render(name);
    assert.deepEqual([rendered.width, rendered.height], [32, 24], name);
    assert.deepEqual(corners(await decodePixels(rendered.bytes)), UPRIGHT, name);
  }
});

Deno.test("WebP EXIF, PNG eXIf and AVIF irot orientations render upright", async () => {
  for (const name of ["orient_6.webp", "orient_6_exif.png", "orient_6.avif"]) {
    assert.deepEqual(corners(await renderedPixels(name)), UPRIGHT, name);
  }
});

Deno.test("Skia applies EXIF orientation to JPEG on decode but not to WebP, PNG or AVIF", async () => {
  const decodedSize = async (name: string) => {
    const image = new Image();
    image.src = fixture(name);
    await image.decode();
    return [image.naturalWidth, image.naturalHeight];
  };
  assert.deepEqual(await decodedSize("orient_6.jpg"), [64, 48]);
  for (const name of ["orient_6.webp", "orient_6_exif.png", "orient_6.avif"]) {
    assert.deepEqual(await decodedSize(name), [48, 64], name);
  }
});

Deno.test("a CMYK JPEG renders the colours ImageMagick decodes, not inverted ones", async () => {
  const decoded = await renderedPixels("cmyk.jpg", { ...PNG_HALF, width: 64, height: 48 });
  const expected = [[2, 2, [255, 0, 0]], [61, 2, [195, 255, 0]], [2, 45, [17, 60, 255]], [
    61,
    45,
    [251, 255, 10],
  ]] as const;
  for (const [x, y, rgb] of expected) {
    const got = pixel(decoded, x, y);
    assert.ok(rgb.every((c, i) => Math.abs(c - got[i]) <= 8), `(${x},${y}) is ${got}, want ${rgb}`);
  }
});

Deno.test("a 16-bit PNG renders its samples scaled to 8 bits", async () => {
  const decoded = await renderedPixels("rgb16.png", { ...PNG_HALF, width: 64, height: 48 });
  assert.deepEqual(pixel(decoded, 48, 8), [0, 128, 0, 255]);
  assert.deepEqual(pixel(decoded, 8, 8), [255, 0, 0, 255]);
});

Deno.test("palette and grayscale PNGs render their exact colours", async () => {
  const full = { ...PNG_HALF, width: 64, height: 48 };
  assert.deepEqual(corners(await renderedPixels("palette.png", full)), UPRIGHT);
  const gray = await renderedPixels("gray.png", full);
  assert.deepEqual(pixel(gray, 32, 10), [128, 128, 128, 255]);
  const grayJpeg = pixel(await renderedPixels("gray.jpg", full), 32, 10);
  assert.ok(grayJpeg[0] === grayJpeg[1] && grayJpeg[1] === grayJpeg[2], `${grayJpeg}`);
});

Deno.test("animated GIF, WebP and APNG render their first frame", async () => {
  for (const name of ["animated.gif", "animated.webp", "apng_2frames.png"]) {
    assert.deepEqual(pixel(await renderedPixels(name), 16, 12), [255, 0, 0, 255], name);
  }
});

Deno.test("BMP, lossy WebP, progressive JPEG and AVIF render upright", async () => {
  for (const name of ["rgb24.bmp", "lossy.webp", "progressive.jpg", "image.avif"]) {
    assert.deepEqual(corners(await renderedPixels(name)), UPRIGHT, name);
  }
});

Deno.test("real transparency keeps PNG and its alpha even when JPEG is asked", async () => {
  for (const name of ["rgba_transparent.png", "lossless_alpha.webp"]) {
    const rendered = await render(name, { ...PNG_HALF, format: "jpeg" });
    assert.equal(rendered.format, "png", name);
    assert.match(rendered.formatReason!, /^transparent/);
    const decoded = await decodePixels(rendered.bytes);
    assert.deepEqual(pixel(decoded, 0, 0), [0, 0, 0, 0], name);
    assert.deepEqual(pixel(decoded, 16, 12), [255, 0, 0, 255], name);
  }
});

Deno.test("an RGBA PNG whose alpha is all opaque is encoded as asked and judged opaque by auto", async () => {
  const asJpeg = await render("rgba_opaque.png", { ...PNG_HALF, format: "jpeg" });
  assert.deepEqual([asJpeg.format, asJpeg.formatReason], ["jpeg", "as asked"]);
  const auto = await render("rgba_opaque.png", { ...PNG_HALF, format: "auto" });
  assert.equal(auto.format, "png");
  assert.match(auto.formatReason!, /^not photo-like/);
});

Deno.test("a truncated JPEG renders the rows it has", async () => {
  const rendered = await render("truncated.jpg", {
    width: 64,
    height: 48,
    format: "auto",
    quality: 85,
  });
  assert.deepEqual([rendered.format, rendered.width, rendered.height], ["jpeg", 64, 48]);
  const decoded = await decodePixels(rendered.bytes);
  // The first rows survive: the generator's gradient starts dark red-green with blue near 128.
  const [r, g, b] = pixel(decoded, 1, 1);
  assert.ok(r < 40 && g < 40 && b > 80, `${[r, g, b]}`);
});

Deno.test("bytes that do not decode fail with decode_failed", async () => {
  const info = probeImage(fixture("orient_1.jpg"))!;
  await assertRenderError(
    renderImage(fixture("not_an_image.jpg"), info, PNG_HALF),
    "decode_failed",
  );
});

Deno.test("a header whose size the decoder contradicts is refused", async () => {
  const bytes = fixture("orient_1.jpg");
  const info: ImageInfo = { ...probeImage(bytes)!, width: 640, displayWidth: 640 };
  await assertRenderError(renderImage(bytes, info, PNG_HALF), "decode_failed");
});

Deno.test("a decompression bomb is refused from its header before any decode", async () => {
  const bytes = fixture("bomb_30000x30000.png");
  const start = performance.now();
  await assertRenderError(renderImage(bytes, probeImage(bytes)!, PNG_HALF), "too_large");
  assert.ok(performance.now() - start < 50);
});

Deno.test("a caller's tighter pixel limit is honoured", async () => {
  const bytes = fixture("palette.png");
  await assertRenderError(
    renderImage(bytes, probeImage(bytes)!, PNG_HALF, { maxPixels: 1000 }),
    "too_large",
  );
});

Deno.test("formats Skia cannot decode are refused as unsupported", async () => {
  const info = { ...probeImage(fixture("image.avif"))!, format: "heic" as const };
  await assertRenderError(renderImage(fixture("image.avif"), info, PNG_HALF), "unsupported");
});

Deno.test("sizes and qualities outside the allowed range are refused", async () => {
  const bytes = fixture("palette.png");
  const info = probeImage(bytes)!;
  for (
    const spec of [{ ...PNG_HALF, width: 0 }, { ...PNG_HALF, height: 20000 }, {
      ...PNG_HALF,
      quality: 0,
    }]
  ) {
    await assertRenderError(renderImage(bytes, info, spec), "bad_spec");
  }
});

Deno.test("the same input and spec give byte-identical output", async () => {
  const cases: [string, RenderSpec][] = [
    ["orient_6.jpg", { width: 50, height: 37, format: "jpeg", quality: 80 }],
    ["orient_6.webp", { width: 40, height: 30, format: "png", quality: 80 }],
    ["rgba_transparent.png", { width: 33, height: 25, format: "auto", quality: 80 }],
    ["animated.gif", { width: 16, height: 12, format: "auto", quality: 80 }],
  ];
  for (const [name, spec] of cases) {
    const [first, second] = [await render(name, spec), await render(name, spec)];
    assert.deepEqual(first.bytes, second.bytes, name);
  }
});

Deno.test("a JPEG whose EXIF segment follows the frame header is probed and rendered upright", async () => {
  const original = fixture("orient_6.jpg");
  const segmentEnd = (at: number) => at + 2 + ((original[at + 2] << 8) | original[at + 3]);
  // The generator puts APP1 right after SOI; move it to just after the SOF0 segment.
  const app1 = original.subarray(2, segmentEnd(2));
  let sof = segmentEnd(2);
  while (original[sof + 1] !== 0xc0) sof = segmentEnd(sof);
  const bytes = new Uint8Array([
    ...original.subarray(0, 2),
    ...original.subarray(app1.length + 2, segmentEnd(sof)),
    ...app1,
    ...original.subarray(segmentEnd(sof)),
  ]);
  const info = probeImage(bytes)!;
  assert.deepEqual([info.orientation, info.displayWidth, info.displayHeight], [6, 64, 48]);
  const rendered = await renderImage(bytes, info, PNG_HALF);
  assert.deepEqual(corners(await decodePixels(rendered.bytes)), UPRIGHT);
});
