/**
 * A shot's canvas: the frames of one shot, chained by the camera's moves, each placed where it
 * shows the picture, and how much of a frame other frames already showed (and how sharply).
 *
 * @module
 */

import type { Box, Motion } from "./motion.ts";

/** A frame's place on its shot's canvas: canvas point = scale · frame point + offset. */
export interface Place {
  shot: number;
  scale: number;
  ox: number;
  oy: number;
}

/** The part of the canvas a frame shows, and its scale (canvas units per frame width). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  scale: number;
}

/** The whole frame. */
export const WHOLE: Box = { x0: 0, y0: 0, x1: 1, y1: 1 };

/** The canvas rectangle a frame shows through the part `r` of it that moves. */
export function rectOf(place: Place, r: Box): Rect {
  const { scale: s, ox, oy } = place;
  return { x0: s * r.x0 + ox, y0: s * r.y0 + oy, x1: s * r.x1 + ox, y1: s * r.y1 + oy, scale: s };
}

/** The smallest box holding both. */
export function union(a: Box, b: Box): Box {
  return {
    x0: Math.min(a.x0, b.x0),
    y0: Math.min(a.y0, b.y0),
    x1: Math.max(a.x1, b.x1),
    y1: Math.max(a.y1, b.y1),
  };
}

/** The place of a frame that moved by `motion` from a frame at `place`. */
export function follow(place: Place, motion: Motion): Place {
  const z = motion.zoom;
  return {
    shot: place.shot,
    scale: place.scale / z,
    ox: place.ox + place.scale * (0.5 - 0.5 / z + motion.dx),
    oy: place.oy + place.scale * (0.5 - 0.5 / z + motion.dy),
  };
}

/** Points a rectangle is measured on, per side. */
const POINTS = 48;

/** Share of `rect` outside every rect of `others` (sharp: only those at most `sharpness`× coarser count). */
export function uncovered(rect: Rect, others: readonly Rect[], sharpness = Infinity): number {
  const cover = others.filter((o) => o.scale <= sharpness * rect.scale);
  if (cover.length === 0) return 1;
  let outside = 0;
  for (let j = 0; j < POINTS; j++) {
    const y = rect.y0 + ((j + 0.5) / POINTS) * (rect.y1 - rect.y0);
    for (let i = 0; i < POINTS; i++) {
      const x = rect.x0 + ((i + 0.5) / POINTS) * (rect.x1 - rect.x0);
      if (!cover.some((o) => x >= o.x0 && x <= o.x1 && y >= o.y0 && y <= o.y1)) outside++;
    }
  }
  return outside / (POINTS * POINTS);
}
