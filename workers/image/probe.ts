/**
 * Reads an image's size, format and flags from its header without decoding any pixels, so a
 * decompression bomb can be refused before anything allocates its pixel buffer.
 *
 * @module
 */

import type { ImageFormat, ImageInfo } from "./types.ts";
import { readExifOrientation, readTiffInfo } from "./_exif.ts";
import { probeBmff } from "./_bmff.ts";

/** What a format parser finds; `probeImage` fills in the derived fields. */
type HeaderFields = Omit<ImageInfo, "displayWidth" | "displayHeight" | "bytes" | "orientation"> & {
  orientation?: number;
};

type HeaderParser = (b: Uint8Array, v: DataView) => HeaderFields | undefined;

const ascii = (b: Uint8Array, at: number, length: number): string =>
  String.fromCharCode(...b.subarray(at, at + length));

const startsWith = (b: Uint8Array, magic: number[], at = 0): boolean =>
  b.length >= at + magic.length && magic.every((x, i) => b[at + i] === x);

/** PNG colour types: the space and whether the type itself carries alpha. */
const PNG_COLOR: Record<number, { space: string; alpha: boolean }> = {
  0: { space: "gray", alpha: false },
  2: { space: "rgb", alpha: false },
  3: { space: "palette", alpha: false },
  4: { space: "gray", alpha: true },
  6: { space: "rgb", alpha: true },
};

function parsePng(b: Uint8Array, v: DataView): HeaderFields | undefined {
  if (b.length < 33 || ascii(b, 12, 4) !== "IHDR") return undefined;
  const color = PNG_COLOR[b[25]];
  if (!color) return undefined;
  let mayHaveAlpha = color.alpha;
  let animated = false;
  let orientation: number | undefined;
  // Metadata that matters (tRNS, acTL, eXIf) must come before the first IDAT.
  for (let at = 8; at + 8 <= b.length;) {
    const length = v.getUint32(at);
    const type = ascii(b, at + 4, 4);
    if (type === "IDAT" || type === "IEND") break;
    if (type === "tRNS") mayHaveAlpha = true;
    // An acTL declaring one frame is a still picture written by an APNG encoder.
    if (type === "acTL") animated = v.getUint32(at + 8) > 1;
    if (type === "eXIf") orientation = readExifOrientation(b.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return {
    format: "png",
    width: v.getUint32(16),
    height: v.getUint32(20),
    bitDepth: b[24],
    colorSpace: color.space,
    mayHaveAlpha,
    animated,
    orientation,
  };
}

/** SOF0-SOF15, minus the markers in that range that are not frame headers (DHT, JPG, DAC). */
const isStartOfFrame = (marker: number): boolean =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

const JPEG_COMPONENTS: Record<number, string> = { 1: "gray", 3: "rgb", 4: "cmyk" };

function parseJpeg(b: Uint8Array, v: DataView): HeaderFields | undefined {
  let orientation: number | undefined;
  let frame: HeaderFields | undefined;
  // Segments up to the first scan: a late APP1 would still be applied by the decoder, so keep
  // reading past the frame header until SOS.
  for (let at = 2; at + 4 <= b.length && b[at] === 0xff;) {
    const marker = b[at + 1];
    // Fill bytes and standalone markers carry no length.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xda) break;
    const length = v.getUint16(at + 2);
    const body = at + 4;
    if (marker === 0xe1 && orientation === undefined && ascii(b, body, 6) === "Exif\0\0") {
      orientation = readExifOrientation(b.subarray(body + 6, at + 2 + length));
    }
    if (isStartOfFrame(marker) && !frame && body + 6 <= b.length) {
      const components = b[body + 5];
      frame = {
        format: "jpeg",
        width: v.getUint16(body + 3),
        height: v.getUint16(body + 1),
        bitDepth: b[body],
        colorSpace: JPEG_COMPONENTS[components] ?? `${components}-channel`,
        mayHaveAlpha: false,
        animated: false,
      };
    }
    at += 2 + length;
  }
  return frame && { ...frame, orientation };
}

/** Skips a run of GIF data sub-blocks starting at `at`; returns the offset after the terminator. */
function skipGifSubBlocks(b: Uint8Array, at: number): number {
  while (at < b.length && b[at] !== 0) at += b[at] + 1;
  return at + 1;
}

function parseGif(b: Uint8Array, v: DataView): HeaderFields | undefined {
  if (b.length < 13) return undefined;
  const tableSize = (flags: number) => (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
  let at = 13 + tableSize(b[10]);
  let frames = 0;
  let transparent = false;
  // Walks the block structure only far enough to see a second frame.
  while (at < b.length && frames < 2) {
    const block = b[at];
    if (block === 0x21) {
      // Graphic control extension before the first frame: its transparency flag is what shows.
      if (b[at + 1] === 0xf9 && frames === 0 && (b[at + 3] & 1) === 1) transparent = true;
      at = skipGifSubBlocks(b, at + 2);
    } else if (block === 0x2c) {
      frames += 1;
      at = skipGifSubBlocks(b, at + 11 + tableSize(b[at + 9]));
    } else break;
  }
  return {
    format: "gif",
    width: v.getUint16(6, true),
    height: v.getUint16(8, true),
    bitDepth: 8,
    colorSpace: "palette",
    mayHaveAlpha: transparent,
    animated: frames > 1,
  };
}

function parseWebp(b: Uint8Array, v: DataView): HeaderFields | undefined {
  if (b.length < 30 || ascii(b, 8, 4) !== "WEBP") return undefined;
  const chunk = ascii(b, 12, 4);
  const base = { format: "webp" as const, bitDepth: 8, colorSpace: "rgb", animated: false };
  if (chunk === "VP8 ") {
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return undefined;
    const width = v.getUint16(26, true) & 0x3fff;
    const height = v.getUint16(28, true) & 0x3fff;
    return { ...base, width, height, mayHaveAlpha: false };
  }
  if (chunk === "VP8L") {
    if (b[20] !== 0x2f) return undefined;
    const bits = v.getUint32(21, true);
    const width = (bits & 0x3fff) + 1;
    const height = ((bits >>> 14) & 0x3fff) + 1;
    return { ...base, width, height, mayHaveAlpha: ((bits >>> 28) & 1) === 1 };
  }
  if (chunk !== "VP8X") return undefined;
  const flags = b[20];
  const uint24 = (at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
  let orientation: number | undefined;
  // The EXIF chunk usually trails the image data; chunk headers let us hop straight to it.
  if (flags & 0x08) {
    for (let at = 12; at + 8 <= b.length;) {
      const size = v.getUint32(at + 4, true);
      if (ascii(b, at, 4) === "EXIF") {
        const exif = b.subarray(at + 8, at + 8 + size);
        // Some writers keep JPEG's "Exif\0\0" prefix inside the chunk.
        const tiff = ascii(exif, 0, 6) === "Exif\0\0" ? exif.subarray(6) : exif;
        orientation = readExifOrientation(tiff);
        break;
      }
      at += 8 + size + (size & 1);
    }
  }
  return {
    ...base,
    width: uint24(24) + 1,
    height: uint24(27) + 1,
    mayHaveAlpha: (flags & 0x10) !== 0,
    animated: (flags & 0x02) !== 0,
    orientation,
  };
}

function parseBmp(b: Uint8Array, v: DataView): HeaderFields | undefined {
  if (b.length < 26) return undefined;
  const headerSize = v.getUint32(14, true);
  // OS/2 BITMAPCOREHEADER stores 16-bit sizes; every later header stores 32-bit signed ones.
  const core = headerSize === 12;
  if (!core && (headerSize < 40 || b.length < 30)) return undefined;
  const width = core ? v.getUint16(18, true) : v.getInt32(18, true);
  const height = core ? v.getUint16(20, true) : Math.abs(v.getInt32(22, true));
  const bitDepth = v.getUint16(core ? 24 : 28, true);
  return {
    format: "bmp",
    width,
    height,
    bitDepth,
    colorSpace: bitDepth <= 8 ? "palette" : "rgb",
    mayHaveAlpha: bitDepth === 32,
    animated: false,
  };
}

function parseTiff(b: Uint8Array): HeaderFields | undefined {
  const tiff = readTiffInfo(b);
  if (!tiff) return undefined;
  const { samples, ...fields } = tiff;
  return { format: "tiff", mayHaveAlpha: samples > 3, animated: false, ...fields };
}

/** Magic numbers, checked in order; the first match owns the bytes. */
const SIGNATURES: {
  format: ImageFormat;
  matches: (b: Uint8Array) => boolean;
  parse: HeaderParser;
}[] = [
  {
    format: "png",
    matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    parse: parsePng,
  },
  { format: "jpeg", matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]), parse: parseJpeg },
  { format: "gif", matches: (b) => /^GIF8[79]a$/.test(ascii(b, 0, 6)), parse: parseGif },
  {
    format: "webp",
    matches: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP",
    parse: parseWebp,
  },
  { format: "bmp", matches: (b) => ascii(b, 0, 2) === "BM", parse: parseBmp },
  {
    format: "tiff",
    matches: (b) => startsWith(b, [0x49, 0x49, 42, 0]) || startsWith(b, [0x4d, 0x4d, 0, 42]),
    parse: parseTiff,
  },
  { format: "avif", matches: (b) => ascii(b, 4, 4) === "ftyp", parse: probeBmff },
];

/**
 * Reads an image's header: format, stored and displayed size, EXIF orientation, alpha and
 * animation flags, bit depth and colour space. Never decodes pixels, so it costs microseconds
 * and is safe on hostile input (a PNG declaring 30000×30000 reports exactly that).
 *
 * @returns `undefined` when the bytes are not a recognised image or the header is cut short.
 */
export function probeImage(bytes: Uint8Array): ImageInfo | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = SIGNATURES.find((s) => s.matches(bytes));
  if (!signature) return undefined;
  let fields: HeaderFields | undefined;
  try {
    fields = signature.parse(bytes, view);
  } catch (error) {
    // A header cut short reads past the end; that is "not an image we can trust".
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (!fields || !(fields.width > 0) || !(fields.height > 0)) return undefined;
  const orientation = fields.orientation ?? 1;
  const swapped = orientation >= 5;
  return {
    ...fields,
    orientation,
    displayWidth: swapped ? fields.height : fields.width,
    displayHeight: swapped ? fields.width : fields.height,
    bytes: bytes.byteLength,
  };
}
