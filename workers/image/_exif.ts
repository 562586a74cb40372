/**
 * Reads the first IFD of TIFF-structured data: the body of a JPEG APP1 "Exif" segment, a WebP
 * EXIF chunk, a PNG eXIf chunk, or a whole TIFF file.
 *
 * @module
 */

const ORIENTATION = 0x0112;

/** Byte sizes of the TIFF field types that can hold the tags read here. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 9: 4 };

/**
 * Every tag of IFD0 with the first value of its field, honouring "II" and "MM" byte order.
 * Values longer than four bytes are followed to their offset.
 */
export function readIfd0(tiff: Uint8Array): Map<number, number> | undefined {
  if (tiff.length < 8) return undefined;
  const v = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0], tiff[1]);
  if (order !== "II" && order !== "MM") return undefined;
  const little = order === "II";
  if (v.getUint16(2, little) !== 42) return undefined;
  const ifd = v.getUint32(4, little);
  const count = v.getUint16(ifd, little);
  const tags = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    const size = TYPE_SIZE[v.getUint16(entry + 2, little)];
    if (!size) continue;
    const inline = size * v.getUint32(entry + 4, little) <= 4;
    const at = inline ? entry + 8 : v.getUint32(entry + 8, little);
    if (at + size > tiff.length) continue;
    const value = size === 1
      ? tiff[at]
      : size === 2
      ? v.getUint16(at, little)
      : v.getUint32(at, little);
    tags.set(v.getUint16(entry, little), value);
  }
  return tags;
}

/** The EXIF orientation (1-8) in TIFF-structured data, or `undefined` when absent or invalid. */
export function readExifOrientation(tiff: Uint8Array): number | undefined {
  try {
    const orientation = readIfd0(tiff)?.get(ORIENTATION);
    return orientation !== undefined && orientation >= 1 && orientation <= 8
      ? orientation
      : undefined;
  } catch (error) {
    // A damaged EXIF block must not hide an otherwise readable image.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** TIFF photometric interpretations, as the colour-space names ImageInfo uses. */
const PHOTOMETRIC: Record<number, string> = {
  0: "gray",
  1: "gray",
  2: "rgb",
  3: "palette",
  5: "cmyk",
  6: "rgb",
};

/** Size, orientation and sample layout of a TIFF file's first image. */
export function readTiffInfo(tiff: Uint8Array):
  | {
    width: number;
    height: number;
    orientation?: number;
    bitDepth?: number;
    colorSpace?: string;
    samples: number;
  }
  | undefined {
  const tags = readIfd0(tiff);
  const width = tags?.get(256);
  const height = tags?.get(257);
  if (!tags || width === undefined || height === undefined) return undefined;
  const photometric = tags.get(262);
  return {
    width,
    height,
    orientation: readExifOrientation(tiff),
    bitDepth: tags.get(258),
    colorSpace: photometric === undefined ? undefined : PHOTOMETRIC[photometric],
    samples: tags.get(277) ?? 1,
  };
}
