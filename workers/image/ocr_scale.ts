/**
 * At what scale OCR reads a picture (measured in ocr.ts's module comment): pages up to 2400 px on
 * the long side (150-200 dpi pages, screenshots) are upscaled 2×, larger ones read as they are,
 * camera photos at a long side of at most 1600 px. Pure: the main thread predicts from it how
 * many pixels a reading goes through.
 *
 * Large body text is upscaled less. 2× is for the 9-13 px x-height of 150 dpi pages and
 * screenshots (lines 12-16 px tall, ascender to descender, as `line_height.ts` measures them);
 * lines of 20 px and more (a 200 dpi page's 10-12 pt text) read as well at 1.5×, and lines of 30
 * px and more as they are: binarising and finding the lines of half the pixels or fewer. Measured
 * on the 9 corpus text pages this moves (two bands, 2 vCPUs, one run, 2× then the rule; CER, word
 * recall): 58.8 → 42.9 s in all; the duck invoice (22 px lines) 8.7 → 5.0 s, CER 0.6 → 0.5%;
 * r_data (20.6 px) 5.7 → 3.4 s, 1.9 → 1.8%, recall 95.9 → 95.3%; simpleinvoice (20.5 px) 3.6 →
 * 2.4 s, 0.3%; r_intro (27.5 px) 6.3 → 5.2 s, 0.6 → 0.7%; the letter (29.2 px) 8.4 → 6.8 s, 0.1
 * → 0.2%; gnuplot's code (23.4 px) 4.9 → 3.6 s, 0.9 → 1.0%, recall 99.5 → 99.0%; the two-column
 * pages' recall unchanged (acm 95.8%, latex news 93.5%); the sparse slide (37 px, as it is) 2.0
 * → 1.0 s, 2.5 → 3.3% (2.5% again once cut in two bands: `ocr_bands.ts`), recall 100%. Scales come in half steps because tesseract's reading is not smooth
 * in the scale: latex news read at 1.25× lost 4 points of recall (93.5 → 89.4%), r_data's table in
 * bands at 1.4× read at 6.0%, and just under 2× the web gui screenshot went 3.8% → 8.4% (1.9×).
 *
 * @module
 */

/** Images up to this long side are upscaled (150-200 dpi pages, screenshots). */
export const UPSCALE_MAX_SIDE = 2400;
/** The upscale factor for those (see ocr.ts's module comment for 1× / 1.5× / 2×). */
const UPSCALE = 2;
/** Camera photos are read with at most this long side (phone photos have large text). */
const PHOTO_MAX_SIDE = 1600;
/** Body-text lines at least this tall (source px) are upscaled less than `UPSCALE`. */
const LARGE_LINE = 20;
/** The line height those are brought to, at least (in half steps of scale: 1× or 1.5×). */
const READ_LINE = 30;

/**
 * The scale OCR reads an image of this size at; `lineHeight`, the body text's measured line
 * height (`line_height.ts`), when known.
 */
export function defaultScale(
  image: { width: number; height: number },
  photo = false,
  lineHeight?: number,
): number {
  const long = Math.max(image.width, image.height);
  if (photo) return Math.min(1, PHOTO_MAX_SIDE / long);
  if (long > UPSCALE_MAX_SIDE) return 1;
  if (lineHeight === undefined || lineHeight < LARGE_LINE) return UPSCALE;
  return Math.max(1, Math.ceil((2 * READ_LINE) / lineHeight) / 2);
}

/** The least scale OCR may read a (not photographed) image of this size at, whatever its lines. */
export function leastScale(image: { width: number; height: number }): number {
  return defaultScale(image, false, Infinity);
}
