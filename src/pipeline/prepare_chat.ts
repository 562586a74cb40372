/**
 * One Chat Completions request from bytes to the body squint sends: decode, read the controls,
 * read the images, plan, render in the workers, assemble. When the workers are overloaded or a
 * task fails, the request goes on unoptimized (`passthrough`, the stats say why) or is refused
 * with 503 (`reject`): optimization never turns load into an outage.
 */
import { z } from "zod";
import { estimateTextTokens } from "../accounting/text_tokens.ts";
import type { Config } from "../config.ts";
import { GatewayError } from "../http/errors.ts";
import { decodeBody, type DecodedBody, parseOnMainThread } from "../intake/decode_body.ts";
import { assembleBody, type JsonLiteral } from "../intake/inline_images.ts";
import { collectImages, type IntakeImage } from "../intake/intake.ts";
import type { Registry } from "../models/registry.ts";
import type { ResolvedModel } from "../models/types.ts";
import { type Controls, takeControls } from "../optimize/controls.ts";
import type { ImageFacts } from "../optimize/plan_image.ts";
import {
  type PlannedImage,
  planRequest,
  type RequestPlan,
  totals,
} from "../optimize/plan_request.ts";
import { PoolFullError, TaskError, type WorkerPool } from "../pool/pool.ts";
import { renderPlan } from "./render.ts";
import type { RenderCache } from "./render_cache.ts";
import { type UnderstandCache, understandImages } from "./understand.ts";
import { classifyIntent, type IntentDecision } from "../optimize/intent/classify.ts";
import { intentInput } from "../optimize/intent/conversation.ts";
import { OCR_TOKEN_MARGIN, ocrQuestionBar } from "../optimize/ocr_route.ts";
import { planImage } from "../optimize/plan_image.ts";
import type { Understanding } from "../../workers/image/understand.ts";

/** What the pipeline needs. */
export interface PipelineDeps {
  config: Config;
  pool: WorkerPool;
  registry: Registry;
  renderCache: RenderCache;
  understandCache: UnderstandCache;
}

/** A request ready to send, with its plan. */
export interface PreparedChat {
  body: Blob | string;
  /** The messages with inline images as markers (for the log, never the bytes). */
  messages: unknown;
  model: string;
  resolved?: ResolvedModel;
  plan: RequestPlan;
  optimizations: string[];
  stream: boolean;
  /** The client asked for the usage chunk itself. */
  clientWantsUsage: boolean;
  passthroughReason?: string;
}

/** Reading a page takes seconds: understanding gets this many times the task time limit. */
const OCR_TIMEOUT_FACTOR = 4;

/** The few fields squint reads; everything else passes through untouched. */
const chatShape = z.looseObject({
  model: z.string({ error: "model: required string" }).min(1, "model: required string"),
  messages: z.array(
    z.looseObject({ role: z.string({ error: "messages[].role: required string" }) }),
    {
      error: "messages: required array",
    },
  ),
  stream: z.boolean({ error: "stream: must be a boolean" }).optional().nullable(),
  stream_options: z.looseObject({}).optional().nullable(),
});

function validate(json: Record<string, unknown>): void {
  const parsed = chatShape.safeParse(json);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const param = issue.path.join(".") || null;
  throw new GatewayError(400, issue.message, "invalid_request_error", null, param);
}

/** squint always learns the real usage of a stream; the relay hides it if the client did not ask. */
function askForUsage(json: Record<string, unknown>): boolean {
  if (json.stream !== true) return false;
  const options = (json.stream_options ?? {}) as Record<string, unknown>;
  const clientWants = options.include_usage === true;
  json.stream_options = { ...options, include_usage: true };
  return clientWants;
}

function isOverload(e: unknown): e is PoolFullError | TaskError {
  return e instanceof PoolFullError || e instanceof TaskError;
}

function overloadReason(e: PoolFullError | TaskError): string {
  return e instanceof PoolFullError
    ? "image workers busy"
    : `image task failed (${e.code}): ${e.message}`;
}

/** What every path reads from a body: the controls (removed from it), its shape, its model. */
interface RequestFacts {
  controls: Controls;
  model: string;
  resolved?: ResolvedModel;
  textTokens: number;
}

function readRequest(
  json: Record<string, unknown>,
  headers: Headers,
  deps: PipelineDeps,
): RequestFacts {
  const controls = takeControls(json, headers, deps.config);
  validate(json);
  const model = json.model as string;
  return {
    controls,
    model,
    resolved: deps.registry.resolve(model),
    textTokens: estimateTextTokens(json),
  };
}

/** The request ready to send, from its body and its planned (and rendered) images. */
function prepared(
  json: Record<string, unknown>,
  facts: RequestFacts,
  images: PlannedImage[],
  literals: ReadonlyMap<number, JsonLiteral>,
  passthroughReason?: string,
): PreparedChat {
  const clientWantsUsage = askForUsage(json);
  sendAsText(json, images);
  return {
    body: assembleBody(json, literals),
    messages: json.messages,
    model: facts.model,
    resolved: facts.resolved,
    plan: { images, ...totals(images, facts.textTokens) },
    optimizations: [...new Set(images.flatMap((i) => i.optimizations))],
    stream: json.stream === true,
    clientWantsUsage,
    passthroughReason,
  };
}

/**
 * Puts the OCR text of every image routed to text in its place (before it, when a thumbnail
 * goes too). Parts are edited from the last to the first, so earlier positions stay valid.
 */
function sendAsText(json: Record<string, unknown>, images: readonly PlannedImage[]): void {
  const routed = images.filter((i) => i.ocr).sort((a, b) =>
    b.message - a.message || b.part - a.part
  );
  for (const image of routed) {
    const content = (json.messages as { content: unknown[] }[])[image.message].content;
    const text = { type: "text", text: image.ocr!.text };
    if (image.ocr!.thumbnail) content.splice(image.part, 0, text);
    else content[image.part] = text;
  }
}

/** What each image is for, from the conversation around it. */
function intents(json: Record<string, unknown>, images: readonly IntakeImage[]) {
  const messages = json.messages as { role?: unknown; content?: unknown }[];
  // Images of one message share their question: it is classified once.
  const byMessage = new Map<number, { question: string; intent: IntentDecision }>();
  return images.map(({ site }) => {
    let asked = byMessage.get(site.message);
    if (!asked) {
      const input = intentInput(messages, site.message);
      asked = { question: input.text, intent: classifyIntent(input) };
      byMessage.set(site.message, asked);
    }
    return asked;
  });
}

/**
 * The text tokens an image's text must stay under to replace it (what its pixels will cost,
 * less the estimate's margin), or undefined when its text could not answer the question.
 */
function textBudget(
  image: IntakeImage,
  asked: { question: string; intent: IntentDecision },
  facts: RequestFacts,
): number | undefined {
  const { controls, resolved } = facts;
  if (!resolved || !controls.optimize || controls.ocr === "off") return undefined;
  if (ocrQuestionBar(asked.intent.label, asked.question) !== undefined) return undefined;
  const pixels = planImage({ ...factsOf(image, 1), ...asked }, resolved.family, controls);
  return pixels.after.tokens / OCR_TOKEN_MARGIN;
}

async function optimize(
  decoded: DecodedBody,
  headers: Headers,
  deps: PipelineDeps,
): Promise<PreparedChat> {
  const { config, pool } = deps;
  const json = decoded.json;
  const facts = readRequest(json, headers, deps);
  const intake = await collectImages(decoded, {
    pool,
    fetchRemote: facts.controls.optimize && config.fetch_remote_images === "on",
    fetchPolicy: {
      allowPrivate: config.allow_private_hosts,
      maxBytes: config.max_image_mb * 2 ** 20,
      timeoutMs: config.image_fetch_timeout_s * 1000,
    },
    maxPixels: config.max_image_pixels,
  });
  const asked = intents(json, intake.images);
  const found = await understandImages(
    intake.images,
    intake.images.map((image, i) => textBudget(image, asked[i], facts)),
    facts.controls.ocr !== "off",
    {
      pool,
      cache: deps.understandCache,
      maxPixels: config.max_image_pixels,
      timeoutMs: OCR_TIMEOUT_FACTOR * config.task_timeout_s * 1000,
    },
  );
  const { images } = planRequest(
    intake.images.map((image, i) => ({
      message: image.site.message,
      part: image.site.part,
      facts: { ...factsOf(image, i + 1, found[i]), ...asked[i] },
    })),
    facts.resolved?.family,
    facts.controls,
    facts.textTokens,
  );
  await renderPlan(images, intake.images, {
    pool,
    cache: deps.renderCache,
    maxPixels: config.max_image_pixels,
  }, intake.literals);
  return prepared(json, facts, images, intake.literals);
}

function factsOf(image: IntakeImage, number: number, found?: Understanding): ImageFacts {
  return {
    // Without its bytes (lost with a worker) an image can only be sent as it came.
    info: image.inspected?.bytes ? image.inspected.info : undefined,
    bytes: image.inspected?.bytes?.byteLength ?? 0,
    detail: image.site.imageUrl.detail,
    unreadable: image.unreadable,
    number,
    content: found?.content,
    ocr: found?.ocr,
    ocrSkipped: found?.ocrSkipped,
  };
}

/** The request as the client sent it (less `squint`), when it cannot be optimized. */
function passthrough(
  bytes: Uint8Array,
  headers: Headers,
  deps: PipelineDeps,
  reason: string,
): PreparedChat {
  const { json } = parseOnMainThread(bytes, false);
  return prepared(json, readRequest(json, headers, deps), [], new Map(), reason);
}

/** Prepares a Chat Completions request; on overload it is passed through or refused. */
export async function prepareChat(
  bytes: Uint8Array,
  headers: Headers,
  deps: PipelineDeps,
): Promise<PreparedChat> {
  const size = bytes.byteLength;
  let body = bytes;
  try {
    const decoded = await decodeBody(bytes, deps.pool);
    body = decoded.body;
    return await optimize(decoded, headers, deps);
  } catch (e) {
    if (!isOverload(e)) throw e;
    // The body went down with a worker that crashed or timed out while parsing it.
    const lost = body.byteLength !== size;
    if (deps.config.on_overload === "reject" || lost) {
      throw new GatewayError(
        503,
        `squint is overloaded: ${overloadReason(e)}`,
        "overloaded_error",
        "overloaded",
        null,
        { "retry-after": "1" },
      );
    }
    return passthrough(body, headers, deps, `${overloadReason(e)}; sent unoptimized`);
  }
}
