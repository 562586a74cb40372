/**
 * Gemini's `media_resolution` levels as squint's `detail`, and back ([G2], reference/providers.md
 * §3.3): on Gemini 3 an image's tokens are set by its level, not its pixels, so a cheaper view of
 * a picture is a lower level sent with it — per part (`mediaResolution: {level}`, Gemini 3 only),
 * which overrides the request's `generationConfig.mediaResolution`.
 *
 * @module
 */
import { own } from "../own.ts";
import type { Detail } from "./types.ts";

/**
 * Each level's detail; MEDIUM and ULTRA_HIGH have none (squint prices `original` as the default,
 * HIGH, as Gemini bills a request that names no level).
 */
const DETAILS: Record<string, Detail | "none"> = {
  MEDIA_RESOLUTION_UNSPECIFIED: "auto",
  MEDIA_RESOLUTION_LOW: "low",
  MEDIA_RESOLUTION_MEDIUM: "none",
  MEDIA_RESOLUTION_HIGH: "high",
  MEDIA_RESOLUTION_ULTRA_HIGH: "none",
};

/** Each detail's level (auto and original: the model's default, no level sent). */
const LEVELS: Partial<Record<Detail, string>> = {
  low: "MEDIA_RESOLUTION_LOW",
  high: "MEDIA_RESOLUTION_HIGH",
};

/**
 * The detail a level asks for (the API takes either case); `none` for a level without one
 * (MEDIUM), undefined when `level` is not a level.
 */
export function detailOfLevel(level: unknown): Detail | "none" | undefined {
  return typeof level === "string" ? own(DETAILS, level.toUpperCase()) : undefined;
}

/** The level that asks for `detail`; undefined for the model's default (nothing to send). */
export function levelOfDetail(detail: unknown): string | undefined {
  return typeof detail === "string" ? own(LEVELS, detail) : undefined;
}

/** Whether `model` takes a level per image part (Gemini 3 and later). */
export function takesPartLevels(model: string): boolean {
  return /^gemini-[3-9]/.test(model);
}
