/**
 * At what scale OCR reads a picture (measured in ocr.ts's module comment): pages up to 2400 px on
 * the long side (150-200 dpi pages, screenshots) are upscaled 2×, larger ones read as they are,
 * camera photos at a long side of at most 1600 px. Pure: the main thread predicts from it how
 * many pixels a reading goes through.
 *
 * @module
 */

/** Images up to this long side are upscaled (150-200 dpi pages, screenshots). */
export const UPSCALE_MAX_SIDE = 2400;
/** The upscale factor for those (see ocr.ts's module comment for 1× / 1.5× / 2×). */
const UPSCALE = 2;
/** Camera photos are read with at most this long side (phone photos have large text). */
const PHOTO_MAX_SIDE = 1600;

/** The scale OCR reads an image of this size at. */
export function defaultScale(image: { width: number; height: number }, photo = false): number {
  const long = Math.max(image.width, image.height);
  if (photo) return Math.min(1, PHOTO_MAX_SIDE / long);
  return long <= UPSCALE_MAX_SIDE ? UPSCALE : 1;
}
