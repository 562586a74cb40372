/**
 * One Chat Completions request from bytes to the body squint sends: decode, read the controls,
 * read the images, plan, render in the workers, assemble. When the workers are overloaded or a
 * task fails, the request goes on unoptimized (`passthrough`, the stats say why) or is refused
 * with 503 (`reject`): optimization never turns load into an outage.
 */
import { modelNameProblem } from "../intake/model_name.ts";
import { estimateTextTokens } from "../accounting/text_tokens.ts";
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import { decodeBody, type DecodedBody, parseOnMainThread } from "../intake/decode_body.ts";
import { assembleBody, type JsonLiteral } from "../intake/inline_images.ts";
import { collectImages, type Intake, type IntakeImage } from "../intake/intake.ts";
import type { Registry } from "../models/registry.ts";
import type { ResolvedModel } from "../models/types.ts";
import { unknownModelReason } from "../models/unknown_model.ts";
import { type Controls, takeControls } from "../optimize/controls.ts";
import { type Route, routeModel } from "../providers/route.ts";
import { takesImageUrls } from "../providers/upstreams.ts";
import { type Form, formKeys, historyForms, KEPT_AS_PIXELS, rememberForms } from "./first_form.ts";
import type { KeyValueStore } from "../storage/types.ts";
import { lateReading, notReadWithin, type ReadingDeps, takenLook } from "./reading.ts";
import type { RoutingDecision } from "../routing/choose.ts";
import type { ImageFacts } from "../optimize/plan_image.ts";
import {
  type PlannedImage,
  planRequest,
  type RequestPlan,
  totals,
} from "../optimize/plan_request.ts";
import { PoolFullError, TaskError, type WorkerPool } from "../pool/pool.ts";
import { renderAhead, renderPlan } from "./render.ts";
import {
  type ContentEdit,
  type PlannedVideos,
  planVideos,
  type ReadVideo,
  readVideos,
} from "./videos.ts";
import { collectVideos, type IntakeVideo } from "../intake/videos.ts";
import { framesTokens } from "../optimize/plan_video.ts";
import type { RenderCache } from "./render_cache.ts";
import { type UnderstandCache, understandImages } from "./understand.ts";
import { classifyIntent, type IntentDecision } from "../optimize/intent/classify.ts";
import { intentInput } from "../optimize/intent/conversation.ts";
import { OCR_TOKEN_MARGIN, ocrQuestionBar } from "../optimize/ocr_route.ts";
import { legibilityAtStake } from "../optimize/legibility.ts";
import { planImage } from "../optimize/plan_image.ts";
import type { Understanding } from "../../workers/image/understand.ts";
import { timerMs } from "../timers.ts";

/** What the pipeline needs. */
export interface PipelineDeps {
  config: Config;
  pool: WorkerPool;
  registry: Registry;
  renderCache: RenderCache;
  understandCache: UnderstandCache;
  /** The reading lane (pages' OCR), its background readings and where their text is kept. */
  reading?: Omit<ReadingDeps, "cache" | "maxPixels" | "timeoutMs" | "budgetMs">;
}

/** A request ready to send, with its plan. */
export interface PreparedChat {
  body: Blob | string | Uint8Array;
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
  /** How the model was chosen, when squint chose it (`model: "auto"`, a cascade). */
  routing?: RoutingDecision;
  /** squint placed the provider prompt-cache breakpoints (SQUINT_PROMPT_CACHE=auto). */
  promptCacheBySquint?: boolean;
  /** What the request would have cost as asked, when squint chose another model. */
  before?: { tokens: number; model?: ResolvedModel };
}

/** Reading a page takes seconds: understanding gets this many times the task time limit. */
const OCR_TIMEOUT_FACTOR = 4;
/** Set aside from a reading's budget for what follows the wait: planning, splicing, sending. */
const AFTER_READING_MS = 20;

/** A JSON object (not an array, not null). */
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The few fields squint reads, each with what is wrong when it is not as squint needs it;
 * everything else passes through untouched. Checked by hand: this runs on every request, where a
 * schema library costs a microsecond and 2 KB of garbage for four fields.
 */
const CHAT_FIELDS: readonly [field: string, problem: (value: unknown) => string | undefined][] = [
  ["model", (v) => typeof v === "string" ? modelNameProblem(v) : "model: required string"],
  ["messages", (v) => Array.isArray(v) ? undefined : "messages: required array"],
  ["stream", (v) => v == null || typeof v === "boolean" ? undefined : "stream: must be a boolean"],
  [
    "stream_options",
    (v) => v == null || isObject(v) ? undefined : "stream_options: must be an object",
  ],
];

/** The message at each index, as far as squint reads it: an object with a string role. */
function messageProblem(message: unknown): string | undefined {
  if (!isObject(message)) return "messages[]: each message must be an object";
  return typeof message.role === "string" ? undefined : "messages[].role: required string";
}

function validate(json: Record<string, unknown>): void {
  const refuse = (message: string, param: string) => {
    throw new GatewayError(400, message, "invalid_request_error", null, param);
  };
  for (const [field, problem] of CHAT_FIELDS) {
    const found = problem(json[field]);
    if (found) refuse(found, field);
  }
  const messages = json.messages as unknown[];
  for (let i = 0; i < messages.length; i++) {
    const found = messageProblem(messages[i]);
    if (found) refuse(found, isObject(messages[i]) ? `messages.${i}.role` : `messages.${i}`);
  }
}

/** squint always learns the real usage of a stream; the relay hides it if the client did not ask. */
function askForUsage(json: Record<string, unknown>): boolean {
  if (json.stream !== true) return false;
  const options = (json.stream_options ?? {}) as Record<string, unknown>;
  const clientWants = options.include_usage === true;
  json.stream_options = { ...options, include_usage: true };
  return clientWants;
}

/** Whether `e` says the workers are overloaded (the request can go on unoptimized). */
export function isOverload(e: unknown): e is PoolFullError | TaskError {
  return e instanceof PoolFullError || e instanceof TaskError;
}

function overloadReason(e: PoolFullError | TaskError): string {
  return e instanceof PoolFullError
    ? "image workers busy"
    : `image task failed (${e.code}): ${e.message}`;
}

/** What every path reads from a body: the controls (removed from it), its shape, its model. */
export interface RequestFacts {
  controls: Controls;
  /** The body carried a `squint` object (taken out of it). */
  controlsInBody: boolean;
  model: string;
  /** Which upstream serves the model, and the name it knows it by. */
  route: Route;
  resolved?: ResolvedModel;
  textTokens: number;
}

function readRequest(
  json: Record<string, unknown>,
  headers: Headers,
  deps: PipelineDeps,
): RequestFacts {
  const controlsInBody = json.squint !== undefined;
  const controls = takeControls(json, headers, deps.config);
  validate(json);
  const model = json.model as string;
  const route = routeModel(model, deps.config);
  return {
    controls,
    controlsInBody,
    model,
    route,
    resolved: deps.registry.resolve(route.registryName),
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
  videos?: PlannedVideos,
  /** The bytes as they came, when nothing but what this function changes was changed. */
  pristine?: Uint8Array,
): PreparedChat {
  const clientWantsUsage = askForUsage(json);
  const plans = videos?.plans ?? [];
  // Rendering may have kept a frame as it was: its tokens are counted again.
  for (const plan of plans) if (!plan.native) plan.tokens.after = framesTokens(plan.frames);
  const edits = [...ocrEdits(json, images), ...(videos?.edits ?? [])];
  applyEdits(json, edits);
  // A text-only body nothing changed goes as it came: no need to write it out again.
  const unchanged = pristine && literals.size === 0 && edits.length === 0 &&
    json.stream !== true && json.model === facts.route.model;
  json.model = facts.route.model;
  return {
    body: unchanged ? pristine : assembleBody(json, literals),
    messages: json.messages,
    model: facts.model,
    resolved: facts.resolved,
    plan: {
      images,
      ...(plans.length ? { videos: plans } : {}),
      ...totals(images, facts.textTokens, plans),
    },
    optimizations: [
      ...new Set([...images, ...plans].flatMap((i) => i.optimizations)),
    ],
    stream: json.stream === true,
    clientWantsUsage,
    // A model the registry does not know is named, so operators see what squint could not help.
    passthroughReason: passthroughReason ??
      (facts.resolved ? undefined : unknownModelReason(facts.model)),
  };
}

/** The OCR text of every image routed to text in its place (before it, with a thumbnail). */
function ocrEdits(json: Record<string, unknown>, images: readonly PlannedImage[]): ContentEdit[] {
  const messages = json.messages as { content: unknown[] }[];
  return images.filter((i) => i.ocr).map((image) => {
    const text = { type: "text", text: image.ocr!.text };
    const original = messages[image.message].content[image.part];
    const parts = image.ocr!.thumbnail ? [text, original] : [text];
    return { message: image.message, part: image.part, parts };
  });
}

/** Applies content edits from the last part to the first, so earlier positions stay valid. */
function applyEdits(json: Record<string, unknown>, edits: ContentEdit[]): void {
  const messages = json.messages as { content: unknown[] }[];
  edits.sort((a, b) => b.message - a.message || b.part - a.part);
  for (const edit of edits) messages[edit.message].content.splice(edit.part, 1, ...edit.parts);
}

/** What each image (or video) is for, from the conversation around it. */
export function intents(
  json: Record<string, unknown>,
  images: readonly { site: { message: number } }[],
) {
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

/**
 * A request read but not yet optimized: its body (inline values as markers), controls and
 * images. What the cache key is computed from, before any expensive work.
 */
export interface AdmittedChat {
  json: Record<string, unknown>;
  facts: RequestFacts;
  decoded: DecodedBody;
  intake: Intake;
  /** Its `video_url` parts, read (only when optimizing). */
  videos: IntakeVideo[];
  /** The request bytes as they came (handed back by the workers), for a passthrough. */
  body: Uint8Array;
  /** Set when the workers could not read the request: it goes as it came. */
  passthroughReason?: string;
  /**
   * The body is as it came: no `squint` object taken out and nothing lifted from it. Whoever
   * changes `json` after admission (tool order, a prompt-cache key) sets this false.
   */
  pristine: boolean;
  /** `performance.now()` when it was admitted: a reading's budget counts from here. */
  admittedAt: number;
  /**
   * Settled once its pictures are rendered: a reading it leaves to the background starts then,
   * not on the cores its pictures need.
   */
  rendered?: PromiseWithResolvers<void>;
}

/**
 * Admits an already decoded body (another door's request seen as a chat body); overload errors
 * reach the caller.
 */
export async function admitDecoded(
  decoded: DecodedBody,
  headers: Headers,
  deps: PipelineDeps,
): Promise<AdmittedChat> {
  return await admit(decoded, headers, deps);
}

async function admit(
  decoded: DecodedBody,
  headers: Headers,
  deps: PipelineDeps,
): Promise<AdmittedChat> {
  const started = performance.now();
  const { config, pool } = deps;
  const json = decoded.json;
  const facts = readRequest(json, headers, deps);
  const intake = await collectImages(decoded, {
    pool,
    fetchRemote: config.fetch_remote_images === "on" &&
      (facts.controls.optimize || !takesImageUrls(facts.route.provider)),
    inlineRemote: !takesImageUrls(facts.route.provider),
    fetchPolicy: {
      allowPrivate: config.allow_private_hosts,
      maxBytes: config.max_image_mb * 2 ** 20,
      timeoutMs: config.image_fetch_timeout_s * 1000,
    },
    maxPixels: config.max_image_pixels,
  });
  const videos = facts.controls.optimize
    ? await collectVideos(decoded, {
      pool,
      fetchRemote: config.fetch_remote_images === "on",
      fetchPolicy: {
        allowPrivate: config.allow_private_hosts,
        maxBytes: config.video_max_mb * 2 ** 20,
        timeoutMs: config.video_fetch_timeout_s * 1000,
      },
    })
    : [];
  const pristine = !facts.controlsInBody && decoded.inline.length === 0 &&
    intake.images.length === 0 && videos.length === 0;
  return {
    json,
    facts,
    decoded,
    intake,
    videos,
    body: decoded.body,
    pristine,
    admittedAt: started,
    ...(intake.images.length > 0 && { rendered: Promise.withResolvers<void>() }),
  };
}

/** An admitted request with what its questions ask and what its images show. */
export interface UnderstoodChat {
  /** Per image (in intake order): its question and the question's intent. */
  asked: { question: string; intent: IntentDecision }[];
  /** Per image: what the workers found (content, text, perceptual hashes). */
  found: (Understanding | undefined)[];
  /** Per video: its frames worth sending. */
  videos: ReadVideo[];
  /** Per image: where its first form is recorded, and the form a history image keeps. */
  forms?: { keys: { key: string; history: boolean }[]; kept: (Form | undefined)[] };
}

async function understand(
  admitted: AdmittedChat,
  deps: PipelineDeps,
  look = false,
): Promise<UnderstoodChat> {
  const { config, pool } = deps;
  const { json, facts, intake } = admitted;
  const asked = intents(json, intake.images);
  const forms = deps.reading && intake.images.length > 0
    ? await imageForms(json, intake, deps.reading.kv)
    : undefined;
  // A history image first sent as pixels is not read: it goes as pixels again.
  const budgets = intake.images.map((image, i) =>
    forms?.kept[i] === "pixels" ? undefined : textBudget(image, asked[i], facts)
  );
  const reads = facts.controls.ocr !== "off";
  // The budget covers the whole time squint holds the request for reading: what admitting it
  // took is spent, and what is left after the wait (writing the body out) is set aside.
  const budgetMs = facts.controls.ocrBudgetMs;
  const waitMs = Math.max(
    0,
    budgetMs - (performance.now() - admitted.admittedAt) - AFTER_READING_MS,
  );
  const ahead = deps.reading && reads
    ? pixelsAhead(admitted, { asked, forms }, budgets, waitMs, deps)
    : undefined;
  let found: (Understanding | undefined)[];
  try {
    found = await understandImages(intake.images, budgets, reads, {
      pool,
      cache: deps.understandCache,
      maxPixels: config.max_image_pixels,
      timeoutMs: OCR_TIMEOUT_FACTOR * config.task_timeout_s * 1000,
      reading: deps.reading &&
        { ...deps.reading, budgetMs, waitMs, startAfter: admitted.rendered?.promise },
    }, look || asked.map((a) => legibilityAtStake(a.intent.label, facts.controls)));
  } finally {
    ahead?.cancel();
  }
  const videos = await readVideos(admitted.videos, intents(json, admitted.videos), deps);
  return { asked, found, videos, forms };
}

/**
 * Shortly before the wait for the pages' text ends (`waitMs`), renders the pixels each page being
 * read would go as if its text came too late, so that, when it does, they are ready and the
 * request is held no longer than the budget. The plan is the planner's own for "not read within
 * the budget"; a page whose text comes in time has only cost a render in the picture lane.
 */
function pixelsAhead(
  admitted: AdmittedChat,
  understood: Pick<UnderstoodChat, "asked" | "forms">,
  budgets: readonly (number | undefined)[],
  waitMs: number,
  deps: PipelineDeps,
): { cancel(): void } {
  const read = (_: unknown, i: number) => budgets[i] !== undefined;
  const images = admitted.intake.images.filter(read);
  if (images.length === 0) return { cancel() {} };
  const lead = Math.max(...images.map((image) => renderLeadMs(image.inspected?.info)));
  const { ocrBudgetMs } = admitted.facts.controls;
  let cancelled = false;
  const timer = setTimeout(async () => {
    // Each page as the reading step hands it over when late: with its look, if one was taken.
    const found = await Promise.all(
      admitted.intake.images.map(async (image, i) =>
        budgets[i] === undefined ? undefined : lateReading(
          await takenLook(deps.understandCache, image.inspected?.hash),
          ocrBudgetMs,
        )
      ),
    );
    if (cancelled) return;
    const planned = planImages(admitted, { ...understood, found }).images.filter(read);
    renderAhead(planned, images, {
      pool: deps.pool,
      cache: deps.renderCache,
      maxPixels: deps.config.max_image_pixels,
    });
  }, timerMs(Math.max(0, waitMs - lead)));
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

/**
 * How long before it is needed a page's render starts: decoding, resizing and encoding take
 * ~100 ms plus ~50 ms per megapixel on the picture lane while the reading lane is busy (a 300 dpi
 * page, 8.4 MP, took 410-610 ms on 2 shared cores).
 */
function renderLeadMs(info: { width: number; height: number } | undefined): number {
  return info ? 100 + 50 * (info.width * info.height) / 1e6 : 100;
}

/** Where each image's first form is recorded, and the forms history images keep. */
async function imageForms(json: Record<string, unknown>, intake: Intake, kv: KeyValueStore) {
  const messages = Array.isArray(json.messages) ? json.messages : [];
  const keys = await formKeys(messages, intake.images.map((image) => image.site));
  return { keys, kept: await historyForms(kv, keys) };
}

/** The plan of a request's images, from what its questions ask and its images show. */
function planImages(
  admitted: AdmittedChat,
  { asked, found, forms }: Pick<UnderstoodChat, "asked" | "found" | "forms">,
) {
  const { facts, intake } = admitted;
  return planRequest(
    intake.images.map((image, i) => ({
      message: image.site.message,
      part: image.site.part,
      facts: {
        ...factsOf(image, i + 1, found[i]),
        ...asked[i],
        ...(forms?.kept[i] === "pixels" ? { ocrSkipped: KEPT_AS_PIXELS } : {}),
      },
    })),
    facts.resolved?.family,
    facts.controls,
    facts.textTokens,
  );
}

/** A request's image plans in both states of its pages' text: what `/v1/optimize` shows. */
export interface ReadingCases {
  /** The images (intake order) whose text is read for this request. */
  pages: number[];
  /** Whether every page's text was known when `understood` was taken (the plan sent then). */
  sentKnown: boolean;
  /** The plan while a page's text is not known: first sight, past the reading budget. */
  unknown: RequestPlan;
  /** The plan once every page's text is known: read in time, or remembered (when awaited). */
  known?: RequestPlan;
}

/**
 * The plans of `understood`'s request with its pages' text not known and known, the known state
 * an explicit input of the planner. When a page was not read within the budget, its reading
 * (already under way in the background) is joined and awaited for the known case, or with
 * `wait` false that case is left out. Planner figures: nothing is rendered. Undefined when no
 * page of the request is read.
 */
export async function readingCases(
  admitted: AdmittedChat,
  understood: UnderstoodChat,
  deps: PipelineDeps,
  wait = true,
): Promise<ReadingCases | undefined> {
  const late = notReadWithin(admitted.facts.controls.ocrBudgetMs);
  const isLate = (found?: Understanding) => found?.ocrSkipped === late;
  const pages = understood.found.flatMap((found, i) => found?.ocr || isLate(found) ? [i] : []);
  if (pages.length === 0) return undefined;
  const unknown = planImages(admitted, {
    ...understood,
    found: understood.found.map((found, i) =>
      pages.includes(i) ? lateReading(found, admitted.facts.controls.ocrBudgetMs) : found
    ),
  });
  const sentKnown = !understood.found.some(isLate);
  if (sentKnown) return { pages, sentKnown, unknown, known: planImages(admitted, understood) };
  if (!wait) return { pages, sentKnown, unknown };
  // This request's own readings are joined (they are under way), waited for as long as a
  // reading may take; the instance's other background readings are not waited for.
  const { controls } = admitted.facts;
  const patient = {
    ...admitted,
    facts: {
      ...admitted.facts,
      controls: {
        ...controls,
        ocrBudgetMs: OCR_TIMEOUT_FACTOR * deps.config.task_timeout_s * 1000,
      },
    },
  };
  return {
    pages,
    sentKnown,
    unknown,
    known: planImages(admitted, await understand(patient, deps)),
  };
}

async function optimize(
  admitted: AdmittedChat,
  understood: UnderstoodChat,
  deps: PipelineDeps,
): Promise<PreparedChat> {
  const { config, pool } = deps;
  const { json, facts, intake } = admitted;
  const { forms } = understood;
  const { images } = planImages(admitted, understood);
  const videos = planVideos(
    understood.videos,
    facts.resolved?.family,
    facts.controls,
    { maxFrames: config.video_max_frames, gemini: config.video_gemini },
    intake.literals,
  );
  if (forms && deps.reading) rememberForms(deps.reading.kv, forms.keys, images);
  const frames = videos.plans.flatMap((v) => v.frames);
  try {
    await renderPlan([...images, ...frames], [...intake.images, ...videos.frames], {
      pool,
      cache: deps.renderCache,
      maxPixels: config.max_image_pixels,
    }, intake.literals);
  } finally {
    admitted.rendered?.resolve();
  }
  return prepared(
    json,
    facts,
    images,
    intake.literals,
    undefined,
    videos,
    admitted.pristine ? admitted.body : undefined,
  );
}

/**
 * Each image of an admitted request as the planner takes it before any page is read: routing
 * prices its options on these. An image whose legibility a glance puts at stake is looked at
 * first (what it shows, its text lines: the look every plan of it shares, remembered by its
 * hash), so each option is priced with the legibility floor it would be sent with. With the
 * workers overloaded, or without `deps`, the images go unlooked.
 */
export async function imageFacts(
  admitted: AdmittedChat,
  deps?: PipelineDeps,
): Promise<ImageFacts[]> {
  const { json, facts, intake } = admitted;
  const asked = intents(json, intake.images);
  const looks = asked.map((a) => legibilityAtStake(a.intent.label, facts.controls));
  let found: (Understanding | undefined)[] = [];
  if (deps && looks.some(Boolean)) {
    found = await understandImages(intake.images, [], false, {
      pool: deps.pool,
      cache: deps.understandCache,
      maxPixels: deps.config.max_image_pixels,
      timeoutMs: OCR_TIMEOUT_FACTOR * deps.config.task_timeout_s * 1000,
    }, looks).catch((e) => {
      if (isOverload(e)) return [];
      throw e;
    });
  }
  return intake.images.map((image, i) => ({ ...factsOf(image, i + 1, found[i]), ...asked[i] }));
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
    textLines: found?.textLines,
    cameraPhoto: found?.cameraPhoto,
    ocr: found?.ocr,
    ocrSkipped: found?.ocrSkipped,
  };
}

/** The request as the client sent it (less `squint`), when it cannot be optimized. */
function passthroughAdmitted(
  bytes: Uint8Array,
  headers: Headers,
  deps: PipelineDeps,
  reason: string,
  model?: string,
): AdmittedChat {
  const decoded = parseOnMainThread(bytes, false);
  if (model !== undefined) decoded.json.model = model;
  const facts = readRequest(decoded.json, headers, deps);
  return {
    json: decoded.json,
    facts,
    decoded,
    intake: { images: [], literals: new Map() },
    videos: [],
    body: bytes,
    passthroughReason: reason,
    pristine: false,
    admittedAt: performance.now(),
  };
}

/**
 * Runs `step`; on overload the request goes on unoptimized (from `body`, the bytes as they came)
 * or is refused, as `on_overload` says.
 */
async function orPassthrough<T>(
  body: () => Uint8Array,
  size: number,
  deps: PipelineDeps,
  step: () => Promise<T>,
  passthrough: (body: Uint8Array, reason: string) => T,
): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!isOverload(e)) throw e;
    // The body went down with a worker that crashed or timed out while parsing it.
    const lost = body().byteLength !== size;
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
    return passthrough(body(), `${overloadReason(e)}; sent unoptimized`);
  }
}

/** Reads a Chat Completions request: body, controls, images (nothing optimized yet). */
export async function admitChat(
  bytes: Uint8Array,
  headers: Headers,
  deps: PipelineDeps,
  /** Another model than the body names (a fallback): the request is read as if it named this. */
  model?: string,
): Promise<AdmittedChat> {
  let body = bytes;
  return await orPassthrough(() => body, bytes.byteLength, deps, async () => {
    const decoded = await decodeBody(bytes, deps.pool);
    body = decoded.body;
    if (model === undefined) return await admit(decoded, headers, deps);
    decoded.json.model = model;
    return { ...await admit(decoded, headers, deps), pristine: false };
  }, (original, reason) => passthroughAdmitted(original, headers, deps, reason, model));
}

/**
 * What an admitted request's questions ask and its images show, the candidates read and (with
 * `look`, the default) every image looked at (what it shows, its perceptual hashes): the first
 * half of optimizing it, which can then go on from here. Undefined when the request goes
 * unoptimized or the workers are overloaded.
 */
export async function understandChat(
  admitted: AdmittedChat,
  deps: PipelineDeps,
  look = true,
): Promise<UnderstoodChat | undefined> {
  if (admitted.passthroughReason) return undefined;
  try {
    return await understand(admitted, deps, look);
  } catch (e) {
    if (isOverload(e)) return undefined;
    throw e;
  }
}

/** Optimizes an admitted request into the body squint sends. */
export async function optimizeChat(
  admitted: AdmittedChat,
  deps: PipelineDeps,
  understood?: UnderstoodChat,
): Promise<PreparedChat> {
  if (admitted.passthroughReason) {
    const { json, facts } = admitted;
    return prepared(json, facts, [], new Map(), admitted.passthroughReason);
  }
  const { json, facts, intake, videos } = admitted;
  if (intake.images.length === 0 && videos.length === 0) {
    // Text only: nothing to look at, plan or render.
    const pristine = admitted.pristine ? admitted.body : undefined;
    return prepared(json, facts, [], intake.literals, undefined, undefined, pristine);
  }
  return await orPassthrough(
    () => admitted.body,
    admitted.body.byteLength,
    deps,
    async () => optimize(admitted, understood ?? await understand(admitted, deps), deps),
    (original, reason) => {
      const { json, facts } = passthroughAdmitted(original, new Headers(), deps, reason);
      return prepared(json, { ...facts, controls: admitted.facts.controls }, [], new Map(), reason);
    },
  );
}

/**
 * The request as answered without a call (a stored answer): nothing to optimize or send; its
 * figures are those of the original request (`tokens`, squint's estimates then).
 */
export function preparedFromStore(
  admitted: AdmittedChat,
  tokens: { before: number; after: number },
  optimizations: string[] = [],
): PreparedChat {
  const { json, facts } = admitted;
  const stream = json.stream === true;
  const options = (json.stream_options ?? {}) as { include_usage?: unknown };
  return {
    body: "",
    messages: json.messages,
    model: facts.model,
    resolved: facts.resolved,
    plan: { images: [], tokens, estimated: true },
    optimizations,
    stream,
    clientWantsUsage: stream && options.include_usage === true,
  };
}
