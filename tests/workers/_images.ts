/**
 * Shared by the image worker tests: where the corpus and fixtures live, and how to read a
 * rendered pixel back.
 *
 * @module
 */

import { createCanvas, Image } from "@napi-rs/canvas";

/** One corpus entry as manifest.json lists it (only the fields these tests read). */
export interface CorpusItem {
  file: string;
  category: string;
  width: number;
  height: number;
  /** `JPEG`, `PNG`, `WEBP` for images; absent for videos. */
  format?: string;
}

/** The corpus folder: `SQUINT_CORPUS_DIR`, or `../shared/corpus` next to the repo root. */
export const CORPUS_DIR = Deno.env.get("SQUINT_CORPUS_DIR") ??
  new URL("../../../shared/corpus", import.meta.url).pathname;

/** Every item of the corpus manifest. */
export function corpusItems(): CorpusItem[] {
  return JSON.parse(Deno.readTextFileSync(`${CORPUS_DIR}/manifest.json`));
}

/** The corpus items that are still images. */
export function corpusImages(): CorpusItem[] {
  return corpusItems().filter((item) => item.format !== undefined);
}

/** Bytes of a corpus file, by its manifest path. */
export function corpusBytes(item: CorpusItem): Uint8Array {
  return Deno.readFileSync(`${CORPUS_DIR}/${item.file}`);
}

/** The name of a corpus file without its folder. */
export const baseName = (item: CorpusItem): string => item.file.split("/").pop()!;

/** Bytes of a fixture in tests/fixtures/images. */
export function fixture(name: string): Uint8Array {
  return Deno.readFileSync(new URL(`../fixtures/images/${name}`, import.meta.url));
}

/** The fixtures' quadrant colours, as make_fixtures.ts paints them upright. */
export const QUADRANTS = {
  topLeft: [255, 0, 0],
  topRight: [0, 255, 0],
  bottomLeft: [0, 0, 255],
  bottomRight: [255, 255, 0],
} as const;

/** Decodes an encoded image and returns its RGBA pixels. */
export async function decodePixels(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const image = new Image();
  image.src = bytes;
  await image.decode();
  const { naturalWidth: width, naturalHeight: height } = image;
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.drawImage(image, 0, 0);
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}

/** The RGBA value at (x, y) of decoded pixels. */
export function pixel(
  decoded: { width: number; data: Uint8ClampedArray },
  x: number,
  y: number,
): number[] {
  const at = (y * decoded.width + x) * 4;
  return [...decoded.data.subarray(at, at + 4)];
}

/** Which quadrant colour an RGB value is (within a JPEG's error), or `undefined`. */
export function quadrantOf(rgb: number[]): keyof typeof QUADRANTS | undefined {
  const near = (a: readonly number[]) => a.every((c, i) => Math.abs(c - rgb[i]) <= 40);
  return (Object.keys(QUADRANTS) as (keyof typeof QUADRANTS)[]).find((k) => near(QUADRANTS[k]));
}

/** The quadrant colours seen 2 px inside each corner, named by where they were found. */
export function corners(decoded: { width: number; height: number; data: Uint8ClampedArray }) {
  const { width: w, height: h } = decoded;
  return {
    topLeft: quadrantOf(pixel(decoded, 2, 2)),
    topRight: quadrantOf(pixel(decoded, w - 3, 2)),
    bottomLeft: quadrantOf(pixel(decoded, 2, h - 3)),
    bottomRight: quadrantOf(pixel(decoded, w - 3, h - 3)),
  };
}

/** What `corners` returns for an upright quadrant picture. */
export const UPRIGHT = {
  topLeft: "topLeft",
  topRight: "topRight",
  bottomLeft: "bottomLeft",
  bottomRight: "bottomRight",
} as const;
