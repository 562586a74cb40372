/**
 * A request at a door that speaks the upstream's own API (Anthropic's Messages, OpenAI's
 * Responses), from bytes to the body squint forwards: its inline images are planned and
 * rendered for the model named (through the chat pipeline, on a chat view of the body), and only
 * their data (and the fields beside it the plan changes) differ in the bytes sent. Everything
 * else goes as the client wrote it. On overload the body goes as it came.
 */
import { GatewayError } from "../errors.ts";
import { modelNameProblem } from "../intake/model_name.ts";
import { type AnthropicImage, chatView, type NewImageData } from "../intake/anthropic_images.ts";
import {
  type NativeApi,
  parseNativeBody,
  serializeJson,
  spliceNativeBody,
} from "../intake/native_body.ts";
import type { JsonLiteral } from "../intake/inline_images.ts";
import {
  type NewResponsesImage,
  type ResponsesImage,
  responsesView,
} from "../intake/responses_images.ts";
import { base64DataUrl } from "../providers/openai_parts.ts";
import {
  type GeminiImage,
  geminiView,
  type NewGeminiImage,
  plannedLevel,
} from "../intake/gemini_images.ts";
import type { PlannedImage } from "../optimize/plan_image.ts";
import {
  admitDecoded,
  type AdmittedChat,
  isOverload,
  optimizeChat,
  type PipelineDeps,
  type PreparedChat,
  type UnderstoodChat,
} from "./prepare_chat.ts";

type Json = Record<string, unknown>;

/** How one API's bodies are seen, changed and written back. */
export interface NativeRequest<Image extends { ref: number; path: string }, Change> {
  /** The field that must be present besides `model` (or one of several; 400 naming the first). */
  required: string | readonly string[];
  /** Where the model is named: in the body (`model`), or in the URL (Gemini's path). */
  modelIn: "body" | "url";
  /**
   * A field that can name the model in the body's stead (a stored prompt, which carries its
   * own): with it, `model` may be left out, and the request is read for no model (`""`).
   */
  modelOptionalWith?: string;
  view(body: Json, model: string): { view: Json; inline: string[]; images: Image[] };
  /** What changed for `image`: its new literal (if rendered again), and its plan. */
  change(
    image: Image,
    literal: JsonLiteral | undefined,
    planned?: PlannedImage,
  ): Change | undefined;
  /** Which API's splicer writes the changes into the body's text (`native_body.ts`). */
  api: NativeApi;
  /** Applies `changes` to the parsed body (when splicing fails, it is re-serialized). */
  apply(changes: Change[]): void;
  /** The object of the parsed body that holds `image`'s data (what the cache key replaces). */
  holder(image: Image): object;
}

/** The `data:` URL a rendered literal holds (a JSON string). */
function dataUrlOf(literal: JsonLiteral): string {
  return JSON.parse(typeof literal === "string" ? literal : new TextDecoder().decode(literal));
}

/** Anthropic Messages: base64 image blocks' `data` and `media_type`. */
export const MESSAGES_REQUEST: NativeRequest<AnthropicImage, NewImageData> = {
  required: "messages",
  modelIn: "body",
  view: chatView,
  change(image, literal, planned) {
    const parsed = literal === undefined ? undefined : base64DataUrl(dataUrlOf(literal));
    const ocr = planned?.ocr;
    if (!parsed && !ocr) return undefined;
    return { image, mediaType: parsed?.mediaType ?? "", data: parsed?.data ?? "", ocr };
  },
  api: "messages",
  apply(changes) {
    for (const { image, mediaType, data, ocr } of changes) {
      if (data) {
        const source = image.source as Record<string, unknown>;
        delete source.url;
        Object.assign(source, { type: "base64", media_type: mediaType, data });
      }
      if (!ocr) continue;
      // The page's text takes the block's place (before it, when a thumbnail stays).
      const at = image.container.indexOf(image.block);
      const text = { type: "text", text: ocr.text };
      image.container.splice(at, 1, ...(ocr.thumbnail ? [text, image.block] : [text]));
    }
  },
  holder: (image) => image.source,
};

/** OpenAI Responses: inline `input_image` parts' `image_url` and `detail`. */
export const RESPONSES_REQUEST: NativeRequest<ResponsesImage, NewResponsesImage> = {
  // A stored prompt (`prompt`) can hold the whole input, and its own model.
  required: ["input", "prompt"],
  modelIn: "body",
  modelOptionalWith: "prompt",
  view: responsesView,
  change(image, literal, planned) {
    const rendered = literal === undefined ? undefined : dataUrlOf(literal);
    // A fetched image kept as it was has its URL as its literal: nothing to change.
    const url = rendered === image.part.image_url ? undefined : rendered;
    const detailChanged = !image.fixedDetail && image.site.detail !== undefined &&
      image.site.detail !== image.part.detail;
    const ocr = image.container && planned?.ocr;
    return url !== undefined || detailChanged || ocr ? { image, url, ocr } : undefined;
  },
  api: "responses",
  apply(changes) {
    for (const { image, url, ocr } of changes) {
      if (url !== undefined) image.part.image_url = url;
      if (image.site.detail !== undefined && !image.fixedDetail) {
        image.part.detail = image.site.detail;
      }
      if (!ocr || !image.container) continue;
      // The page's text takes the part's place (before it, when a thumbnail stays).
      const at = image.container.indexOf(image.part);
      const text = { type: "input_text", text: ocr.text };
      image.container.splice(at, 1, ...(ocr.thumbnail ? [text, image.part] : [text]));
    }
  },
  holder: (image) => image.part,
};

/**
 * Gemini `generateContent`: inline images' data and MIME type; a fetched file sent inline; on
 * Gemini 3 the `media_resolution` level of a picture whose plan changed its detail.
 */
export const GEMINI_REQUEST: NativeRequest<GeminiImage, NewGeminiImage> = {
  // countTokens takes a whole `generateContentRequest` in place of `contents`.
  required: ["contents", "generateContentRequest"],
  modelIn: "url",
  view: geminiView,
  change(image, literal, planned) {
    const parsed = literal === undefined ? undefined : base64DataUrl(dataUrlOf(literal));
    const ocr = planned?.ocr;
    const level = plannedLevel(image);
    if (!parsed && !ocr && !level) return undefined;
    return { image, mimeType: parsed?.mediaType, data: parsed?.data, level, ocr };
  },
  api: "gemini",
  apply(changes) {
    for (const { image, mimeType, data, level, ocr } of changes) {
      const { part } = image;
      // Fields go in the part's own spelling (snake_case or camelCase).
      const snake = "file_data" in part || "inline_data" in part;
      // Gemini 3's level per part, which overrides the request's.
      if (level) {
        delete part[snake ? "mediaResolution" : "media_resolution"];
        part[snake ? "media_resolution" : "mediaResolution"] = { level };
      }
      if (data !== undefined && mimeType !== undefined) {
        // A fetched file now goes inline.
        for (const key of ["fileData", "file_data", "inlineData", "inline_data"]) delete part[key];
        part[snake ? "inline_data" : "inlineData"] = snake
          ? { mime_type: mimeType, data }
          : { mimeType, data };
      }
      if (!ocr) continue;
      const at = image.container.indexOf(part);
      const text = { text: ocr.text };
      image.container.splice(at, 1, ...(ocr.thumbnail ? [text, part] : [text]));
    }
  },
  holder: (image) => image.part,
};

/** A request of a native API read for one model: the parsed body and its chat view. */
export interface NativeRead<
  Image extends { ref: number; path: string } = { ref: number; path: string },
  Change = unknown,
> {
  api: NativeRequest<Image, Change>;
  /** The parsed body, `squint` removed, `model` set to the model it is read for. */
  json: Json;
  /** The body as it came. */
  bytes: Uint8Array;
  images: Image[];
  /**
   * The chat view, admitted (controls, images read); undefined when the workers were too busy,
   * or when it names no model (`unread` says so).
   */
  admitted?: AdmittedChat;
  /** Why the request goes as it came without being read for a model. */
  unread?: string;
  /** The parsed body differs from the bytes beyond its images (written out whole if so). */
  rewritten: boolean;
  model: string;
  stream: boolean;
}

/** A request ready to forward, with the plan of its images. */
export interface PreparedNative {
  body: Blob | Uint8Array;
  /** The plan and figures (of the chat view: its `body` is not what is sent). */
  plan: PreparedChat;
  stream: boolean;
}

/** `json` as a request of an API whose bodies need `required` besides `model`. */
/** `json` as a request of `api`, and the model it is for (its own, or the URL's `named`). */
function checked(
  json: unknown,
  api: Pick<NativeRequest<never, never>, "required" | "modelIn" | "modelOptionalWith">,
  named?: string,
): { body: Json; model: string } {
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new GatewayError(400, "request body must be a JSON object");
  }
  const body = json as Json;
  const given = (field: string) =>
    body[field] !== undefined && body[field] !== null && body[field] !== "";
  const oneOf = typeof api.required === "string" ? [api.required] : api.required;
  const unnamed = api.modelOptionalWith !== undefined && given(api.modelOptionalWith) &&
    body.model === undefined;
  const groups = api.modelIn === "body" && !unnamed ? [["model"], oneOf] : [oneOf];
  for (const group of groups) {
    if (!group.some(given)) {
      throw new GatewayError(
        400,
        `${group[0]}: Field required`,
        "invalid_request_error",
        null,
        group[0],
      );
    }
  }
  if (unnamed) return { body, model: "" };
  const model = api.modelIn === "body" ? body.model : named;
  if (typeof model !== "string") {
    throw new GatewayError(400, "model: must be a string", "invalid_request_error", null, "model");
  }
  const problem = modelNameProblem(model);
  if (problem) throw new GatewayError(400, problem, "invalid_request_error", null, "model");
  return { body, model };
}

/** The figures of a request sent as it came (the workers were too busy to read it). */
export function unoptimized(
  read: Pick<NativeRead, "json" | "stream" | "model">,
  reason?: string,
  tokens = { before: 0, after: 0 },
  optimizations: string[] = [],
): PreparedChat {
  const { json, stream } = read;
  return {
    body: "",
    messages: json.messages ?? json.input,
    model: read.model,
    plan: { images: [], tokens, estimated: true },
    optimizations,
    stream,
    clientWantsUsage: false,
    passthroughReason: reason,
  };
}

/**
 * Reads a request of `api` for `model` (default: the one it names): parsed, checked, its
 * `squint` controls taken into the view, its images read. On overload (when so configured) it
 * goes on unread, to be sent as it came.
 */
export async function readNative<Image extends { ref: number; path: string }, Change>(
  bytes: Uint8Array,
  headers: Headers,
  deps: PipelineDeps,
  api: NativeRequest<Image, Change>,
  model?: string,
  /** The model its URL names (a door whose model is in the path). */
  named?: string,
): Promise<NativeRead<Image, Change>> {
  const { body: json, model: own } = checked(
    await parseNativeBody(bytes, deps.pool),
    api,
    named,
  );
  const controls = json.squint;
  delete json.squint;
  const inBody = api.modelIn === "body";
  const rewritten = controls !== undefined || (inBody && model !== undefined && model !== own);
  if (inBody && model !== undefined) json.model = model;
  const forModel = model ?? own;
  const { view, inline, images } = api.view(json, forModel);
  if (controls !== undefined) {
    // The view keeps its own settings (no text in an image's place); a malformed object is
    // left for the controls' reader to name.
    const object = typeof controls === "object" && controls !== null && !Array.isArray(controls);
    view.squint = object ? { ...controls, ...(view.squint as Json) } : controls;
  }
  const read = {
    api,
    json,
    bytes,
    images,
    rewritten,
    model: forModel,
    stream: json.stream === true,
  };
  // No model to plan for: the stored prompt names its own, which squint does not know.
  if (forModel === "") {
    return { ...read, unread: "the model is the stored prompt's, unknown to squint" };
  }
  try {
    const admitted = await admitDecoded({ json: view, inline, body: bytes }, headers, deps);
    return { ...read, admitted };
  } catch (e) {
    if (!isOverload(e) || deps.config.on_overload === "reject") throw e;
    return read;
  }
}

/**
 * The body to forward for a read request: its images planned and rendered, their data spliced
 * into the client's bytes (or the body written out when it changed otherwise, or `rewrite` —
 * prompt-cache breakpoints, tool order — changed it).
 */
export async function prepareNative<Image extends { ref: number; path: string }, Change>(
  read: NativeRead<Image, Change>,
  deps: PipelineDeps,
  rewrite?: (json: Json) => boolean,
  understood?: UnderstoodChat,
): Promise<PreparedNative> {
  const { api, json, bytes, images, admitted, stream } = read;
  const written = () => serializeJson(json, bytes.byteLength, deps.pool);
  const rewritten = (rewrite?.(json) ?? false) || read.rewritten;
  if (!admitted) {
    return {
      body: rewritten ? await written() : bytes,
      plan: unoptimized(read, read.unread ?? "image workers busy; sent unoptimized"),
      stream,
    };
  }
  const original = new Map(admitted.intake.literals);
  const plan = await optimizeChat(admitted, deps, understood);
  // The view's images are planned in the order they were found.
  const changes = images.flatMap((image, i) => {
    const literal = admitted.intake.literals.get(image.ref);
    const rendered = literal === original.get(image.ref) ? undefined : literal;
    const change = api.change(image, rendered, plan.plan.images[i]);
    return change ? [change] : [];
  });
  let body: Uint8Array = bytes;
  if (rewritten) {
    api.apply(changes);
    body = await written();
  } else if (changes.length) {
    // Where an image's data cannot be found as written (an escaped slash, say), write it out.
    body = await spliceNativeBody(api.api, bytes, changes, deps.pool) ??
      (api.apply(changes), await written());
  }
  return { body, plan: { ...plan, model: read.model, stream }, stream };
}
