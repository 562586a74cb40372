/** Shared pieces of the planner tests: models by name, default controls, JPEG header facts. */
import { createRegistry } from "../../src/models/registry.ts";
import type { ImageControls } from "../../src/optimize/plan_image.ts";
import type { ImageInfo } from "../../workers/image/types.ts";

const registry = createRegistry();

/** The family of a model name. */
export const family = (name: string) => registry.resolve(name)!.family;

/** The default controls: optimize on, balanced, the client's detail, OCR allowed. */
export const balanced: ImageControls = {
  optimize: true,
  fidelity: "balanced",
  detail: "auto",
  ocr: "on",
};

/** Header facts of an upright, opaque JPEG. */
export function jpeg(width: number, height: number, extra: Partial<ImageInfo> = {}): ImageInfo {
  return {
    format: "jpeg",
    width,
    height,
    orientation: 1,
    displayWidth: width,
    displayHeight: height,
    mayHaveAlpha: false,
    animated: false,
    bytes: 1_000_000,
    ...extra,
  };
}
