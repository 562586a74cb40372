/**
 * EXIF orientation as canvas transforms.
 *
 * @module
 */

/** A 2D affine matrix in canvas `setTransform(a, b, c, d, e, f)` order. */
export type Matrix = [number, number, number, number, number, number];

/**
 * For each EXIF orientation, the matrix that maps a stored image (drawn at 0,0) onto an upright
 * canvas of display size w×h. Orientations 5-8 draw the image with width and height swapped.
 */
const TRANSFORMS: Record<number, (w: number, h: number) => Matrix> = {
  1: () => [1, 0, 0, 1, 0, 0],
  2: (w) => [-1, 0, 0, 1, w, 0],
  3: (w, h) => [-1, 0, 0, -1, w, h],
  4: (_w, h) => [1, 0, 0, -1, 0, h],
  5: () => [0, 1, 1, 0, 0, 0],
  6: (w) => [0, 1, -1, 0, w, 0],
  7: (w, h) => [0, -1, -1, 0, w, h],
  8: (_w, h) => [0, -1, 1, 0, 0, h],
};

/**
 * How to draw a stored image so that it appears upright on a `width`×`height` canvas: set
 * `matrix`, then draw the image at (0, 0) with size `drawWidth`×`drawHeight`.
 */
export function orientationDraw(
  orientation: number,
  width: number,
  height: number,
): { matrix: Matrix; drawWidth: number; drawHeight: number } {
  const transform = TRANSFORMS[orientation] ?? TRANSFORMS[1];
  const swapped = orientation >= 5 && orientation <= 8;
  return {
    matrix: transform(width, height),
    drawWidth: swapped ? height : width,
    drawHeight: swapped ? width : height,
  };
}
