/**
 * Colour economy of a rendered picture: whether it is gray, whether it fits a palette exactly,
 * and, for a picture resized from a source of at most 256 colours, a palette of 256 that keeps
 * the source's own colours exactly and spends the rest on the blends the resize made (the
 * anti-aliased edges of text and lines), so thin strokes survive. Deterministic.
 *
 * @module
 */

/** Entries a PNG palette holds. */
export const MAX_PALETTE = 256;

/**
 * How many of the most frequent blends compete for the free palette entries: blends rarer than
 * these are a few pixels each and go to their nearest entry. Bounds the work to
 * ~256 × 4096 distance evaluations.
 */
const BLEND_CANDIDATES = 4096;

/** RGBA pixels packed as unsigned 32-bit keys, R in the high byte. */
const keyAt = (rgba: Uint8Array | Uint8ClampedArray, i: number) =>
  ((rgba[i] << 24) | (rgba[i + 1] << 16) | (rgba[i + 2] << 8) | rgba[i + 3]) >>> 0;

/** The distinct RGBA colours of `rgba`, or undefined as soon as there are more than `limit`. */
export function distinctColors(
  rgba: Uint8Array | Uint8ClampedArray,
  limit = MAX_PALETTE,
): Uint32Array | undefined {
  const seen = new Set<number>();
  let last = -1;
  for (let i = 0; i < rgba.length; i += 4) {
    const key = keyAt(rgba, i);
    // Runs of one colour are the rule in flat pictures: skip the set for them.
    if (key === last) continue;
    last = key;
    seen.add(key);
    if (seen.size > limit) return undefined;
  }
  return Uint32Array.from(seen).sort();
}

/**
 * Largest channel spread still read as gray: Skia's resampling of a gray source leaves ±1
 * between R, G and B on some pixels (measured on code_terminal_cat_cpp_light.png).
 */
const GRAY_SPREAD = 1;

/**
 * The gray samples of `rgba` (one byte a pixel, two with `alpha`; the green channel), or
 * undefined when any pixel has a colour beyond `GRAY_SPREAD`.
 */
export function graySamples(
  rgba: Uint8Array | Uint8ClampedArray,
  alpha: boolean,
): Uint8Array | undefined {
  const pixels = rgba.length >> 2;
  const out = new Uint8Array(alpha ? pixels * 2 : pixels);
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    const g = rgba[i + 1];
    if (Math.abs(rgba[i] - g) > GRAY_SPREAD || Math.abs(rgba[i + 2] - g) > GRAY_SPREAD) {
      return undefined;
    }
    if (alpha) {
      out[2 * p] = g;
      out[2 * p + 1] = rgba[i + 3];
    } else out[p] = g;
  }
  return out;
}

/** A palette (RGBA entries) and one index a pixel. */
export interface Indexed {
  palette: Uint8Array;
  indices: Uint8Array;
}

/** Translucent entries first, so the PNG `tRNS` chunk stays short; then by key. */
function ordered(keys: Iterable<number>): Uint32Array {
  return Uint32Array.from(keys).sort((a, b) => {
    const opaqueA = (a & 0xff) === 0xff ? 1 : 0;
    const opaqueB = (b & 0xff) === 0xff ? 1 : 0;
    return opaqueA - opaqueB || a - b;
  });
}

function unpack(keys: Uint32Array): Uint8Array {
  const out = new Uint8Array(keys.length * 4);
  keys.forEach((k, e) => {
    out[4 * e] = k >>> 24;
    out[4 * e + 1] = (k >>> 16) & 0xff;
    out[4 * e + 2] = (k >>> 8) & 0xff;
    out[4 * e + 3] = k & 0xff;
  });
  return out;
}

function distance(a: number, b: number): number {
  const dr = (a >>> 24) - (b >>> 24);
  const dg = ((a >>> 16) & 0xff) - ((b >>> 16) & 0xff);
  const db = ((a >>> 8) & 0xff) - ((b >>> 8) & 0xff);
  const da = (a & 0xff) - (b & 0xff);
  return dr * dr + dg * dg + db * db + da * da;
}

/** Maps every pixel to its nearest entry (exact matches are the common case). */
function mapToPalette(rgba: Uint8Array | Uint8ClampedArray, keys: Uint32Array): Indexed {
  const index = new Map<number, number>();
  keys.forEach((k, e) => index.set(k, e));
  const indices = new Uint8Array(rgba.length >> 2);
  for (let p = 0, i = 0; p < indices.length; p++, i += 4) {
    const key = keyAt(rgba, i);
    let e = index.get(key);
    if (e === undefined) {
      let best = Infinity;
      e = 0;
      for (let c = 0; c < keys.length; c++) {
        const d = distance(key, keys[c]);
        if (d < best) [best, e] = [d, c];
      }
      index.set(key, e);
    }
    indices[p] = e;
  }
  return { palette: unpack(keys), indices };
}

/** `rgba` as a palette picture with exactly its colours (at most 256 of them). */
export function indexExact(rgba: Uint8Array | Uint8ClampedArray, colors: Uint32Array): Indexed {
  if (colors.length > MAX_PALETTE) throw new RangeError(`${colors.length} colours`);
  return mapToPalette(rgba, ordered(colors));
}

/**
 * `rgba` (a resize of a source whose colours are `source`, at most 256) reduced to 256
 * colours: every source colour keeps an entry; each free entry goes, greedily, to the blend
 * that the current palette serves worst (pixels × squared distance to its nearest entry).
 */
export function indexLikeSource(
  rgba: Uint8Array | Uint8ClampedArray,
  source: Uint32Array,
): Indexed {
  if (source.length > MAX_PALETTE) throw new RangeError(`${source.length} source colours`);
  const counts = new Map<number, number>();
  for (let i = 0; i < rgba.length; i += 4) {
    const key = keyAt(rgba, i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const chosen = new Set<number>(source);
  const blends = [...counts].filter(([key]) => !chosen.has(key))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, BLEND_CANDIDATES);
  const near = blends.map(([key]) => {
    let best = Infinity;
    for (const s of source) best = Math.min(best, distance(key, s));
    return best;
  });
  for (let free = MAX_PALETTE - chosen.size; free > 0; free--) {
    let pick = -1;
    let worst = 0;
    for (let b = 0; b < blends.length; b++) {
      const cost = blends[b][1] * near[b];
      if (cost > worst) [worst, pick] = [cost, b];
    }
    if (pick < 0) break;
    const added = blends[pick][0];
    chosen.add(added);
    for (let b = 0; b < blends.length; b++) {
      near[b] = Math.min(near[b], distance(blends[b][0], added));
    }
  }
  return mapToPalette(rgba, ordered(chosen));
}
