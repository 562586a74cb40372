import assert from "node:assert/strict";
import { probeImage } from "../../workers/image/probe.ts";
import type { ImageInfo } from "../../workers/image/types.ts";
import { baseName, corpusBytes, corpusItems, fixture } from "./_images.ts";

const MANIFEST_FORMAT: Record<string, ImageInfo["format"]> = {
  JPEG: "jpeg",
  PNG: "png",
  WEBP: "webp",
};

Deno.test("probe reads every corpus image's format and size as the manifest states them", () => {
  const items = corpusItems().filter((item) => item.format !== undefined);
  assert.ok(items.length >= 60, `only ${items.length} corpus images found`);
  for (const item of items) {
    const info = probeImage(corpusBytes(item));
    assert.deepEqual(
      info && { format: info.format, width: info.width, height: info.height },
      { format: MANIFEST_FORMAT[item.format!], width: item.width, height: item.height },
      baseName(item),
    );
  }
});

Deno.test("probe reports the corpus videos as not images", () => {
  const videos = corpusItems().filter((item) => item.format === undefined);
  assert.ok(videos.length > 0);
  for (const item of videos) assert.equal(probeImage(corpusBytes(item)), undefined, item.file);
});

Deno.test("probe reads the corpus PNG alpha and palette flags from the header", () => {
  const byName = new Map(corpusItems().map((item) => [baseName(item), item]));
  const probe = (name: string) => probeImage(corpusBytes(byName.get(name)!))!;
  assert.equal(probe("ui_gwenview_thumbnails_1027x844.png").colorSpace, "palette");
  assert.equal(probe("ui_gwenview_thumbnails_1027x844.png").mayHaveAlpha, true, "tRNS");
  assert.equal(probe("art_with_text_mate_logo_1920x1440.png").mayHaveAlpha, true, "RGBA");
  assert.equal(probe("code_terminal_cat_cpp_light.png").colorSpace, "gray");
  assert.equal(probe("photo_astronaut_512x512.png").mayHaveAlpha, false);
});

Deno.test("probe reads EXIF orientations 1-8 in both byte orders and swaps the display size for 5-8", () => {
  for (let orientation = 1; orientation <= 8; orientation++) {
    const info = probeImage(fixture(`orient_${orientation}.jpg`))!;
    const stored = orientation >= 5 ? [48, 64] : [64, 48];
    assert.deepEqual(
      [info.orientation, info.width, info.height, info.displayWidth, info.displayHeight],
      [orientation, ...stored, 64, 48],
      `orient_${orientation}.jpg`,
    );
  }
});

Deno.test("probe reads orientation from a WebP EXIF chunk, a PNG eXIf chunk and an AVIF irot", () => {
  for (const name of ["orient_6.webp", "orient_6_exif.png", "orient_6.avif"]) {
    const info = probeImage(fixture(name))!;
    assert.deepEqual(
      [info.orientation, info.width, info.height, info.displayWidth, info.displayHeight],
      [6, 48, 64, 64, 48],
      name,
    );
  }
});

Deno.test("probe reads colour space, bit depth, alpha and animation of each fixture", () => {
  const expected: Record<string, Partial<ImageInfo>> = {
    "palette.png": { format: "png", colorSpace: "palette", bitDepth: 2, mayHaveAlpha: false },
    "gray.png": { format: "png", colorSpace: "gray", bitDepth: 8, mayHaveAlpha: false },
    "rgb16.png": { format: "png", colorSpace: "rgb", bitDepth: 16, mayHaveAlpha: false },
    "rgba_opaque.png": { format: "png", colorSpace: "rgb", mayHaveAlpha: true, animated: false },
    "rgba_transparent.png": { format: "png", colorSpace: "rgb", mayHaveAlpha: true },
    "apng_2frames.png": { format: "png", animated: true, mayHaveAlpha: false },
    "cmyk.jpg": { format: "jpeg", colorSpace: "cmyk", bitDepth: 8 },
    "gray.jpg": { format: "jpeg", colorSpace: "gray" },
    "progressive.jpg": { format: "jpeg", colorSpace: "rgb", width: 64, height: 48 },
    "animated.gif": { format: "gif", animated: true, width: 64, height: 48 },
    "lossy.webp": { format: "webp", mayHaveAlpha: false, animated: false, width: 64 },
    "lossless_alpha.webp": { format: "webp", mayHaveAlpha: true, animated: false, width: 64 },
    "animated.webp": { format: "webp", animated: true, width: 64, height: 48 },
    "rgb24.bmp": { format: "bmp", bitDepth: 24, width: 64, height: 48, mayHaveAlpha: false },
    "image.avif": { format: "avif", width: 64, height: 48, orientation: 1 },
    "truncated.jpg": { format: "jpeg", width: 128, height: 96 },
  };
  for (const [name, fields] of Object.entries(expected)) {
    const info = probeImage(fixture(name))!;
    const picked = Object.fromEntries(
      Object.keys(fields).map((k) => [k, info[k as keyof ImageInfo]]),
    );
    assert.deepEqual(picked, fields, name);
  }
});

Deno.test("probe reports a decompression bomb's declared 30000x30000 from a file of a few KB", () => {
  const bytes = fixture("bomb_30000x30000.png");
  assert.ok(bytes.length < 8192);
  const info = probeImage(bytes)!;
  assert.deepEqual([info.width, info.height, info.bytes], [30000, 30000, bytes.length]);
});

Deno.test("probe returns undefined for bytes that are not an image", () => {
  assert.equal(probeImage(fixture("not_an_image.jpg")), undefined);
  assert.equal(probeImage(new Uint8Array()), undefined);
  assert.equal(probeImage(new TextEncoder().encode("GIF")), undefined);
});

Deno.test("probe returns undefined for a header cut short instead of throwing", () => {
  for (
    const name of [
      "palette.png",
      "orient_6.jpg",
      "lossy.webp",
      "animated.gif",
      "rgb24.bmp",
      "image.avif",
    ]
  ) {
    const bytes = fixture(name);
    // 12 bytes stops inside every one of these headers (GIF's is the shortest, at 13).
    for (const length of [4, 12]) {
      assert.equal(probeImage(bytes.subarray(0, length)), undefined, `${name} cut to ${length}`);
    }
  }
});

Deno.test("probe recognises a HEIC brand and takes its size from ispe", () => {
  const bytes = fixture("image.avif").slice();
  // The same box structure under the heic brand: only the ftyp brands differ.
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, 32));
  for (const at of [text.indexOf("avif"), text.lastIndexOf("avif")]) {
    bytes.set([0x68, 0x65, 0x69, 0x63], at);
  }
  const info = probeImage(bytes)!;
  assert.deepEqual([info.format, info.width, info.height], ["heic", 64, 48]);
});

Deno.test("probe takes microseconds: the whole corpus in well under a millisecond per file", () => {
  const files = corpusItems().filter((item) => item.format).map(corpusBytes);
  files.forEach((bytes) => probeImage(bytes));
  const start = performance.now();
  for (let round = 0; round < 10; round++) files.forEach((bytes) => probeImage(bytes));
  const perFile = (performance.now() - start) / (10 * files.length);
  assert.ok(perFile < 0.5, `${perFile.toFixed(3)} ms per file`);
});

Deno.test("probe never throws on damaged headers", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const names = [
    "palette.png",
    "orient_6.jpg",
    "orient_6.webp",
    "animated.gif",
    "rgb24.bmp",
    "orient_6.avif",
  ];
  for (const name of names) {
    const original = fixture(name);
    for (let round = 0; round < 300; round++) {
      const bytes = original.slice(0, 16 + Math.floor(random() * original.length));
      // Damage a few bytes past the signature, where the parsers read lengths and offsets.
      for (let hits = 0; hits < 4; hits++) {
        bytes[8 + Math.floor(random() * (bytes.length - 8))] = Math.floor(random() * 256);
      }
      probeImage(bytes);
    }
  }
});
