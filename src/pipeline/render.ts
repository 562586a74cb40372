/**
 * Runs a plan's renders in the worker pool and decides, from the real output, whether each
 * rendered image replaces the original: output is never larger than input unless the original
 * cannot be sent as it is (wrong orientation, format, or more pixels than the model uses).
 */
import type { JsonLiteral } from "../intake/inline_images.ts";
import type { IntakeImage } from "../intake/intake.ts";
import type { PlannedImage } from "../optimize/plan_request.ts";
import { mapLimited } from "../pool/map_limited.ts";
import { TaskError, type WorkerPool } from "../pool/pool.ts";
import type { RenderResult } from "../../workers/image/protocol.ts";
import type { RenderCache } from "./render_cache.ts";

/** What rendering needs. */
export interface RenderDeps {
  pool: WorkerPool;
  cache: RenderCache;
  maxPixels: number;
}

function keepOriginal(planned: PlannedImage, reason: string): void {
  planned.action = "keep";
  planned.after = { ...planned.before };
  planned.reasons.push(reason);
  planned.optimizations = planned.optimizations.filter((o) => o !== "resize" && o !== "reencode");
  delete planned.render;
  delete planned.replaceEvenIfLarger;
}

async function renderOne(
  planned: PlannedImage,
  image: IntakeImage,
  deps: RenderDeps,
  literals: Map<number, JsonLiteral>,
): Promise<void> {
  const { info, bytes, hash } = image.inspected!;
  const spec = planned.render!;
  let result: RenderResult;
  try {
    result = await deps.cache.get(
      `${hash}|${JSON.stringify(spec)}`,
      // The decoded bytes move to the worker (no copy on the event loop); nothing here needs
      // them afterwards.
      () =>
        deps.pool.run<RenderResult>(
          { kind: "render", bytes: bytes!, info: info!, spec, maxPixels: deps.maxPixels, hash },
          [bytes!.buffer as ArrayBuffer],
        ),
    );
  } catch (e) {
    // A picture the codec cannot read stays as it was; overload and timeouts go to the caller.
    if (!(e instanceof TaskError) || e.code !== "image_error") throw e;
    keepOriginal(planned, `could not decode (${e.message}); original sent`);
    return;
  }
  if (result.byteLength >= planned.before.bytes && !planned.replaceEvenIfLarger) {
    keepOriginal(
      planned,
      `re-encoded ${result.format} was not smaller (${result.byteLength} ≥ ${planned.before.bytes} bytes); original sent`,
    );
    return;
  }
  planned.after = {
    ...planned.after,
    width: result.width,
    height: result.height,
    bytes: result.byteLength,
    format: result.format,
  };
  if (result.format !== planned.before.format) {
    planned.optimizations.push("reencode");
    planned.reasons.push(
      `${planned.before.format} → ${result.format}${
        result.formatReason ? ` (${result.formatReason})` : ""
      }`,
    );
  }
  literals.set(image.ref!, result.literal);
}

/**
 * Renders every planned image that asks for it and applies `detail` changes to the body, in
 * place. `literals` gains the new data URLs; images not rendered keep their original literal.
 */
export async function renderPlan(
  planned: PlannedImage[],
  images: IntakeImage[],
  deps: RenderDeps,
  literals: Map<number, JsonLiteral>,
): Promise<void> {
  await mapLimited(planned, deps.pool.options.size, async (p, i) => {
    if (p.detail) images[i].site.imageUrl.detail = p.detail;
    if (p.render) await renderOne(p, images[i], deps, literals);
  });
}
