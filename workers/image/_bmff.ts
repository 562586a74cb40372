/**
 * Header probe for HEIF-family images (AVIF, HEIC): ISO base media boxes, read only as far as the
 * `meta` box that holds the primary item's properties.
 *
 * @module
 */

import type { ImageFormat, ImageInfo } from "./types.ts";

interface Box {
  type: string;
  /** Offset of the box's payload. */
  start: number;
  end: number;
}

const ascii = (b: Uint8Array, at: number, length: number): string =>
  String.fromCharCode(...b.subarray(at, at + length));

/** The boxes laid end to end between `start` and `end`. */
function boxes(b: Uint8Array, v: DataView, start: number, end: number): Box[] {
  const found: Box[] = [];
  for (let at = start; at + 8 <= end;) {
    let size = v.getUint32(at);
    let header = 8;
    if (size === 1) {
      size = Number(v.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header) break;
    found.push({ type: ascii(b, at + 4, 4), start: at + header, end: Math.min(at + size, end) });
    at += size;
  }
  return found;
}

/** Brands that name the format outright; `mif1`/`msf1` defer to the compatible-brand list. */
const BRANDS: Record<string, { format: ImageFormat; animated: boolean }> = {
  avif: { format: "avif", animated: false },
  avis: { format: "avif", animated: true },
  heic: { format: "heic", animated: false },
  heix: { format: "heic", animated: false },
  heim: { format: "heic", animated: false },
  heis: { format: "heic", animated: false },
  hevc: { format: "heic", animated: true },
  hevx: { format: "heic", animated: true },
};

function brandOf(b: Uint8Array, ftyp: Box) {
  const listed = [ascii(b, ftyp.start, 4)];
  for (let at = ftyp.start + 8; at + 4 <= ftyp.end; at += 4) listed.push(ascii(b, at, 4));
  const known = listed.find((brand) => BRANDS[brand]);
  return known ? BRANDS[known] : undefined;
}

/** EXIF orientation equivalent to an `irot` angle (counter-clockwise quarter turns). */
const IROT_ORIENTATION = [1, 8, 3, 6];

/** The primary item's `ispe` size, `irot` rotation and whether an alpha auxiliary exists. */
function primaryProperties(b: Uint8Array, v: DataView, meta: Box) {
  const children = boxes(b, v, meta.start + 4, meta.end);
  const pitm = children.find((box) => box.type === "pitm");
  const primary = pitm
    ? (b[pitm.start] === 0 ? v.getUint16(pitm.start + 4) : v.getUint32(pitm.start + 4))
    : 1;
  const iprp = children.find((box) => box.type === "iprp");
  if (!iprp) return undefined;
  const inIprp = boxes(b, v, iprp.start, iprp.end);
  const ipco = inIprp.find((box) => box.type === "ipco");
  if (!ipco) return undefined;
  const properties = boxes(b, v, ipco.start, ipco.end);
  const mayHaveAlpha = properties.some((p) =>
    // The alpha URN is ~44 bytes; a longer read would only cost time on hostile input.
    p.type === "auxC" && ascii(b, p.start + 4, Math.min(64, p.end - p.start - 4)).includes("alpha")
  );
  // ipma lists, per item, 1-based indices into ipco.
  let indices: number[] = [];
  for (const ipma of inIprp.filter((box) => box.type === "ipma")) {
    const version = b[ipma.start];
    const wide = (b[ipma.start + 3] & 1) === 1;
    let at = ipma.start + 8;
    for (let entry = v.getUint32(ipma.start + 4); entry > 0; entry--) {
      const item = version < 1 ? v.getUint16(at) : v.getUint32(at);
      at += version < 1 ? 2 : 4;
      const count = b[at++];
      const list: number[] = [];
      for (let i = 0; i < count; i++, at += wide ? 2 : 1) {
        list.push(wide ? v.getUint16(at) & 0x7fff : b[at] & 0x7f);
      }
      if (item === primary) indices = list;
    }
  }
  const own = indices.map((i) => properties[i - 1]).filter((p) => p !== undefined);
  const ispes = properties.filter((p) => p.type === "ispe");
  // Without an association, the largest ispe is the full picture rather than a tile or thumbnail.
  const ispe = own.find((p) => p.type === "ispe") ??
    ispes.sort((x, y) => v.getUint32(y.start + 4) - v.getUint32(x.start + 4))[0];
  if (!ispe) return undefined;
  const irot = own.find((p) => p.type === "irot");
  return {
    width: v.getUint32(ispe.start + 4),
    height: v.getUint32(ispe.start + 8),
    orientation: irot ? IROT_ORIENTATION[b[irot.start] & 3] : undefined,
    mayHaveAlpha,
  };
}

/**
 * Header fields of an AVIF or HEIC file, or `undefined` for other ISO media (e.g. MP4 video) and
 * for images whose size is not declared in an `ispe` property.
 */
export function probeBmff(
  b: Uint8Array,
  v: DataView,
):
  | (Omit<ImageInfo, "displayWidth" | "displayHeight" | "bytes" | "orientation"> & {
    orientation?: number;
  })
  | undefined {
  const top = boxes(b, v, 0, b.length);
  const ftyp = top[0]?.type === "ftyp" ? top[0] : undefined;
  const brand = ftyp && brandOf(b, ftyp);
  const meta = top.find((box) => box.type === "meta");
  if (!brand || !meta) return undefined;
  const found = primaryProperties(b, v, meta);
  if (!found) return undefined;
  return { format: brand.format, animated: brand.animated, ...found };
}
