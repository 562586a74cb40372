/**
 * Cheap pixel statistics that decide how a picture should be encoded: whether it has real
 * transparency, and whether it is photo-like (JPEG-friendly) or flat-coloured like text,
 * charts and screenshots (PNG-friendly).
 *
 * @module
 */

/** True when any pixel of RGBA data is less than fully opaque. */
export function hasTransparency(rgba: Uint8ClampedArray | Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) {
    if (rgba[i] !== 255) return true;
  }
  return false;
}

/** How varied a picture's colours are, measured on a (nearest-neighbour) sample of its pixels. */
export interface ColorStats {
  /** Pixels sampled. */
  samples: number;
  /** Distinct RGB colours among the samples. */
  distinct: number;
  /** Share of the samples (0-1) covered by the 32 most frequent colours. */
  top32Share: number;
}

/** Counts colours in RGBA data, ignoring alpha (only opaque pictures are judged). */
export function colorStats(rgba: Uint8ClampedArray | Uint8Array): ColorStats {
  const samples = rgba.length >> 2;
  const keys = new Uint32Array(samples);
  for (let p = 0, i = 0; p < samples; p++, i += 4) {
    keys[p] = (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];
  }
  // Sorting groups equal colours into runs: no hash map, and the same answer on every run.
  keys.sort();
  const runs: number[] = [];
  for (let start = 0, p = 1; p <= samples; p++) {
    if (p === samples || keys[p] !== keys[start]) {
      runs.push(p - start);
      start = p;
    }
  }
  runs.sort((a, b) => b - a);
  const top32 = runs.slice(0, 32).reduce((sum, n) => sum + n, 0);
  return { samples, distinct: runs.length, top32Share: samples ? top32 / samples : 0 };
}

/**
 * Where photo-like starts. Measured on the corpus with a 256-px sample: photos and art have
 * 0.22-0.81 distinct colours per sample and their top 32 colours cover at most 0.14; text,
 * charts, terminals and UI screenshots stay below 0.15 distinct and their top 32 colours cover
 * 0.30 or more (the kpat card-game screenshot, with a gradient felt, is the closest at 0.14/0.30).
 */
export const PHOTO_LIKE = { minDistinctRatio: 0.2, maxTop32Share: 0.2 } as const;

/** Whether colour statistics look like a photo (many colours, none dominating). */
export function isPhotoLike(stats: ColorStats): boolean {
  return stats.samples > 0 &&
    stats.distinct / stats.samples >= PHOTO_LIKE.minDistinctRatio &&
    stats.top32Share <= PHOTO_LIKE.maxTop32Share;
}

/** One line that explains the statistics in a format decision. */
export function describeStats(stats: ColorStats): string {
  const ratio = stats.samples ? stats.distinct / stats.samples : 0;
  return `${stats.distinct} colours in ${stats.samples} samples (${ratio.toFixed(3)}), ` +
    `top 32 cover ${stats.top32Share.toFixed(3)}`;
}
