/**
 * USD as squint stores and answers it: to ten decimal places, so float noise (0.1 + 0.2) never
 * shows in a figure while a single image token's price (a ten-millionth of a dollar) still does.
 *
 * @module
 */

/** `x` dollars rounded to 10 decimal places. */
export function usd(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}
