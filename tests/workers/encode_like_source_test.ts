import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import { resizeUpright } from "../../workers/image/downscale.ts";
import { distinctColors, indexLikeSource } from "../../workers/image/palette.ts";
import {
  encodeIndexedPng,
  encodePng,
  PNG_COLOR_TYPE,
  PNG_COMPRESSION,
  pngColorType,
} from "../../workers/image/png_encode.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { renderImage } from "../../workers/image/render.ts";
import { jpegQuality, webpLossless } from "../../workers/image/source_encoding.ts";
import { CORPUS_DIR, decodePixels, fixture } from "./_images.ts";

const corpus = (file: string) => Deno.readFileSync(`${CORPUS_DIR}/images/${file}`);

async function decoded(bytes: Uint8Array): Promise<Image> {
  const image = new Image();
  image.src = bytes;
  await image.decode();
  return image;
}

/** RGBA pixels of `image` drawn at its own size. */
function pixelsOf(image: Image): Uint8ClampedArray {
  const { naturalWidth: w, naturalHeight: h } = image;
  const ctx = createCanvas(w, h).getContext("2d");
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, w, h).data;
}

Deno.test("a gray PNG and a gray+alpha PNG written here decode to exactly their samples", async () => {
  const [width, height] = [37, 11];
  const gray = Uint8Array.from({ length: width * height }, (_, i) => (i * 7) & 0xff);
  const back = await decodePixels(encodePng({ width, height, colorType: 0, samples: gray }));
  assert.deepEqual([back.width, back.height], [width, height]);
  for (let p = 0; p < gray.length; p++) {
    assert.deepEqual([...back.data.subarray(4 * p, 4 * p + 4)], [gray[p], gray[p], gray[p], 255]);
  }
  const withAlpha = Uint8Array.from(
    { length: width * height * 2 },
    (_, i) => i % 2 ? 255 : i & 0xff,
  );
  const bytes = encodePng({
    width,
    height,
    colorType: PNG_COLOR_TYPE.grayAlpha,
    samples: withAlpha,
  });
  assert.equal(pngColorType(bytes), PNG_COLOR_TYPE.grayAlpha);
  const alphaBack = await decodePixels(bytes);
  assert.equal(alphaBack.data[4 * 5], withAlpha[10]);
});

Deno.test("an indexed PNG with translucent entries decodes to exactly its palette colours", async () => {
  const palette = Uint8Array.from([0, 0, 0, 0, 255, 0, 0, 128, 10, 200, 30, 255]);
  const indices = Uint8Array.from({ length: 8 * 4 }, (_, i) => i % 3);
  const bytes = encodeIndexedPng({ width: 8, height: 4, palette, indices });
  assert.equal(pngColorType(bytes), PNG_COLOR_TYPE.indexed);
  assert.equal(probeImage(bytes)?.mayHaveAlpha, true, "tRNS is written");
  const back = await decodePixels(bytes);
  // Skia hands back unpremultiplied pixels; half-transparent red survives the round trip.
  assert.deepEqual([...back.data.subarray(4, 8)], [255, 0, 0, 128]);
  assert.deepEqual([...back.data.subarray(8, 12)], [10, 200, 30, 255]);
  assert.equal(back.data[3], 0);
});

Deno.test("the quality read from a JPEG's table is the quality it was written at", () => {
  const canvas = createCanvas(64, 64);
  canvas.getContext("2d").fillRect(0, 0, 10, 10);
  for (const quality of [30, 50, 75, 85, 95]) {
    assert.equal(jpegQuality(new Uint8Array(canvas.encodeSync("jpeg", quality))), quality);
  }
  assert.equal(jpegQuality(corpus("photo_boats_sunset_2560x1600.jpg")), 70);
  assert.equal(jpegQuality(fixture("palette.png")), undefined);
});

Deno.test("a WebP is known lossless or lossy from its image chunk", () => {
  const canvas = createCanvas(16, 16);
  assert.equal(webpLossless(new Uint8Array(canvas.encodeSync("webp", 100))), true);
  assert.equal(webpLossless(new Uint8Array(canvas.encodeSync("webp", 80))), false);
  assert.equal(webpLossless(fixture("lossless_alpha.webp")), true);
  assert.equal(webpLossless(corpus("art_truchet_4096x4096.webp")), false);
  assert.equal(webpLossless(fixture("palette.png")), undefined);
});

Deno.test("a resized palette source keeps every source colour and spends the rest on blends", async () => {
  const image = await decoded(corpus("ui_gwenview_thumbnails_1027x844.png"));
  const source = distinctColors(pixelsOf(image))!;
  assert.equal(source.length, 237);
  const render = resizeUpright(image, { width: 514, height: 422, orientation: 1, alpha: true });
  const rgba = render.getContext("2d").getImageData(0, 0, 514, 422).data;
  assert.equal(distinctColors(rgba), undefined, "the resize made more than 256 colours");
  const { palette, indices } = indexLikeSource(rgba, source);
  assert.equal(palette.length, 256 * 4);
  const entries = new Set<number>();
  for (let e = 0; e < 256; e++) {
    const [r, g, b, a] = palette.subarray(4 * e, 4 * e + 4);
    entries.add(((r << 24) | (g << 16) | (b << 8) | a) >>> 0);
  }
  assert.ok(source.every((color) => entries.has(color)), "every source colour has its entry");
  let squared = 0;
  for (let p = 0; p < indices.length; p++) {
    for (let k = 0; k < 4; k++) squared += (rgba[4 * p + k] - palette[4 * indices[p] + k]) ** 2;
  }
  const psnr = 10 * Math.log10((255 * 255) / (squared / rgba.length));
  assert.ok(psnr > 38, `PSNR ${psnr.toFixed(1)} dB against the unquantized render`);
});

Deno.test("renders keep the source's economy: palette, gray, WebP, and a JPEG's own quality", async () => {
  const render = async (file: string, width: number, height: number) => {
    const bytes = corpus(file);
    return await renderImage(bytes, probeImage(bytes)!, {
      width,
      height,
      format: "auto",
      quality: 85,
    });
  };
  const palette = await render("ui_gwenview_thumbnails_1027x844.png", 934, 768);
  assert.equal(pngColorType(palette.bytes), PNG_COLOR_TYPE.indexed, palette.formatReason!);
  assert.match(palette.formatReason!, /^transparent: palette png/);
  const gray = await render("code_terminal_cat_cpp_light.png", 512, 497);
  assert.equal(pngColorType(gray.bytes), PNG_COLOR_TYPE.gray, gray.formatReason!);
  const webp = await render("art_truchet_4096x4096.webp", 1152, 1152);
  assert.deepEqual([webp.format, probeImage(webp.bytes)?.format], ["webp", "webp"]);
  const photo = await render("photo_boats_sunset_2560x1600.jpg", 1280, 800);
  assert.equal(jpegQuality(photo.bytes), 70, photo.formatReason!);
});

Deno.test("a JPEG page asked as PNG is compressed as flat, as a PNG page is", async () => {
  const cases = [
    { file: "doc_gnuplot_manual_code_p30_200dpi.jpg", compression: PNG_COMPRESSION.flat },
    { file: "doc_latex_news_twocol_p1_200dpi.png", compression: PNG_COMPRESSION.flat },
  ];
  for (const { file, compression } of cases) {
    const bytes = corpus(file);
    const info = probeImage(bytes)!;
    const width = 612;
    const height = Math.round((width * info.displayHeight) / info.displayWidth);
    const rendered = await renderImage(bytes, info, { width, height, format: "png", quality: 85 });
    assert.equal(rendered.formatReason, "as asked");
    // The same pixels written as the source's texture calls for give the same bytes.
    const pixels = await decodePixels(rendered.bytes);
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, o = 0; i < pixels.data.length; i += 4, o += 3) {
      rgb.set(pixels.data.subarray(i, i + 3), o);
    }
    const colorType = pngColorType(rendered.bytes);
    const samples = colorType === PNG_COLOR_TYPE.gray ? rgb.filter((_, i) => i % 3 === 0) : rgb;
    const expected = encodePng(
      { width, height, colorType: colorType as 0 | 2, samples },
      compression,
    );
    assert.equal(rendered.bytes.length, expected.length, file);
    assert.ok(rendered.bytes.every((byte, i) => byte === expected[i]), file);
  }
});
