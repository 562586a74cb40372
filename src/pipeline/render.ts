/**
 * Runs a plan's renders in the worker pool and decides, from the real output, whether each
 * rendered image replaces the original: output is never larger than input unless the original
 * cannot be sent as it is (wrong orientation, animated, a format providers refuse) or the render
 * saves at least `GROWTH_MIN_TOKEN_SAVING` of the tokens; a render that only does what the
 * provider would do anyway, or saves less, is dropped when it is not smaller.
 */
import type { JsonLiteral } from "../intake/inline_images.ts";
import type { IntakeImage } from "../intake/intake.ts";
import { GROWTH_MIN_TOKEN_SAVING } from "../optimize/plan_image.ts";
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

/** Drops the render: the original bytes go, with the planned `detail` if it changed. */
function keepOriginal(planned: PlannedImage, reason: string): void {
  planned.action = planned.detail ? "detail" : "keep";
  planned.after = { ...planned.before, tokens: planned.originalTokens ?? planned.before.tokens };
  planned.reasons.push(reason);
  planned.optimizations = planned.optimizations.filter((o) =>
    o !== "resize" && o !== "reencode" && o !== "crop"
  );
  delete planned.render;
  delete planned.replaceEvenIfLarger;
  delete planned.originalTokens;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** The render of `planned` from the cache, or started on `bytes` as `give` hands them over. */
function rendered(
  planned: PlannedImage,
  image: IntakeImage,
  deps: RenderDeps,
  give: (bytes: Uint8Array) => Uint8Array,
): Promise<RenderResult> {
  const { info, bytes, hash } = image.inspected!;
  const spec = planned.render!;
  return deps.cache.get(`${hash}|${JSON.stringify(spec)}`, () => {
    const sent = give(bytes!);
    return deps.pool.run<RenderResult>(
      { kind: "render", bytes: sent, info: info!, spec, maxPixels: deps.maxPixels, hash },
      [sent.buffer as ArrayBuffer],
    );
  });
}

/**
 * Starts rendering the planned images that ask for it into the cache, ahead of need, on copies of
 * their bytes (the request still holds its own): a page whose reading may outlast its budget has
 * its pixels ready when the budget runs out. A failure here is forgotten; the render proper
 * tries again and says what went wrong.
 */
export function renderAhead(
  planned: readonly PlannedImage[],
  images: readonly IntakeImage[],
  deps: RenderDeps,
): void {
  planned.forEach((p, i) => {
    if (!p.render || !images[i].inspected?.bytes) return;
    rendered(p, images[i], deps, (bytes) => bytes.slice()).catch(() => {});
  });
}

/** Why a render larger than the original is sent, or is not. */
function growthReason(planned: PlannedImage, result: RenderResult): string {
  const before = planned.before;
  const original = planned.originalTokens ?? before.tokens;
  const saved = original > 0 ? (original - planned.after.tokens) / original : 0;
  const grew = `${result.format} came out larger than the original ${before.format} ` +
    `(${result.byteLength} > ${before.bytes} bytes)`;
  if (!planned.replaceEvenIfLarger) {
    return `${grew} and saves ${percent(saved)} of the tokens, under the ${
      percent(GROWTH_MIN_TOKEN_SAVING)
    } a larger upload needs; original sent`;
  }
  return saved >= GROWTH_MIN_TOKEN_SAVING
    ? `${grew}; sent: it saves ${percent(saved)} of the tokens`
    : `${grew}; sent all the same: the original has to be turned upright, reduced to one frame or converted`;
}

async function renderOne(
  planned: PlannedImage,
  image: IntakeImage,
  deps: RenderDeps,
  literals: Map<number, JsonLiteral>,
): Promise<void> {
  let result: RenderResult;
  try {
    // The decoded bytes move to the worker (no copy on the event loop); nothing here needs
    // them afterwards.
    result = await rendered(planned, image, deps, (bytes) => bytes);
  } catch (e) {
    // A picture the codec cannot read stays as it was; overload and timeouts go to the caller.
    if (!(e instanceof TaskError) || e.code !== "image_error") throw e;
    keepOriginal(planned, `could not decode (${e.message}); original sent`);
    return;
  }
  const grew = result.byteLength > planned.before.bytes;
  if (grew && !planned.replaceEvenIfLarger) {
    keepOriginal(planned, growthReason(planned, result));
    return;
  }
  const cheaper = planned.after.tokens < (planned.originalTokens ?? planned.before.tokens);
  // Neither smaller nor cheaper: the client's own bytes go.
  if (result.byteLength === planned.before.bytes && !cheaper && !planned.replaceEvenIfLarger) {
    keepOriginal(planned, `re-encoded ${result.format} was no smaller; original sent`);
    return;
  }
  if (grew) planned.reasons.push(growthReason(planned, result));
  planned.after = {
    ...planned.after,
    width: result.width,
    height: result.height,
    bytes: result.byteLength,
    format: result.format,
  };
  const how = result.formatReason ? ` (${result.formatReason})` : "";
  if (result.format !== planned.before.format) {
    planned.optimizations.push("reencode");
    planned.reasons.push(`${planned.before.format} → ${result.format}${how}`);
  } else if (planned.action === "reencode") {
    // Nothing else changed: the smaller encoding is the whole decision, and says so.
    planned.optimizations.push("reencode");
    planned.reasons.push(
      `${result.format} re-encoded${how}: ${planned.before.bytes} → ${result.byteLength} bytes`,
    );
  }
  delete planned.originalTokens;
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
