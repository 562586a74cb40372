/**
 * A PNG writer for every 8-bit colour type: grayscale (with or without alpha), RGB, RGBA and
 * indexed colour (a palette, with a `tRNS` chunk when any entry is not opaque). Skia writes
 * only RGBA, four bytes a pixel before compression, so a gray page or a chart of a few colours
 * grew on every resize (issue 17); and its RGB(A) files were 10-30% larger than these (adaptive
 * filters, zlib level 9, then), measured on the corpus screenshots. Each texture of picture gets
 * the filter and level measured best for it (`PNG_COMPRESSION`). Deterministic: the same pixels
 * give the same bytes.
 *
 * @module
 */

import { deflateSync } from "node:zlib";

/** How a picture's scanlines are filtered before deflate, and at which zlib level. */
export interface PngCompression {
  /** `adaptive`: per row, the libpng heuristic's pick of the five filters; `none`: filter 0. */
  filter: "adaptive" | "none";
  level: number;
}

/**
 * How each texture of picture is compressed, measured on the corpus at 768 px wide:
 * - flat pictures (its PNG screenshots, pages, charts and terminals, and its JPEG text pages)
 *   repeat exact runs and rows, which filters only blur: unfiltered at level 9 is no larger than
 *   the adaptive filters on 28 of the corpus's 32 flat PNGs (all 32: 2.86 MB instead of 3.02)
 *   in 55% of the time (1.8 s instead of 3.3; a 200-dpi page 122 ms instead of 206). Level 6
 *   then takes a fifth of 9's time for 16% more bytes (the corpus's 35 PNGs at 1568 px: 0.62 s
 *   and 10.13 MB instead of 3.3 s and 8.70 MB; a dense 300-dpi page at 768 px 52 ms instead of
 *   217, 1.0 MB instead of 0.86): 9 saves 1.4 MB for 2.7 s, which pays only on an upload slower
 *   than ~4 Mbit/s, so a request would wait longer for 9's search than for the bytes it saves
 *   (and the search holds a worker under load). A JPEG text page's pixels carry its compression
 *   noise, yet its paper and ink are still runs: unfiltered, the corpus's 7 JPEG pages and 2
 *   JPEG screenshots took 27% less time in all than with the adaptive filters at 768 px (356 ms
 *   against 490; the 300-dpi page 124 against 143) and 50% less at 1568 px (562 against 1125),
 *   every page 3-8% smaller; only the desktop shot grew (166 → 201 KB at 768 px);
 * - photo-like pictures need the filters, and 9 is pathological on them (6.3 s instead of 0.3 s
 *   for 1568×882, for 7% fewer bytes).
 */
export const PNG_COMPRESSION = {
  flat: { filter: "none", level: 6 },
  photo: { filter: "adaptive", level: 6 },
} as const satisfies Record<string, PngCompression>;

/** PNG colour types (PNG 1.2 §4.1.1, IHDR). */
export const PNG_COLOR_TYPE = { gray: 0, rgb: 2, indexed: 3, grayAlpha: 4, rgba: 6 } as const;

/** Bytes a pixel of each direct colour type at 8 bits. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** A picture of direct samples (not indexed): `CHANNELS[colorType]` bytes a pixel. */
export interface DirectPixels {
  width: number;
  height: number;
  colorType: 0 | 2 | 4 | 6;
  samples: Uint8Array;
}

/** A palette picture: one index a pixel into `palette` (RGBA entries, at most 256). */
export interface IndexedPixels {
  width: number;
  height: number;
  /** RGBA, four bytes an entry. */
  palette: Uint8Array;
  indices: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff) >>> 0);
  return out;
}

function header(width: number, height: number, colorType: number): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data[8] = 8; // bit depth
  data[9] = colorType;
  return data; // compression, filter and interlace methods all 0
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function assemble(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(SIGNATURE);
  let at = SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The Paeth predictor (PNG 1.2 §6.6). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** |x| of a filtered byte read as signed: the cost libpng's heuristic sums. */
const signedCost = (v: number) => (v < 128 ? v : 256 - v);

/**
 * Filtered scanlines for continuous-tone rows: per row, the filter (None, Sub, Up, Average,
 * Paeth) with the least sum of absolute signed bytes, the heuristic libpng uses. One pass
 * prices all five; a second writes the chosen one.
 */
function filterAdaptive(samples: Uint8Array, rowBytes: number, bpp: number): Uint8Array {
  const rows = samples.length / rowBytes;
  const out = new Uint8Array(rows * (rowBytes + 1));
  const zero = new Uint8Array(rowBytes);
  for (let y = 0; y < rows; y++) {
    const row = samples.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? samples.subarray((y - 1) * rowBytes, y * rowBytes) : zero;
    // Plain locals, not an array: this loop is most of the encoder's time.
    let none = 0, sub = 0, upCost = 0, average = 0, paethCost = 0;
    for (let i = 0; i < rowBytes; i++) {
      const x = row[i];
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = up[i];
      const c = i >= bpp ? up[i - bpp] : 0;
      none += signedCost(x);
      sub += signedCost((x - a) & 0xff);
      upCost += signedCost((x - b) & 0xff);
      average += signedCost((x - ((a + b) >> 1)) & 0xff);
      paethCost += signedCost((x - paeth(a, b, c)) & 0xff);
    }
    const costs = [none, sub, upCost, average, paethCost];
    let filter = 0;
    for (let f = 1; f < 5; f++) if (costs[f] < costs[filter]) filter = f;
    const at = y * (rowBytes + 1);
    out[at] = filter;
    const target = out.subarray(at + 1, at + 1 + rowBytes);
    if (filter === 0) target.set(row);
    else if (filter === 2) {
      for (let i = 0; i < rowBytes; i++) target[i] = (row[i] - up[i]) & 0xff;
    } else {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const predicted = filter === 1
          ? a
          : filter === 3
          ? (a + up[i]) >> 1
          : paeth(a, up[i], i >= bpp ? up[i - bpp] : 0);
        target[i] = (row[i] - predicted) & 0xff;
      }
    }
  }
  return out;
}

/** Unfiltered scanlines (filter type 0 on every row): what PNG advises for palette images. */
function filterNone(samples: Uint8Array, rowBytes: number): Uint8Array {
  const rows = samples.length / rowBytes;
  const out = new Uint8Array(rows * (rowBytes + 1));
  for (let y = 0; y < rows; y++) {
    out.set(samples.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  return out;
}

const idat = (filtered: Uint8Array, level: number) =>
  chunk("IDAT", new Uint8Array(deflateSync(filtered, { level })));

/** Encodes an 8-bit gray, gray+alpha, RGB or RGBA PNG. */
export function encodePng(
  pixels: DirectPixels,
  compression: PngCompression = PNG_COMPRESSION.flat,
): Uint8Array {
  const { width, height, colorType, samples } = pixels;
  const bpp = CHANNELS[colorType];
  if (samples.length !== width * height * bpp) throw new RangeError("samples do not fit the size");
  const filtered = compression.filter === "none"
    ? filterNone(samples, width * bpp)
    : filterAdaptive(samples, width * bpp, bpp);
  return assemble([
    chunk("IHDR", header(width, height, colorType)),
    idat(filtered, compression.level),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Encodes an 8-bit indexed PNG (unfiltered, as PNG advises for a palette) at a zlib `level`. */
export function encodeIndexedPng(
  pixels: IndexedPixels,
  level: number = PNG_COMPRESSION.flat.level,
): Uint8Array {
  const { width, height, palette, indices } = pixels;
  const entries = palette.length / 4;
  if (entries < 1 || entries > 256) throw new RangeError(`${entries} palette entries`);
  const rgb = new Uint8Array(entries * 3);
  const alpha = new Uint8Array(entries);
  let lastTranslucent = -1;
  for (let e = 0; e < entries; e++) {
    rgb.set(palette.subarray(e * 4, e * 4 + 3), e * 3);
    alpha[e] = palette[e * 4 + 3];
    if (alpha[e] !== 255) lastTranslucent = e;
  }
  const chunks = [chunk("IHDR", header(width, height, PNG_COLOR_TYPE.indexed)), chunk("PLTE", rgb)];
  // tRNS may stop after the last entry that is not opaque (PNG 1.2 §4.2.1.1).
  if (lastTranslucent >= 0) chunks.push(chunk("tRNS", alpha.subarray(0, lastTranslucent + 1)));
  chunks.push(idat(filterNone(indices, width), level), chunk("IEND", new Uint8Array(0)));
  return assemble(chunks);
}

/** The colour type a PNG's IHDR declares, or undefined for bytes that are not a PNG. */
export function pngColorType(bytes: Uint8Array): number | undefined {
  const isPng = SIGNATURE.every((b, i) => bytes[i] === b) &&
    String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR";
  return isPng ? bytes[25] : undefined;
}
